package web

import (
	"net/url"
	"strings"
	"testing"
)

// The reassignment page lists the organisation's workers with their load,
// keeps the choice on an error and names the field at fault.
func TestReassignPage(t *testing.T) {
	w := newActWorld(t)
	w.refer(t, "Besa", 30)
	me := w.actor["border"].UserID
	if err := w.door.Assign(t.Context(), w.actor["border"], w.refer(t, "Drita", 28).ID, me); err != nil {
		t.Fatal(err)
	}
	page := w.get(t, "border", "/persons/reassign")
	if !strings.Contains(page, `value="`+me+`"`) || !strings.Contains(page, "(1 ") {
		t.Fatalf("the form must offer the worker with their one record:\n%s", page)
	}
	if p := w.get(t, "border", "/persons"); !strings.Contains(p, `data-testid="reassign-link"`) || !strings.Contains(p, `data-testid="export-link"`) {
		t.Error("the list must link the export and the reassignment")
	}
	wantForm(t, w.send(t, "border", "POST", "/persons/reassign", url.Values{"from_user": {me}, "to_user": {me}}), 422, []string{"to_user"}, `value="`+me+`" selected`)
	wantStatus(t, w.send(t, "ra", "GET", "/persons/reassign", nil), 403)
}
