package web

import "github.com/nrm-org/nrm"

// The JSON bodies of the service directory, service referrals and the
// emergency protocol. Field names are the catalogue's field names.

type serviceInputJSON struct {
	OrgID           string   `json:"org"`
	Kind            string   `json:"kind"`
	Name            string   `json:"name"`
	Regions         []string `json:"regions"`
	Languages       []string `json:"languages"`
	ForWhom         []string `json:"for_whom"`
	Capacity        int      `json:"capacity"`
	Accreditation   string   `json:"accreditation"`
	AccreditedUntil string   `json:"accredited_until"`
}

func (v serviceInputJSON) input() nrm.ServiceInput {
	return nrm.ServiceInput{OrgID: v.OrgID, Kind: v.Kind, Name: v.Name, Regions: v.Regions, Languages: v.Languages, ForWhom: v.ForWhom,
		Capacity: v.Capacity, Accreditation: v.Accreditation, AccreditedUntil: v.AccreditedUntil}
}

type serviceReferralInputJSON struct {
	ServiceID string `json:"service"`
	Note      string `json:"note"`
	Emergency bool   `json:"emergency"`
	Replaces  string `json:"replaces"`
}

type serviceStepJSON struct {
	State  string `json:"state"`
	Reason string `json:"reason"`
	On     string `json:"delivered_on"`
	Mode   string `json:"mode"`
}

type emergencyInputJSON struct {
	On     bool   `json:"on"`
	Reason string `json:"reason"`
}
