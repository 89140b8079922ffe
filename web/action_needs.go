package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// needsAction records a needs assessment (door.RecordNeeds): one row per
// area, a level and a note; an area left without a level is not assessed.
// Each assessment is a new version; the form starts from the last one.
var needsAction = &personAction{
	name: "needs", title: "action.needs", fields: append([]string{"on", "needs", "area", "level", "note"}, needFields()...),
	may:      works,
	relevant: supportOpen,
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		pg.Options["level"] = s.options(pg.Lang, "needlevel", nrm.NeedLevels, true)
		pg.Options["area"] = s.options(pg.Lang, "needarea", nrm.NeedAreas, false)
		if pg.Values == nil {
			pg.Values = map[string]string{}
			if sv := cf.Support; sv != nil && len(sv.Needs) > 0 {
				for _, n := range sv.Needs[0].Needs {
					pg.Values["level_"+n.Area], pg.Values["note_"+n.Area] = n.Level, n.Note
				}
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		in := nrm.NeedsInput{On: text(r, "on")}
		for _, a := range nrm.NeedAreas {
			if l := text(r, "level_"+a); l != "" {
				in.Needs = append(in.Needs, nrm.NeedInput{Area: a, Level: l, Note: text(r, "note_"+a)})
			}
		}
		_, err := s.door.RecordNeeds(r.Context(), st.actor, id, in)
		return err
	},
}

// needFields are the per-area fields of the needs form, kept when it is shown again.
func needFields() []string {
	var out []string
	for _, a := range nrm.NeedAreas {
		out = append(out, "level_"+a, "note_"+a)
	}
	return out
}
