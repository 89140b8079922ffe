package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// duplicateStates are the Responsible Authority's answers on a possible
// duplicate, "different people" first: it is as easy to say as "the same
// person", and nothing is chosen for the reader.
var duplicateStates = []string{"distinct", "linked", "merged"}

// compareLink opens the side-by-side comparison with one possible duplicate.
type compareLink struct{ Href, Code string }

// compareHref is the comparison of a record with a possible duplicate.
func compareHref(id, other string) string {
	return "/persons/" + url.PathEscape(id) + "/duplicates/" + url.PathEscape(other)
}

// duplicateAction decides a possible duplicate: the same person (linked,
// or merged into this record) or different people (door.ResolveDuplicate).
// The page leads to the side-by-side comparison of each candidate
// (action_duplicate_compare.go), where the decision is best made.
var duplicateAction = &personAction{
	name: "duplicate", title: "action.duplicate", fields: []string{"other", "state"},
	may: registers,
	relevant: func(cf *door.CaseFile) bool {
		return slices.ContainsFunc(cf.Duplicates, func(d door.DuplicateView) bool { return d.State == "possible" })
	},
	prepare: func(s *Server, _ *http.Request, pg *actionPage, cf *door.CaseFile) {
		pg.Options["state"] = s.options(pg.Lang, "dupstate", duplicateStates, false)
		pg.Dups = cf.Duplicates
		for _, d := range cf.Duplicates {
			if d.State == "possible" {
				pg.Compare = append(pg.Compare, compareLink{Href: compareHref(cf.Person.ID, d.OtherID), Code: d.OtherCode})
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		other := text(r, "other")
		if other == "" {
			return nrm.FieldError("other", "error.required")
		}
		return s.door.ResolveDuplicate(r.Context(), st.actor, id, other, text(r, "state"))
	},
}
