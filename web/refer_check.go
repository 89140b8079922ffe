package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
)

// Every step of the referral form checks its own answers when the worker
// presses Continue (GOV.UK "question pages"): the door's own checks
// (door.CheckReferral, the very ones Refer makes) are run on the whole
// draft and the problems of this step's fields are shown at once, with the
// error summary and the message at each field, the values kept. The check
// page only re-checks.

// dateFields are the form's dates, entered as day, month and year.
var dateFields = []string{"met_on", "birth_date"}

// dateParts reads a date's three fields from the answers.
func (v referValues) dateParts(name string) nrm.DateParts {
	return nrm.DateParts{Day: v.get(name + "-day"), Month: v.get(name + "-month"), Year: v.get(name + "-year")}
}

// date composes a stored date (YYYY, YYYY-MM or YYYY-MM-DD) from its parts.
// A date the parts do not make is passed on as entered, so the door names
// the field when the check page sends it; whether it is in the future is the
// door's to say (the step check names it first, with the door's clock).
func (v referValues) date(name string) string {
	d := v.dateParts(name)
	if d.Empty() {
		return v.get(name) // a draft saved before dates had parts
	}
	s, err := d.Partial(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return strings.Join([]string{d.Year, d.Month, d.Day}, "-")
	}
	return s
}

// codes reads a picker's chosen codes (the first choice name, a second
// name_2), without blanks or repeats.
func (v referValues) codes(name string) []string {
	var out []string
	for _, c := range append(v.list(name), v.list(name+"_2")...) {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// stepCheck is what the check of one step found: the summary (in the
// step's field order), the message at each field, and the parts of each
// date to mark.
type stepCheck struct {
	summary   []errItem
	byField   map[string]string
	dateParts map[string][]string
}

func (c *stepCheck) ok() bool { return len(c.summary) == 0 }

// checkStep checks one step's answers (the check page: every step's).
func (s *Server) checkStep(r *http.Request, lang, step string, v referValues) (*stepCheck, error) {
	now := s.door.Now().In(s.loc)
	mine := func(field string) bool { return step == "check" || stepOf(field) == step }
	var es nrm.Errors
	parts := map[string][]string{}
	linkPart := map[string]string{}
	for _, name := range dateFields {
		if !mine(name) || (name == "birth_date" && v.refused()) {
			continue
		}
		if _, derr := v.dateParts(name).Partial(now); derr != nil {
			es = append(es, nrm.FieldError(name, derr.Key))
			parts[name], linkPart[name] = derr.Parts, name+"-"+derr.Part
		}
	}
	if step == "forms" && len(v.list("suspected_forms")) == 0 {
		es = append(es, nrm.FieldError("suspected_forms", "error.forms_required"))
	}
	for _, e := range s.door.CheckReferral(v.input()) {
		if e.Code == nrm.EInternal {
			return nil, e
		}
		if e.Field == "" || !mine(e.Field) || parts[e.Field] != nil {
			continue
		}
		es = append(es, e)
	}
	c := &stepCheck{byField: map[string]string{}, dateParts: parts}
	if len(es) == 0 {
		return c, nil
	}
	summary, byField, ok := s.formErrors(r, es, lang)
	if !ok {
		return nil, es
	}
	for i := range summary {
		if p := linkPart[summary[i].Field]; p != "" {
			summary[i].Field = p
		}
	}
	var order []string
	for _, st := range referSteps {
		order = append(order, st.Fields...)
	}
	c.summary, c.byField = inFormOrder(summary, order), byField
	return c, nil
}

// dateField is what the "date" partial draws: the GOV.UK date input.
type dateField struct {
	Name, Label, Hint, Error string
	Day, Month, Year         string
	Bad                      map[string]bool // the parts to mark
}

// DateInput builds a date's three fields with their values and error.
func (p *referPage) DateInput(name, label, hint string) dateField {
	f := dateField{Name: name, Label: label, Hint: hint, Error: p.Errs[name], Bad: map[string]bool{},
		Day: p.Values[name+"-day"], Month: p.Values[name+"-month"], Year: p.Values[name+"-year"]}
	for _, part := range p.DateBad[name] {
		f.Bad[part] = true
	}
	return f
}

// isChild reports whether the answers make the person a child or leave it in
// doubt (age in doubt: a child).
func (s *Server) isChild(v referValues) bool {
	in := v.input()
	g, presumed := in.AgeOutcome(s.door.Now(), s.door.Profile().ChildAge)
	return g == nrm.AgeChild || presumed
}

// shownForms is the set of indicator groups the indicator step asks: the
// general and cross-cutting ones (control, vulnerability, gender), the
// suspected forms of exploitation, and the child indicators for a child.
// "Not sure" (or no answer) asks them all.
func (s *Server) shownForms(v referValues) map[rules.Form]bool {
	sus := v.list("suspected_forms")
	child := s.isChild(v)
	shown := map[rules.Form]bool{}
	for _, f := range rules.Forms() {
		switch {
		case len(sus) == 0 || slices.Contains(sus, nrm.FormsUnsure):
			shown[f] = true // not sure: every indicator
		case f == rules.FormChild:
			shown[f] = child
		case f.Exploitation():
			shown[f] = slices.Contains(sus, string(f))
		default:
			shown[f] = true
		}
	}
	return shown
}

// shownIn names the group an indicator is asked in: its main form when
// that is shown, else the first of its forms that is, else "" (not asked).
func shownIn(ind rules.Indicator, shown map[rules.Form]bool) rules.Form {
	for _, f := range ind.Forms {
		if shown[f] {
			return f
		}
	}
	return ""
}

// keepShownIndicators drops the answered indicators the step no longer asks
// (the suspected forms changed): only what was asked counts.
func (s *Server) keepShownIndicators(v referValues) {
	shown := s.shownForms(v)
	cat := s.door.Catalogue()
	var keep []string
	for _, c := range v.list("indicators") {
		for _, ind := range cat.Indicators {
			if ind.Code == c && shownIn(ind, shown) != "" {
				keep = append(keep, c)
			}
		}
	}
	if len(keep) == 0 {
		delete(v, "indicators")
	} else {
		v["indicators"] = keep
	}
}
