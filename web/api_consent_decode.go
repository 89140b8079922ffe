package web

import "github.com/nrm-org/nrm"

// The JSON bodies of the consent ledger and child-measure actions. Field
// names are the catalogue's field names, so an error names the field the
// client sent.

type consentInputJSON struct {
	Purpose        string   `json:"purpose"`
	Scope          string   `json:"data_scope"`
	RecipientOrgs  []string `json:"recipient_orgs"`
	RecipientTypes []string `json:"recipient_types"`
	GivenBy        string   `json:"given_by"`
	GuardianName   string   `json:"guardian_name"`
	ChildAssent    string   `json:"child_assent"`
	How            string   `json:"how"`
	Interpreter    bool     `json:"interpreter"`
	Language       string   `json:"language"`
	TextVersion    string   `json:"text_version"`
	Explained      []string `json:"explained"`
	GivenOn        string   `json:"given_on"`
	ExpiresOn      string   `json:"expires_on"`
	Replaces       string   `json:"replaces"`
}

func (v consentInputJSON) input() nrm.ConsentInput {
	in := nrm.ConsentInput{Purpose: v.Purpose, Scope: v.Scope, RecipientOrgs: v.RecipientOrgs, GivenBy: v.GivenBy, GuardianName: v.GuardianName,
		ChildAssent: v.ChildAssent, How: v.How, Interpreter: v.Interpreter, Language: v.Language, TextVersion: v.TextVersion, Explained: v.Explained,
		GivenOn: v.GivenOn, ExpiresOn: v.ExpiresOn, Replaces: v.Replaces}
	for _, t := range v.RecipientTypes {
		in.RecipientTypes = append(in.RecipientTypes, nrm.OrgType(t))
	}
	return in
}

type withdrawalJSON struct {
	How string `json:"how"`
}

type measureInputJSON struct {
	Kind        string `json:"kind"`
	Consent     string `json:"consent"`
	ChildViews  string `json:"child_views"`
	InterimOrg  string `json:"interim_org"`
	InterimRole string `json:"interim_role"`
}

type courtRulingJSON struct {
	Outcome string `json:"court_outcome"`
}
