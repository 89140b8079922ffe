package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/nrm-org/nrm/door"
)

// requestRow is a formal identification request as the record page shows
// it, with its decisions and their signatures.
type requestRow struct {
	ID, By, State, Opened, Panel string
	Decide                       string // the decision page, for a panel member who may decide
	Decisions                    []decisionRow
}

type decisionRow struct {
	ID, Outcome, State, Drafted, Effective string
	Signatures                             []answerRow // organisation type, when
	CanSign                                bool
	Decided                                string // who decided, and when
	Sign                                   string // the signing page, for a member who may sign (action_sign.go)
}

// requestRows reads the requests of the case file; the panel's links come
// from what the door says the reader may decide and sign.
func (s *Server) requestRows(r *http.Request, lang string, cf *door.CaseFile) []requestRow {
	if len(cf.Requests) == 0 {
		return nil
	}
	names := map[string]string{}
	if orgs, err := s.door.Orgs(r.Context()); err == nil {
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
	}
	var out []requestRow
	for _, rq := range cf.Requests {
		row := requestRow{ID: rq.ID, By: s.label(lang, "requestedby", rq.RequestedBy), State: s.label(lang, "requeststate", rq.State), Opened: s.when(rq.CreatedAt)}
		var panel []string
		for _, o := range rq.PanelOrgs {
			panel = append(panel, orDash(names[o]))
		}
		row.Panel = strings.Join(panel, ", ")
		if slices.Contains(cf.CanDecide, rq.ID) {
			row.Decide = decideLink(cf.Person.ID, rq.ID)
		}
		for _, d := range rq.Decisions {
			dr := decisionRow{ID: d.ID, Outcome: s.label(lang, "outcome", d.Outcome), State: s.label(lang, "decisionstate", d.State),
				Drafted: s.when(d.CreatedAt), Effective: s.when(d.EffectiveAt), CanSign: slices.Contains(cf.CanSign, d.ID),
				Decided: s.decidedBy(lang, d)}
			if dr.CanSign {
				dr.Sign = signLink(cf.Person.ID, d.ID)
			}
			for _, sg := range d.Signatures {
				dr.Signatures = append(dr.Signatures, answerRow{Label: signerLabel(orDash(names[sg.OrgID]), sg.Name) + " (" + s.label(lang, "orgtype", sg.OrgType) + ")", Value: s.when(sg.SignedAt)})
			}
			row.Decisions = append(row.Decisions, dr)
		}
		out = append(out, row)
	}
	return out
}
