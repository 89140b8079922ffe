package web

import (
	"net/http"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// recordsJustice: the justice officer, or a first responder or case
// manager who works the record (nrm.CanRecordJustice decides in the door).
func recordsJustice(cf *door.CaseFile, a *nrm.Actor) bool {
	return a.Has(nrm.RoleJusticeOfficer) || cf.CanWrite && a.HasAny(nrm.RoleFirstResponder, nrm.RoleCaseManager)
}

// justiceAction records a report to the police (door.ReportToPolice): the
// person's choice, never required.
var justiceAction = &personAction{
	name: "justice", title: "justice.action.report", fields: []string{"reported_on", "own_choice", "police_ref", "witness", "witness_note", "lawyer_org", "free_legal_aid"},
	may: recordsJustice,
	do: func(s *Server, r *http.Request, st *reqState, id string) error {
		_, err := s.door.ReportToPolice(r.Context(), st.actor, id, nrm.ProceedingInput{ReportedOn: text(r, "reported_on"),
			OwnChoice: r.PostFormValue("own_choice") == "1", PoliceRef: text(r, "police_ref"), Witness: r.PostFormValue("witness") == "1",
			WitnessNote: text(r, "witness_note"), LawyerOrg: text(r, "lawyer_org"), FreeLegalAid: r.PostFormValue("free_legal_aid") == "1"})
		return err
	},
}
