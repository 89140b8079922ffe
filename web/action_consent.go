package web

import (
	"net/http"
	"slices"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// works: the reader works the record (its organisation's own, with write
// access). Consent and the person's own view are theirs; the door decides
// again (it also lets an assigned user in).
func works(cf *door.CaseFile, a *nrm.Actor) bool {
	return cf.CanWrite && a.OrgID != "" && cf.Person.OwnerOrgID == a.OrgID
}

// consentGivers are who may give a consent on a form; "referral" is only
// ever recorded by the referral itself.
var consentGivers = []string{nrm.GivenByPerson, nrm.GivenByGuardian, nrm.GivenByChild}

// consentAction records a consent, or a new version of one reached from a
// consent's "change" link (door.RecordConsent). The door checks who gave
// it against the person's age, and that all six points were explained.
var consentAction = &personAction{
	name: "consent", title: "action.consent",
	fields: []string{"purpose", "data_scope", "recipients", "given_by", "guardian_name", "child_assent", "how", "interpreter", "language",
		"text_version", "explained", "given_on", "expires_on", "replaces"},
	may: works,
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		lang := pg.Lang
		pg.Options["purpose"] = s.options(lang, "purpose", nrm.ConsentPurposes, false)
		pg.Options["data_scope"] = s.options(lang, "datascope", nrm.ConsentScopes, false)
		pg.Options["given_by"] = s.options(lang, "givenby", consentGivers, false)
		pg.Options["child_assent"] = s.options(lang, "assent", nrm.Assents, false)
		pg.Options["how"] = s.options(lang, "consenthow", nrm.ConsentHow, false)
		pg.Options["explained"] = s.options(lang, "explained", nrm.ExplainedPoints, false)
		pg.Options["recipient_orgs"] = s.orgOptions(r, lang, false)
		var types []string
		for _, t := range nrm.OrgTypes {
			types = append(types, string(t))
		}
		pg.Options["recipient_types"] = s.options(lang, "orgtype", types, false)
		if r.Method == http.MethodGet {
			if old := withdrawable(cf, r.URL.Query().Get("replaces")); old != nil {
				fillFromConsent(pg, old)
			}
		}
		if v := pg.Val("replaces"); v != "" {
			if old := withdrawable(cf, v); old != nil {
				pg.Consent = s.consentRow(lang, cf.Person.ID, *old, s.door.Now(), false)
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		var types []nrm.OrgType
		for _, t := range r.PostForm["recipient_types"] {
			types = append(types, nrm.OrgType(t))
		}
		_, err := s.door.RecordConsent(r.Context(), st.actor, id, nrm.ConsentInput{Purpose: text(r, "purpose"), Scope: text(r, "data_scope"),
			RecipientOrgs: r.PostForm["recipient_orgs"], RecipientTypes: types, GivenBy: text(r, "given_by"), GuardianName: text(r, "guardian_name"),
			ChildAssent: text(r, "child_assent"), How: text(r, "how"), Interpreter: r.PostFormValue("interpreter") == "1", Language: text(r, "language"),
			TextVersion: text(r, "text_version"), Explained: r.PostForm["explained"], GivenOn: text(r, "given_on"), ExpiresOn: text(r, "expires_on"),
			Replaces: text(r, "replaces")})
		return err
	},
}

// fillFromConsent starts a new version from the one it replaces: the same
// choices, except what must be asked afresh (the points explained, when
// and how it is given).
func fillFromConsent(pg *actionPage, c *nrm.Consent) {
	pg.Values["replaces"] = c.ID
	pg.Values["purpose"], pg.Values["data_scope"], pg.Values["given_by"] = c.Purpose, c.Scope, c.GivenBy
	if c.GivenBy == nrm.GivenByReferral {
		pg.Values["given_by"] = ""
	}
	pg.Values["child_assent"], pg.Values["language"], pg.Values["text_version"] = c.ChildAssent, c.Language, c.TextVersion
	if c.GuardianName != nil {
		pg.Values["guardian_name"] = *c.GuardianName
	}
	pg.Multi["recipient_orgs"] = slices.Clone(c.RecipientOrgs)
	for _, t := range c.RecipientTypes {
		pg.Multi["recipient_types"] = append(pg.Multi["recipient_types"], string(t))
	}
}

// withdrawable is the consent of the record with this id that is still in
// the ledger's current versions (neither withdrawn nor replaced).
func withdrawable(cf *door.CaseFile, id string) *nrm.Consent {
	if id == "" {
		return nil
	}
	i := slices.IndexFunc(cf.Consents, func(c nrm.Consent) bool { return c.ID == id })
	if i < 0 || !cf.Consents[i].WithdrawnAt.IsZero() || !cf.Consents[i].SupersededAt.IsZero() {
		return nil
	}
	return &cf.Consents[i]
}

// withdrawConsentAction withdraws a consent from this moment
// (door.WithdrawConsent). Reached from a consent's "withdraw" link it is a
// confirm page for that consent; otherwise the reader chooses one.
var withdrawConsentAction = &personAction{
	name: "withdraw-consent", title: "action.withdraw_consent", fields: []string{"consent", "how"},
	may: works,
	relevant: func(cf *door.CaseFile) bool {
		return slices.ContainsFunc(cf.Consents, func(c nrm.Consent) bool { return withdrawable(cf, c.ID) != nil })
	},
	prepare: func(s *Server, r *http.Request, pg *actionPage, cf *door.CaseFile) {
		pg.Options["how"] = s.options(pg.Lang, "consenthow", nrm.ConsentHow, false)
		if r.Method == http.MethodGet {
			pg.Values["consent"] = r.URL.Query().Get("consent")
		}
		now := s.door.Now()
		if c := withdrawable(cf, pg.Val("consent")); c != nil {
			pg.Consent = s.consentRow(pg.Lang, cf.Person.ID, *c, now, false)
			return
		}
		for _, c := range cf.Consents {
			if withdrawable(cf, c.ID) != nil {
				row := s.consentRow(pg.Lang, cf.Person.ID, c, now, false)
				pg.Options["consent"] = append(pg.Options["consent"], Option{Value: c.ID, Label: row.Purpose + " · " + row.Scope + " · " + row.Recipients})
			}
		}
	},
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		var es nrm.Errors
		if text(r, "consent") == "" {
			es = append(es, nrm.FieldError("consent", "error.required"))
		}
		if !slices.Contains(nrm.ConsentHow, text(r, "how")) {
			es = append(es, nrm.FieldError("how", "error.required"))
		}
		if err := es.Err(); err != nil {
			return err
		}
		return s.door.WithdrawConsent(r.Context(), st.actor, id, text(r, "consent"), text(r, "how"))
	},
}
