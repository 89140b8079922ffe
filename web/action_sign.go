package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Signing a panel decision (issue 14 §3): the second and any further signer
// reads the whole decision before signing — the outcome and its reasons,
// the evidence considered (the referral, the request, the interviews), who
// decided and when, and what the person was told — and signs as a
// deliberate act: the box that says they read it, and the second factor
// proven within the step-up window, as for break-glass (door.SignDecision
// refuses a stale one).

var signFields = []string{"read", "code"}

// signPage is GET /decisions/{id}/sign?person=.
type signPage struct {
	Page
	ID, Code, DecisionID string
	Outcome              string
	Decision             []answerRow // the decision's own fields
	Notice               []answerRow // what the person was told, when and how
	Decided              string      // who decided, and when
	Signatures           []answerRow
	Request              []answerRow // the request the decision answers
	Interviews           []interviewRow
	InterviewCount       int
	Evidence             *evidenceView
	StepUp               *breakGlassForm
}

// signLink is where a panel member reads and signs a decision.
func signLink(personID, decisionID string) string {
	return "/decisions/" + url.PathEscape(decisionID) + "/sign?" + url.Values{"person": {personID}}.Encode()
}

// signerLabel names a signer: the person and their organisation.
func signerLabel(org, name string) string {
	if name == "" {
		return org
	}
	return name + ", " + org
}

// decidedBy says who drafted a decision, and when.
func (s *Server) decidedBy(lang string, d door.DecisionView) string {
	if d.DecidedBy == "" {
		return ""
	}
	return s.cat.T(lang, "evidence.decided_by", signerLabel(orDash(d.DecidedByOrg), d.DecidedBy), s.when(d.CreatedAt))
}

// signPageFor builds the signing page for a decision the reader may sign;
// false when it is not (or no longer) theirs to sign.
func (s *Server) signPageFor(r *http.Request, st *reqState, personID, decisionID string) (*signPage, bool, error) {
	cf, err := s.door.Case(r.Context(), st.actor, personID)
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(cf.CanSign, decisionID) {
		return nil, false, nil
	}
	lang, p := st.lang, cf.Person
	pg := &signPage{Page: s.base(r), ID: p.ID, Code: p.Code, DecisionID: decisionID, Evidence: s.evidenceOf(lang, cf),
		StepUp: s.breakGlassFor(r, st, "")}
	pg.PasskeyJS = pg.StepUp.Passkey
	names := map[string]string{}
	if orgs, err := s.door.Orgs(r.Context()); err == nil {
		for _, o := range orgs {
			names[o.ID] = o.Name
		}
	}
	for _, rq := range cf.Requests {
		for _, d := range rq.Decisions {
			if d.ID != decisionID {
				continue
			}
			pg.Outcome, pg.Decided = s.label(lang, "outcome", d.Outcome), s.decidedBy(lang, d)
			pg.Decision = nonEmptyRows(
				answerRow{Label: s.cat.T(lang, "field.reasons"), Value: d.Reasons},
				answerRow{Label: s.cat.T(lang, "field.interview_on"), Value: d.InterviewOn},
				answerRow{Label: s.cat.T(lang, "field.interviewer_gender"), Value: labelOrEmpty(s, lang, "gender", d.InterviewerGender)},
				answerRow{Label: s.cat.T(lang, "field.gender_reason"), Value: d.GenderReason},
				answerRow{Label: s.cat.T(lang, "field.interpreter_lang"), Value: d.InterpreterLang},
				answerRow{Label: s.cat.T(lang, "field.child_views"), Value: d.ChildViews},
				answerRow{Label: s.cat.T(lang, "field.handover"), Value: d.Handover},
			)
			pg.Notice = []answerRow{
				{Label: s.cat.T(lang, "field.told_on"), Value: orNotRecorded(s, lang, d.ToldOn)},
				{Label: s.cat.T(lang, "field.told_how"), Value: s.label(lang, "toldhow", d.ToldHow)},
				{Label: s.cat.T(lang, "field.told_lang"), Value: orNotRecorded(s, lang, d.ToldLang)},
			}
			for _, sg := range d.Signatures {
				pg.Signatures = append(pg.Signatures, answerRow{Label: signerLabel(orDash(names[sg.OrgID]), sg.Name) + " (" + s.label(lang, "orgtype", sg.OrgType) + ")",
					Value: s.when(sg.SignedAt)})
			}
			var panel []string
			for _, o := range rq.PanelOrgs {
				panel = append(panel, orDash(names[o]))
			}
			pg.Request = nonEmptyRows(
				answerRow{Label: s.cat.T(lang, "field.requested_by"), Value: s.label(lang, "requestedby", rq.RequestedBy)},
				answerRow{Label: s.cat.T(lang, "action.requested_on"), Value: s.when(rq.CreatedAt)},
				answerRow{Label: s.cat.T(lang, "field.explanation"), Value: rq.Explanation},
				answerRow{Label: s.cat.T(lang, "field.panel_orgs"), Value: strings.Join(panel, ", ")},
			)
		}
	}
	iv := &caseView{}
	s.caseInterviews(iv, lang, cf)
	pg.Interviews, pg.InterviewCount = iv.Interviews, iv.InterviewCount
	return pg, true, nil
}

func nonEmptyRows(rows ...answerRow) []answerRow {
	var out []answerRow
	for _, r := range rows {
		if r.Value != "" {
			out = append(out, r)
		}
	}
	return out
}

func labelOrEmpty(s *Server, lang, prefix, v string) string {
	if v == "" {
		return ""
	}
	return s.label(lang, prefix, v)
}

// signShow is GET /decisions/{id}/sign?person=.
func (s *Server) signShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !st.actor.Has(nrm.RolePanelMember) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	pg, ok, err := s.signPageFor(r, st, r.URL.Query().Get("person"), r.PathValue("id"))
	s.renderFound(w, r, "decisionsign", pg, ok, err)
}

// renderFound draws a page built for the reader, or the error building it
// met, or — when the thing is not (or no longer) the reader's to act on —
// the same 404 as a missing record.
func (s *Server) renderFound(w http.ResponseWriter, r *http.Request, name string, pg any, ok bool, err error) {
	switch {
	case err != nil:
		s.fail(w, r, err)
	case !ok:
		s.fail(w, r, nrm.Errorf(nrm.ENotFound, "error.not_found"))
	default:
		s.render(w, r, http.StatusOK, name, pg)
	}
}

// signDo is POST /decisions/{id}/sign: a panel member signs a decision
// they have read, with the second factor fresh.
func (s *Server) signDo(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	person, known := personBack(r)
	if !st.actor.Has(nrm.RolePanelMember) {
		s.fail(w, r, nrm.Errorf(nrm.EForbidden, "error.forbidden"))
		return
	}
	var err error = nrm.FieldError("read", "error.read_first")
	if r.PostFormValue("read") == "1" {
		if err = s.stepUp(r, st); err == nil {
			err = s.door.SignDecision(r.Context(), st.actor, id)
		}
	}
	if err == nil {
		s.backToRecord(w, r, person, known, "signed")
		return
	}
	summary, byField, ok := s.formErrors(r, stepUpField(err), st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	// The form again — if the decision is still the reader's to sign.
	pg, found, perr := s.signPageFor(r, st, person, id)
	switch {
	case perr != nil:
		s.fail(w, r, perr)
		return
	case !found || !known:
		s.fail(w, r, nrm.Errorf(nrm.ENotFound, "error.not_found"))
		return
	}
	pg.Summary, pg.Errs = inFormOrder(summary, signFields), byField
	s.render(w, r, http.StatusUnprocessableEntity, "decisionsign", pg)
}
