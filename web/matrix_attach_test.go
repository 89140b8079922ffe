package web

import (
	"context"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
)

// attachRows are the authorization matrix rows of attachments (issue 15
// part 5). The record's organisation lists, adds and downloads; the
// register (summary scope) sees that documents exist but downloads none
// and adds none; every other role finds the record missing.
func attachRows[R any](t *testing.T, w *matrixWorld, rows map[string]R, mk func(method, path, body string, json bool, want map[nrm.Role]expect) R,
	byRole func(expect, map[nrm.Role]expect) map[nrm.Role]expect, missing expect) {
	t.Helper()
	ctx := context.Background()
	cm, _, err := w.door.Authenticate(ctx, w.cookies[nrm.RoleCaseManager].Value, "192.0.2.62", "matrix")
	if err != nil {
		t.Fatal(err)
	}
	const canary = "Matrixattachment"
	a, err := w.door.AddAttachment(ctx, cm, w.person.ID, nrm.AttachmentInput{Kind: nrm.AttachOther, Name: "matrix.pdf"},
		strings.NewReader("%PDF-1.4\n% "+canary+"\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	id, code := w.person.ID, w.person.Code
	hidden := []string{w.name, w.acc, canary}
	page := expect{200, []string{code, `data-testid="attachment"`}, hidden}
	own := expect{200, []string{code, `data-testid="attachment-download"`, "matrix.pdf"}, []string{w.name, w.acc, canary}}
	seers := func(own, register expect) map[nrm.Role]expect {
		return map[nrm.Role]expect{nrm.RoleFirstResponder: own, nrm.RoleCaseManager: own, nrm.RoleRAOfficer: register, nrm.RoleCoordinator: register}
	}
	rows["GET /persons/{id}/attachments"] = mk("GET", "/persons/"+id+"/attachments", "", false, byRole(missing, seers(own, page)))
	// A form that is not multipart: the page again with the file's error
	// (for those who may see the list), nothing stored.
	refused := expect{422, []string{"error-summary", `href="#file"`}, hidden}
	rows["POST /persons/{id}/attachments"] = mk("POST", "/persons/"+id+"/attachments?csrf={csrf}", "kind=other", false, byRole(missing, seers(refused, refused)))
	rows["GET /persons/{id}/attachments/{att}"] = mk("GET", "/persons/"+id+"/attachments/"+a.ID, "", false,
		byRole(missing, seers(expect{200, []string{canary}, []string{w.name, w.acc}}, missing)))
	jsonList := expect{200, []string{`"kind":"other"`}, hidden}
	rows["GET /api/v1/persons/{id}/attachments"] = mk("GET", "/api/v1/persons/"+id+"/attachments", "", true,
		byRole(missing, seers(expect{200, []string{`"name":"matrix.pdf"`}, []string{w.name, w.acc, canary}}, jsonList)))
	// No file: refused naming it, for those who may add; the register may not.
	rows["POST /api/v1/persons/{id}/attachments"] = mk("POST", "/api/v1/persons/"+id+"/attachments?kind=other", "", true,
		byRole(missing, seers(expect{400, []string{`"file"`}, hidden}, missing)))
	rows["GET /api/v1/persons/{id}/attachments/{att}"] = mk("GET", "/api/v1/persons/"+id+"/attachments/"+a.ID, "", true,
		byRole(missing, seers(expect{200, []string{canary}, []string{w.name, w.acc}}, missing)))
}
