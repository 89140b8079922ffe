package web

import "github.com/nrm-org/nrm"

// The JSON bodies of individual support and closure (issue #5 §3–4). Field
// names are the catalogue's field names, so an error names the field the
// client sent.

type advocateInputJSON struct {
	OrgID   string `json:"org_id"`
	UserID  string `json:"user_id"`
	Role    string `json:"role"`
	Name    string `json:"name"`
	Contact string `json:"contact"`
}

type needInputJSON struct {
	Area  string `json:"area"`
	Level string `json:"level"`
	Note  string `json:"note"`
}

type needsInputJSON struct {
	On    string          `json:"on"`
	Needs []needInputJSON `json:"needs"`
}

func (v needsInputJSON) input() nrm.NeedsInput {
	in := nrm.NeedsInput{On: v.On}
	for _, n := range v.Needs {
		in.Needs = append(in.Needs, nrm.NeedInput{Area: n.Area, Level: n.Level, Note: n.Note})
	}
	return in
}

type goalInputJSON struct {
	Area           string `json:"goal_area"`
	Text           string `json:"goal_text"`
	Action         string `json:"goal_action"`
	ResponsibleOrg string `json:"responsible_org"`
	DueOn          string `json:"due_on"`
}

type planInputJSON struct {
	Revises      int             `json:"revises"`
	SupportLevel string          `json:"support_level"`
	Goals        []goalInputJSON `json:"goals"`
	Agreed       bool            `json:"agreed"`
	AgreedOn     string          `json:"agreed_on"`
	AgreedHow    string          `json:"agreed_how"`
	AgreedLang   string          `json:"agreed_lang"`
	ReviewOn     string          `json:"review_on"`
}

func (v planInputJSON) input() nrm.PlanInput {
	in := nrm.PlanInput{Revises: v.Revises, SupportLevel: v.SupportLevel, Agreed: v.Agreed, AgreedOn: v.AgreedOn, AgreedHow: v.AgreedHow,
		AgreedLang: v.AgreedLang, ReviewOn: v.ReviewOn}
	for _, g := range v.Goals {
		in.Goals = append(in.Goals, nrm.GoalInput{Area: g.Area, Text: g.Text, Action: g.Action, ResponsibleOrg: g.ResponsibleOrg, DueOn: g.DueOn})
	}
	return in
}

type safetyInputJSON struct {
	Revises   int      `json:"revises"`
	RiskLevel string   `json:"risk_level"`
	Risks     []string `json:"risks"`
	Measures  string   `json:"measures"`
	ReviewOn  string   `json:"review_on"`
}

type closeInputJSON struct {
	Reason     string   `json:"closure_reason"`
	On         string   `json:"closed_on"`
	Note       string   `json:"note"`
	FollowUpOn []string `json:"follow_up_on"`
}

type reopenInputJSON struct {
	Reason string `json:"reopen_reason"`
	Note   string `json:"note"`
}

type followUpInputJSON struct {
	On   string `json:"on"`
	How  string `json:"how"`
	Note string `json:"note"`
}
