package web

import (
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// caseJustice fills the record page's return, linked-person and justice
// rows from the case file (what the door let the reader see).
func (s *Server) caseJustice(v *caseView, lang string, cf *door.CaseFile) {
	if rf := cf.Reintegration; rf != nil {
		for _, r := range rf.Risks {
			v.ReturnWork = append(v.ReturnWork, answerRow{Label: r.On, Value: s.cat.T(lang, "justice.risk_row", s.label(lang, "returnrisk", r.Outcome), r.OrgName)})
		}
		for _, c := range rf.Child {
			val := s.label(lang, "childassessment", c.Kind)
			if c.Decision != "" {
				val += " · " + s.label(lang, "bestinterests", c.Decision)
			}
			v.ReturnWork = append(v.ReturnWork, answerRow{Label: c.On, Value: val + " · " + c.OrgName})
		}
		for _, c := range rf.Contacts {
			v.ReturnWork = append(v.ReturnWork, answerRow{Label: c.Country, Value: strings.TrimSuffix(c.Organisation+" · "+c.Contact, " · ")})
		}
		for _, l := range rf.Links {
			val := s.label(lang, "relationship", l.Relationship)
			if l.Reverse {
				val = s.cat.T(lang, "justice.link_reverse", val)
			}
			if l.AtRisk {
				val += " · " + s.cat.T(lang, "field.at_risk")
			}
			if l.Name != "" {
				val += " · " + l.Name
			}
			v.Links = append(v.Links, linkRow{Value: val, OtherID: l.OtherID, OtherCode: l.OtherCode})
		}
	}
	if jf := cf.Justice; jf != nil {
		for _, p := range jf.Proceedings {
			val := s.cat.T(lang, "justice.reported_row", s.yesNo(lang, p.OwnChoice), s.yesNo(lang, p.Witness))
			if p.PoliceRefShown && p.PoliceRef != "" {
				val += " · " + p.PoliceRef
			}
			for _, st := range p.Stages {
				val += " · " + s.label(lang, "justicestage", st.Stage) + " " + st.On
			}
			for _, m := range p.Protective {
				val += " · " + s.label(lang, "protective", m.Measure) + ": " + s.label(lang, "protectivestate", m.State)
			}
			v.Justice = append(v.Justice, answerRow{Label: p.ReportedOn, Value: val})
		}
		for _, c := range jf.Claims {
			v.Justice = append(v.Justice, answerRow{Label: c.FiledOn, Value: s.label(lang, "compensationroute", c.Route) + " · " +
				nrm.FormatAmount(c.AmountAsked) + " " + c.Currency + " · " + s.label(lang, "compensationoutcome", c.Outcome)})
		}
		for _, p := range jf.Permits {
			v.Justice = append(v.Justice, answerRow{Label: p.From + "–" + p.To, Value: s.label(lang, "permitkind", p.Kind) + " · " + s.label(lang, "permitstatus", p.Status)})
		}
	}
}

// linkRow is a linked person on the record page.
type linkRow struct{ Value, OtherID, OtherCode string }
