package web

import "github.com/nrm-org/nrm"

// The JSON bodies of the voices API (feedback links, Advisory Board,
// questionnaire). Field names are the catalogue's field names.

type feedbackCampaignInputJSON struct {
	Title string `json:"title"`
}

type advisoryInputJSON struct {
	MeetingOn string `json:"meeting_on"`
	Theme     string `json:"theme"`
	Body      string `json:"body"`
}

type advisoryUpdateJSON struct {
	Status      string `json:"status"`
	PresentedBy string `json:"presented_by"`
	PresentedOn string `json:"presented_on"`
	Response    string `json:"response"`
	Note        string `json:"note"`
}

type questionnaireInputJSON struct {
	Sections map[string][]nrm.Question `json:"sections"`
	Note     string                    `json:"note"`
}

type qCampaignInputJSON struct {
	Version  int      `json:"version"`
	Title    string   `json:"title"`
	OpensOn  string   `json:"opens_on"`
	ClosesOn string   `json:"closes_on"`
	Orgs     []string `json:"orgs"`
}

type qAnswersJSON struct {
	Answers map[string]map[string]int `json:"answers"`
}
