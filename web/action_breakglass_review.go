package web

import (
	"net/http"

	"github.com/nrm-org/nrm/door"
)

// The DPO's finding on one break-glass opening: justified or not, with a
// note (required when not justified). Nothing is chosen for the DPO; a
// finding is recorded once (door.ReviewBreakGlass).

type glassReviewPage struct {
	Page
	Row      glassRow
	Outcomes Choice
}

var glassReviewFields = []string{"outcome", "note"}

func (s *Server) glassReviewPageFor(r *http.Request, st *reqState) (*glassReviewPage, error) {
	o, err := s.door.BreakGlassOpening(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	pg := &glassReviewPage{Page: s.base(r), Row: s.glassRow(st.lang, *o)}
	pg.Outcomes = Choice{Kind: "radio", Name: "outcome", Legend: s.cat.T(st.lang, "evidence.glass.question")}
	for _, v := range door.GlassOutcomes {
		pg.Outcomes.Items = append(pg.Outcomes.Items, checkOption{ID: "outcome-" + v, Value: v, Label: s.cat.T(st.lang, glassOutcomeKeys[v])})
	}
	return pg, nil
}

// breakGlassReviewShow is GET /breakglass/{id}.
func (s *Server) breakGlassReviewShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.glassReviewPageFor(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "breakglassreview", pg)
}

// breakGlassReviewDo is POST /breakglass/{id}.
func (s *Server) breakGlassReviewDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.door.ReviewBreakGlass(r.Context(), st.actor, r.PathValue("id"), door.BreakGlassReview{Outcome: text(r, "outcome"), Note: text(r, "note")})
	if err == nil {
		redirectDone(w, r, "/breakglass", "glass-review")
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, perr := s.glassReviewPageFor(r, st)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	pg.Values = formValues(r, glassReviewFields...)
	for i := range pg.Outcomes.Items {
		pg.Outcomes.Items[i].Checked = pg.Outcomes.Items[i].Value == pg.Values["outcome"]
	}
	pg.Summary, pg.Errs, pg.Outcomes.Error = inFormOrder(summary, glassReviewFields), byField, byField["outcome"]
	s.render(w, r, http.StatusUnprocessableEntity, "breakglassreview", pg)
}
