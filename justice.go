package nrm

import (
	"strconv"
	"strings"
	"time"
)

// Justice and compensation — beside, never before (issue #5, section 6;
// guide-digest VIII). Reporting to the police is the person's choice and is
// never required: no step of identification, protection, services or
// return waits for, or looks at, anything recorded here. The track keeps
// the report and its stages, the person as witness with the protective
// measures asked for and granted, legal representation, compensation
// claims and residence permits.

// JusticeStages are the stages of criminal proceedings, in order.
var JusticeStages = []string{"reported", "investigation", "prosecution", "trial", "judgment", "appeal", "closed"}

// ProtectiveMeasures are the measures a witness may ask for.
var ProtectiveMeasures = []string{"no_visual_contact", "video_testimony", "recorded_testimony", "no_court_appearance",
	"closed_hearing", "identity_protection", "police_protection"}

// ProtectiveStates are where a protective measure stands.
var ProtectiveStates = []string{"asked", "granted", "refused"}

// CompensationRoutes are the ways a claim is made.
var CompensationRoutes = []string{"criminal_court", "civil_court", "state_fund", "other"}

// CompensationOutcomes are where a claim stands.
var CompensationOutcomes = []string{"pending", "awarded", "partly_awarded", "refused", "withdrawn", "paid"}

// PermitKinds are the residence permits a foreign national may hold.
var PermitKinds = []string{"reflection_period", "personal_situation", "cooperation", "other"}

// PermitStatuses are where a permit stands.
var PermitStatuses = []string{"applied", "granted", "refused", "expired", "withdrawn"}

// CanRecordJustice reports whether the actor may record on the justice
// track of a record: a justice officer the record was disclosed to (or who
// works it), or a first responder or case manager who works the record.
// Break-glass alone never writes.
func CanRecordJustice(a *Actor, rel Relation) bool {
	works := rel.OwnOrg || rel.Assigned
	if a.Has(RoleJusticeOfficer) && (works || len(rel.Granted) > 0) {
		return true
	}
	return works && a.HasAny(RoleFirstResponder, RoleCaseManager)
}

// ProceedingInput opens a justice proceeding with a report to the police.
type ProceedingInput struct {
	ReportedOn   string // date of the report
	OwnChoice    bool   // the person chose to report (never required)
	PoliceRef    string // the police reference: identity-level, encrypted
	Witness      bool   // the person is a witness
	WitnessNote  string // narrative-level, encrypted
	LawyerOrg    string // the organisation giving legal representation, if any
	FreeLegalAid bool
}

// Validate checks the report.
func (p *ProceedingInput) Validate(now time.Time) error {
	var es Errors
	es = append(es, dateErrors("reported_on", p.ReportedOn, now, true)...)
	es = append(es, lenErrors("police_ref", p.PoliceRef, MaxShortText)...)
	es = append(es, lenErrors("witness_note", p.WitnessNote, MaxNarrative)...)
	es = append(es, lenErrors("lawyer_org", p.LawyerOrg, MaxShortText)...)
	sortErrors(es)
	return es.Err()
}

// StageInput records a stage of a proceeding.
type StageInput struct {
	ProceedingID string
	Stage        string
	On           string
	Reference    string // a court or prosecution reference: identity-level, encrypted
}

// Validate checks the stage.
func (s *StageInput) Validate(now time.Time) error {
	var es Errors
	if s.ProceedingID == "" {
		es = append(es, FieldError("proceeding_id", "error.required"))
	}
	es = append(es, codeErrors("stage", s.Stage, JusticeStages)...)
	es = append(es, dateErrors("on", s.On, now, true)...)
	es = append(es, lenErrors("reference", s.Reference, MaxShortText)...)
	sortErrors(es)
	return es.Err()
}

// ProtectiveInput records a protective measure asked for, granted or refused.
type ProtectiveInput struct {
	ProceedingID string
	Measure      string
	State        string
	On           string // the date it was asked for, granted or refused
}

// Validate checks the measure.
func (p *ProtectiveInput) Validate(now time.Time) error {
	var es Errors
	if p.ProceedingID == "" {
		es = append(es, FieldError("proceeding_id", "error.required"))
	}
	es = append(es, codeErrors("measure", p.Measure, ProtectiveMeasures)...)
	es = append(es, codeErrors("state", p.State, ProtectiveStates)...)
	es = append(es, dateErrors("on", p.On, now, true)...)
	sortErrors(es)
	return es.Err()
}

// CompensationInput records or updates a compensation claim.
type CompensationInput struct {
	ID            string // empty for a new claim
	ProceedingID  string // optional
	Route         string
	AmountAsked   int64 // minor units (e.g. cents); 0 when not stated
	AmountAwarded int64 // minor units; 0 until decided
	Currency      string
	Outcome       string
	FiledOn       string
	DecidedOn     string
}

// Validate checks the claim.
func (c *CompensationInput) Validate(now time.Time) error {
	var es Errors
	es = append(es, codeErrors("route", c.Route, CompensationRoutes)...)
	es = append(es, codeErrors("outcome", c.Outcome, CompensationOutcomes)...)
	if c.AmountAsked < 0 {
		es = append(es, FieldError("amount_asked", "error.out_of_range", 0, "∞"))
	}
	if c.AmountAwarded < 0 {
		es = append(es, FieldError("amount_awarded", "error.out_of_range", 0, "∞"))
	}
	if c.Currency == "" {
		if c.AmountAsked != 0 || c.AmountAwarded != 0 {
			es = append(es, FieldError("currency", "error.required"))
		}
	} else if len(c.Currency) != 3 || strings.ToUpper(c.Currency) != c.Currency || strings.Trim(c.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		es = append(es, FieldError("currency", "error.unknown_value"))
	}
	es = append(es, dateErrors("filed_on", c.FiledOn, now, true)...)
	es = append(es, dateErrors("decided_on", c.DecidedOn, now, false)...)
	sortErrors(es)
	return es.Err()
}

// PermitInput records or updates a residence permit.
type PermitInput struct {
	ID     string // empty for a new permit
	Kind   string
	From   string // may lie in the future
	To     string // may lie in the future
	Status string
}

// Validate checks the permit.
func (p *PermitInput) Validate() error {
	var es Errors
	es = append(es, codeErrors("kind", p.Kind, PermitKinds)...)
	es = append(es, codeErrors("status", p.Status, PermitStatuses)...)
	es = append(es, anyDateErrors("from", p.From, p.Status == "granted")...)
	es = append(es, anyDateErrors("to", p.To, false)...)
	if p.From != "" && p.To != "" && p.To < p.From {
		es = append(es, FieldError("to", "error.date_order"))
	}
	sortErrors(es)
	return es.Err()
}

// ParseAmount reads a decimal amount ("1500", "1500.5", "1500.50") as minor
// units (two decimals). An empty text is zero.
func ParseAmount(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	if s == "" {
		return 0, true
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e13 {
		return 0, false
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return w*100 + f, true
}

// FormatAmount writes minor units as a decimal amount.
func FormatAmount(v int64) string {
	return strconv.FormatInt(v/100, 10) + "." + strconv.FormatInt(100+v%100, 10)[1:]
}
