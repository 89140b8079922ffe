package web

import (
	"net/http"
	"strings"

	"github.com/nrm-org/nrm/door"
)

// The data protection officer's list of break-glass openings (issue 14
// §3): the ones waiting for a review first. Each says who opened which
// record code, when, until when, why, how many reads were made under it,
// and which organisation holding the record was told. The DPO never opens
// the record from here.

type glassReviewsPage struct {
	Page
	Rows    []glassRow
	Pending bool // only the openings waiting for a review
}

type glassRow struct {
	ID, Code, Who, Roles, Opened, Until, Reason, Holder, Outcome, Reviewed, Note string
	Reads                                                                        int
	Expired, Waiting                                                             bool
}

var glassOutcomeKeys = map[string]string{door.GlassJustified: "evidence.glass.justified", door.GlassNotJustified: "evidence.glass.not_justified"}

func (s *Server) glassRow(lang string, o door.BreakGlassOpening) glassRow {
	var roles []string
	for _, r := range o.Roles {
		roles = append(roles, s.label(lang, "role", string(r)))
	}
	row := glassRow{ID: o.ID, Code: o.PersonCode, Who: signerLabel(orDash(o.OrgName), o.UserName), Roles: strings.Join(roles, ", "),
		Opened: s.when(o.OpenedAt), Until: s.when(o.ExpiresAt), Reason: orNotRecorded(s, lang, o.Reason), Holder: orDash(o.HolderOrg),
		Reads: o.ReadsAfterOpening, Expired: o.Expired(s.door.Now()), Waiting: o.ReviewedAt.IsZero(), Note: o.Note}
	if !row.Waiting {
		row.Outcome = s.cat.T(lang, glassOutcomeKeys[o.Outcome])
		row.Reviewed = s.cat.T(lang, "evidence.glass.reviewed_by", orDash(o.ReviewerName), s.when(o.ReviewedAt))
	}
	return row
}

// breakGlassReviews is GET /breakglass.
func (s *Server) breakGlassReviews(w http.ResponseWriter, r *http.Request, st *reqState) {
	pending := r.URL.Query().Get("pending") == "1"
	os, err := s.door.BreakGlassOpenings(r.Context(), st.actor, door.BreakGlassFilter{PendingOnly: pending})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := &glassReviewsPage{Page: s.base(r), Pending: pending}
	for _, o := range os {
		pg.Rows = append(pg.Rows, s.glassRow(st.lang, o))
	}
	s.render(w, r, http.StatusOK, "breakglassreviews", pg)
}
