package nrm

import (
	"slices"
	"time"
)

// OrgType is the kind of NRM member institution.
type OrgType string

// The organisation types of an NRM (guide-digest I, process.md §3).
const (
	OrgPolice               OrgType = "police"
	OrgBorderPolice         OrgType = "border_police"
	OrgSocialService        OrgType = "social_service"
	OrgChildProtection      OrgType = "child_protection"
	OrgLabourInspectorate   OrgType = "labour_inspectorate"
	OrgProsecution          OrgType = "prosecution"
	OrgCourt                OrgType = "court"
	OrgHealth               OrgType = "health"
	OrgLegalAid             OrgType = "legal_aid"
	OrgNGOShelter           OrgType = "ngo_shelter"
	OrgResponsibleAuthority OrgType = "responsible_authority"
	OrgSecretariat          OrgType = "secretariat"
	OrgMinistry             OrgType = "ministry"
	OrgInternational        OrgType = "international"
	// The guide's other first responders (guide-digest I, pillar 1).
	OrgConsular      OrgType = "consular"       // consular and visa services abroad (foreign affairs)
	OrgCustoms       OrgType = "customs"        // customs administration
	OrgPortAuthority OrgType = "port_authority" // maritime and port authorities
	OrgDetention     OrgType = "detention"      // detention centres and prisons
	OrgEducation     OrgType = "education"      // schools and other education
)

// OrgTypes lists every organisation type, in display order.
var OrgTypes = []OrgType{
	OrgPolice, OrgBorderPolice, OrgSocialService, OrgChildProtection,
	OrgLabourInspectorate, OrgProsecution, OrgCourt, OrgHealth, OrgLegalAid,
	OrgNGOShelter, OrgResponsibleAuthority, OrgSecretariat, OrgMinistry, OrgInternational,
	OrgConsular, OrgCustoms, OrgPortAuthority, OrgDetention, OrgEducation,
}

// Valid reports whether t is a known organisation type.
func (t OrgType) Valid() bool { return slices.Contains(OrgTypes, t) }

// Org is an NRM member institution.
type Org struct {
	ID        string
	Name      string
	Type      OrgType
	Regions   []string // the regions it serves (codes, e.g. "tirane")
	CreatedAt time.Time
}

// Validate checks an organisation before it is stored.
func (o *Org) Validate() error {
	var es Errors
	if o.Name == "" || len(o.Name) > 200 {
		es = append(es, FieldError("name", "error.required"))
	}
	if !o.Type.Valid() {
		es = append(es, FieldError("type", "error.unknown_value"))
	}
	for _, r := range o.Regions {
		if !ValidRegion(r) {
			es = append(es, FieldError("regions", "error.unknown_value"))
			break
		}
	}
	return es.Err()
}

// Regions are Albania's twelve counties (qarqe). Other jurisdictions
// replace this list through their profile.
var Regions = []string{
	"berat", "diber", "durres", "elbasan", "fier", "gjirokaster",
	"korce", "kukes", "lezhe", "shkoder", "tirane", "vlore",
}

// ValidRegion reports whether r is a known region code.
func ValidRegion(r string) bool { return slices.Contains(Regions, r) }
