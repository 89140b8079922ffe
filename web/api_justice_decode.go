package web

import "github.com/nrm-org/nrm"

// The JSON bodies of return and reintegration, linked persons and the
// justice track (issue #5, sections 5 and 6). Field names are the
// catalogue's field names, so an error names the field the client sent.

type returnRiskJSON struct {
	On      string `json:"on"`
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

type childAssessmentJSON struct {
	Kind       string `json:"kind"`
	On         string `json:"on"`
	Decision   string `json:"decision"`
	ChildViews string `json:"child_views"`
	Note       string `json:"note"`
}

type receivingContactJSON struct {
	Organisation string `json:"organisation"`
	Country      string `json:"country"`
	Contact      string `json:"contact"`
}

type linkInputJSON struct {
	Relationship string `json:"relationship"`
	AtRisk       bool   `json:"at_risk"`
	Name         string `json:"name"`
	Note         string `json:"note"`
}

type policeReportJSON struct {
	ReportedOn   string `json:"reported_on"`
	OwnChoice    bool   `json:"own_choice"`
	PoliceRef    string `json:"police_ref"`
	Witness      bool   `json:"witness"`
	WitnessNote  string `json:"witness_note"`
	LawyerOrg    string `json:"lawyer_org"`
	FreeLegalAid bool   `json:"free_legal_aid"`
}

type justiceStageJSON struct {
	ProceedingID string `json:"proceeding_id"`
	Stage        string `json:"stage"`
	On           string `json:"on"`
	Reference    string `json:"reference"`
}

type protectiveJSON struct {
	ProceedingID string `json:"proceeding_id"`
	Measure      string `json:"measure"`
	State        string `json:"state"`
	On           string `json:"on"`
}

type compensationJSON struct {
	ID            string `json:"id"`
	ProceedingID  string `json:"proceeding_id"`
	Route         string `json:"route"`
	AmountAsked   string `json:"amount_asked"`
	AmountAwarded string `json:"amount_awarded"`
	Currency      string `json:"currency"`
	Outcome       string `json:"outcome"`
	FiledOn       string `json:"filed_on"`
	DecidedOn     string `json:"decided_on"`
}

// input reads the amounts (decimal text, two places at most).
func (v compensationJSON) input() (nrm.CompensationInput, error) {
	in := nrm.CompensationInput{ID: v.ID, ProceedingID: v.ProceedingID, Route: v.Route, Currency: v.Currency, Outcome: v.Outcome,
		FiledOn: v.FiledOn, DecidedOn: v.DecidedOn}
	var ok bool
	if in.AmountAsked, ok = nrm.ParseAmount(v.AmountAsked); !ok {
		return in, nrm.FieldError("amount_asked", "error.amount_format")
	}
	if in.AmountAwarded, ok = nrm.ParseAmount(v.AmountAwarded); !ok {
		return in, nrm.FieldError("amount_awarded", "error.amount_format")
	}
	return in, nil
}

type permitJSON struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	From   string `json:"from"`
	To     string `json:"to"`
	Status string `json:"status"`
}
