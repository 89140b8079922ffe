package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Support services (issue #5, sections 1, 2 and 7): the directory of the
// services organisations give, the service referrals that close the loop
// (sent, received, accepted or declined, in progress, delivered or not) and
// the emergency protocol the NRM coordinator switches on in a crisis.

// Service kinds (guide-digest II.9-10, III).
var ServiceKinds = []string{
	"shelter", "emergency_accommodation", "medical", "psychological", "psychosocial",
	"legal_counselling", "legal_representation", "interpreter", "cultural_mediator",
	"education", "vocational_training", "employment", "financial_aid", "material_aid",
	"family_tracing", "safe_return", "residence_permit_support", "compensation_support",
	"transport", "personal_security",
}

// NeedServiceKinds says which kinds of service meet each immediate need:
// a service referral of one of these kinds fulfils the need's open task, so
// the task opened at referral and the service referral are one thing.
var NeedServiceKinds = map[Need][]string{
	NeedShelter:     {"shelter", "emergency_accommodation"},
	NeedMedical:     {"medical"},
	NeedInterpreter: {"interpreter", "cultural_mediator"},
	NeedSafety:      {"personal_security"},
}

// ServiceGroups are the groups a service is for.
var ServiceGroups = []string{"women", "men", "children", "families"}

// Service is one entry of the directory. It is not personal data.
type Service struct {
	ID, OrgID, OrgName string
	Kind, Name         string
	Regions            []string
	Languages          []string
	ForWhom            []string
	Capacity           int // places in total; 0: not counted
	Taken              int // places held by accepted or in-progress referrals
	Accreditation      string
	AccreditedUntil    string // date; "" for none
	UpdatedAt          time.Time
}

// Free is the number of free places, or -1 when places are not counted.
func (s Service) Free() int {
	if s.Capacity == 0 {
		return -1
	}
	return max(s.Capacity-s.Taken, 0)
}

// ServiceInput creates or changes a directory entry.
type ServiceInput struct {
	OrgID           string // the giving organisation; "" for the actor's own
	Kind            string
	Name            string
	Regions         []string
	Languages       []string
	ForWhom         []string
	Capacity        int
	Accreditation   string
	AccreditedUntil string
}

// Validate checks a directory entry.
func (in *ServiceInput) Validate() error {
	var es Errors
	switch {
	case in.Kind == "":
		es = append(es, FieldError("kind", "error.required"))
	case !slices.Contains(ServiceKinds, in.Kind):
		es = append(es, FieldError("kind", "error.unknown_value"))
	}
	if n := strings.TrimSpace(in.Name); n == "" || utf8.RuneCountInString(n) > 200 {
		es = append(es, FieldError("name", "error.required"))
	}
	if len(in.Regions) == 0 {
		es = append(es, FieldError("regions", "error.required"))
	}
	for _, r := range in.Regions {
		if !ValidRegion(r) {
			es = append(es, FieldError("regions", "error.unknown_value"))
			break
		}
	}
	for _, l := range in.Languages {
		if !ValidLanguage(l) {
			es = append(es, FieldError("languages", "error.unknown_value"))
			break
		}
	}
	if len(in.ForWhom) == 0 {
		es = append(es, FieldError("for_whom", "error.required"))
	}
	for _, g := range in.ForWhom {
		if !slices.Contains(ServiceGroups, g) {
			es = append(es, FieldError("for_whom", "error.unknown_value"))
			break
		}
	}
	if in.Capacity < 0 || in.Capacity > 100000 {
		es = append(es, FieldError("capacity", "error.service_capacity"))
	}
	if utf8.RuneCountInString(in.Accreditation) > 500 {
		es = append(es, FieldError("accreditation", "error.too_long"))
	}
	if in.AccreditedUntil != "" {
		if _, err := time.Parse(time.DateOnly, in.AccreditedUntil); err != nil {
			es = append(es, FieldError("accredited_until", "error.date_format"))
		}
	}
	return es.Err()
}

// States of a service referral.
const (
	SRSent         = "sent"
	SRReceived     = "received"
	SRAccepted     = "accepted"
	SRDeclined     = "declined"
	SRInProgress   = "in_progress"
	SRDelivered    = "delivered"
	SRNotDelivered = "not_delivered"
	SRCancelled    = "cancelled"
)

// ServiceReferralStates lists every state, in the order of the loop.
var ServiceReferralStates = []string{SRSent, SRReceived, SRAccepted, SRDeclined, SRInProgress, SRDelivered, SRNotDelivered, SRCancelled}

// receiverMoves are the steps the receiving organisation may take, from
// each state. Acceptance or a decline also acknowledges receipt.
var receiverMoves = map[string][]string{
	SRSent:       {SRReceived, SRAccepted, SRDeclined},
	SRReceived:   {SRAccepted, SRDeclined},
	SRAccepted:   {SRInProgress, SRDelivered, SRNotDelivered},
	SRInProgress: {SRDelivered, SRNotDelivered},
}

// senderMoves are the steps the referring organisation may take: cancel,
// while the referral is still open.
var senderMoves = map[string][]string{
	SRSent:       {SRCancelled},
	SRReceived:   {SRCancelled},
	SRAccepted:   {SRCancelled},
	SRInProgress: {SRCancelled},
}

// ServiceMoves returns the steps allowed from a state, for the receiver or
// the sender.
func ServiceMoves(from string, receiver bool) []string {
	if receiver {
		return receiverMoves[from]
	}
	return senderMoves[from]
}

// ServiceTaking reports whether a referral in this state holds a place.
func ServiceTaking(state string) bool { return state == SRAccepted || state == SRInProgress }

// ServiceClosed reports whether a referral in this state is finished.
func ServiceClosed(state string) bool {
	return state == SRDeclined || state == SRDelivered || state == SRNotDelivered || state == SRCancelled
}

// Delivery modes. Remote modes are always allowed and recorded; during an
// emergency they are the expected way.
var DeliveryModes = []string{"in_person", "phone", "online"}

// ServiceReferralInput refers a person to a directory entry.
type ServiceReferralInput struct {
	ServiceID string
	Note      string // to the receiving organisation, encrypted
	Emergency bool   // an emergency referral: only while the protocol is on
	Replaces  string // the declined referral this one replaces
}

// Validate checks a service referral.
func (in *ServiceReferralInput) Validate() error {
	var es Errors
	if in.ServiceID == "" {
		es = append(es, FieldError("service", "error.required"))
	}
	if utf8.RuneCountInString(in.Note) > 4000 {
		es = append(es, FieldError("note", "error.too_long"))
	}
	return es.Err()
}

// ServiceStepInput moves a service referral on.
type ServiceStepInput struct {
	State  string
	Reason string // for a decline, no delivery or a cancellation; encrypted
	On     string // the delivery date; "" for today
	Mode   string // how it was delivered: in_person, phone, online
}

// Validate checks a step from the current state, by the receiver or the
// sender, against the table of allowed moves.
func (in *ServiceStepInput) Validate(from string, receiver bool, now time.Time) error {
	var es Errors
	switch {
	case in.State == "":
		es = append(es, FieldError("state", "error.required"))
	case !slices.Contains(ServiceReferralStates, in.State):
		es = append(es, FieldError("state", "error.unknown_value"))
	case !slices.Contains(ServiceMoves(from, receiver), in.State):
		es = append(es, FieldError("state", "error.service_transition"))
	}
	if (in.State == SRDeclined || in.State == SRNotDelivered) && strings.TrimSpace(in.Reason) == "" {
		es = append(es, FieldError("reason", "error.required"))
	}
	if utf8.RuneCountInString(in.Reason) > 2000 {
		es = append(es, FieldError("reason", "error.too_long"))
	}
	if in.State == SRDelivered {
		if in.On != "" {
			if e := validFullDate(in.On, now); e != nil {
				es = append(es, FieldError("delivered_on", e.Key, e.Args...))
			}
		}
		if in.Mode != "" && !slices.Contains(DeliveryModes, in.Mode) {
			es = append(es, FieldError("mode", "error.unknown_value"))
		}
	}
	return es.Err()
}

// ServiceReferral is one referral to a service with its loop of steps.
type ServiceReferral struct {
	ID, PersonID, PersonCode  string
	PersonName                string // only when the reader may see identity
	ServiceID, ServiceName    string
	Kind                      string
	FromOrg, FromOrgName      string
	ToOrg, ToOrgName          string
	State                     string
	Note                      string // shown to the sender, the receiver and the Responsible Authority
	Emergency                 bool   // marked an emergency referral
	DuringEmergency           bool   // sent while the emergency protocol was on
	Replaces, ReplacedBy      string
	NeedsNew                  bool // declined and not yet re-referred
	DeliveredOn, DeliveryMode string
	SentAt, UpdatedAt         time.Time
	AckDue                    time.Time
	Steps                     []ServiceStep
	// Summary of the person, enough to act on: region, age group, sex.
	Region, AgeGroup, Sex string
}

// ServiceStep is one timestamped step of a service referral.
type ServiceStep struct {
	State           string
	At              time.Time
	UserID, OrgID   string
	OrgName, Reason string
	Mode            string
}

// CanKeepServices reports whether the actor keeps directory entries: a
// working role of the giving organisation, or the Responsible Authority
// and administrators for any entry.
func CanKeepServices(a *Actor, orgID string) bool {
	if a.HasAny(RoleRAOfficer, RoleSysAdmin) {
		return true
	}
	return a.OrgID != "" && a.OrgID == orgID && a.HasAny(RoleCaseManager, RoleServiceProvider, RoleFirstResponder)
}

// CanActOnServiceReferrals reports whether the actor's role works the
// referrals its organisation receives.
func CanActOnServiceReferrals(a *Actor) bool {
	return a.HasAny(RoleServiceProvider, RoleCaseManager, RoleFirstResponder)
}

// CanSwitchEmergency reports whether the actor switches the emergency
// protocol on and off: the NRM coordinator.
func CanSwitchEmergency(a *Actor) bool { return a.Has(RoleCoordinator) }

// Emergency is one period of the emergency protocol.
type Emergency struct {
	ID               string
	StartedAt        time.Time
	EndedAt          time.Time
	StartedBy        string
	EndedBy          string
	Reason, EndNote  string
	StartedByOrgName string
}
