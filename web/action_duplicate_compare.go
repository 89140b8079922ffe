package web

import (
	"net/http"
	"net/url"

	"github.com/nrm-org/nrm/door"
)

// Possible duplicates are resolved on a side-by-side comparison (issue 14
// §3): the two records' fields, identity included (decrypted in the door,
// for the Responsible Authority only, the reading audited on both
// records), each marked as agreeing, differing or not recorded on one side
// — in words, not only in colour — and the question asked with nothing
// chosen: different people, or the same person (linked, or merged).

type duplicatePage struct {
	Page
	ID, Code, OtherID, OtherCode string
	A, B                         duplicateSideView
	Rows                         []compareRow
	Same, Differ, Unknown        int
	States                       Choice
}

type duplicateSideView struct{ Code, Org, Status, Referred string }

type compareRow struct {
	Label, A, B, Mark string
	Same, Differs     bool
}

var compareFields = []string{"state"}

// compareLabels name the compared fields (door.DuplicateField.Field).
var compareLabels = map[string]string{
	"given_name": "field.given_name", "family_name": "field.family_name", "aliases": "field.aliases", "birth_date": "field.birth_date",
	"doc_number": "field.doc_number", "sex": "field.sex", "nationalities": "field.nationalities", "languages": "field.languages",
	"age_group": "field.age_group", "region": "field.region", "met_on": "field.met_on", "met_region": "field.met_region",
	"referrer": "evidence.referred_by",
}

func (s *Server) duplicatePageFor(r *http.Request, st *reqState, id, other string) (*duplicatePage, error) {
	cmp, err := s.door.CompareDuplicate(r.Context(), st.actor, id, other)
	if err != nil {
		return nil, err
	}
	lang := st.lang
	pg := &duplicatePage{Page: s.base(r), ID: cmp.A.ID, Code: cmp.A.Code, OtherID: cmp.B.ID, OtherCode: cmp.B.Code}
	side := func(d door.DuplicateSide) duplicateSideView {
		return duplicateSideView{Code: d.Code, Org: orDash(d.OrgName), Status: s.label(lang, "status", string(d.Status)), Referred: s.when(d.ReferredAt)}
	}
	pg.A, pg.B = side(cmp.A), side(cmp.B)
	for _, f := range cmp.Fields {
		row := compareRow{Label: s.cat.T(lang, compareLabels[f.Field]), A: f.A, B: f.B, Same: f.Same, Differs: !f.Same && !f.Unknown}
		if f.Coded != "" {
			row.A, row.B = labelOrEmpty(s, lang, f.Coded, f.A), labelOrEmpty(s, lang, f.Coded, f.B)
		}
		row.A, row.B = orNotRecorded(s, lang, row.A), orNotRecorded(s, lang, row.B)
		switch {
		case f.Unknown:
			row.Mark = s.cat.T(lang, "evidence.compare_unknown")
			pg.Unknown++
		case f.Same:
			row.Mark = s.cat.T(lang, "evidence.compare_same")
			pg.Same++
		default:
			row.Mark = s.cat.T(lang, "evidence.compare_differs")
			pg.Differ++
		}
		pg.Rows = append(pg.Rows, row)
	}
	pg.States = Choice{Kind: "radio", Name: "state", Legend: s.cat.T(lang, "evidence.same_person")}
	for _, v := range duplicateStates {
		l := s.label(lang, "dupstate", v)
		if v == "merged" {
			l = s.cat.T(lang, "evidence.merge_into", cmp.B.Code, cmp.A.Code)
		}
		pg.States.Items = append(pg.States.Items, checkOption{ID: "state-" + v, Value: v, Label: l})
	}
	return pg, nil
}

// duplicateCompareShow is GET /persons/{id}/duplicates/{other}.
func (s *Server) duplicateCompareShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.duplicatePageFor(r, st, r.PathValue("id"), r.PathValue("other"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "duplicate", pg)
}

// duplicateCompareDo is POST /persons/{id}/duplicates/{other}: the
// Responsible Authority's answer, from the comparison.
func (s *Server) duplicateCompareDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	id, other := r.PathValue("id"), r.PathValue("other")
	err := s.door.ResolveDuplicate(r.Context(), st.actor, id, other, text(r, "state"))
	if err == nil {
		redirectDone(w, r, "/persons/"+url.PathEscape(id), "duplicate")
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, perr := s.duplicatePageFor(r, st, id, other)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	pg.Summary, pg.Errs = inFormOrder(summary, compareFields), byField
	pg.States.Error = byField["state"]
	s.render(w, r, http.StatusUnprocessableEntity, "duplicate", pg)
}
