package web

import (
	"strings"
	"testing"

	"github.com/nrm-org/nrm/i18n"
)

// TestSuccessBanner: a page reached with ?done=<code> shows the success
// banner of that code (issue 14 §4), and a code it does not know shows
// none and echoes nothing of what the link carried.
func TestSuccessBanner(t *testing.T) {
	w := newActWorld(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	page := w.get(t, "border", "/refer?done=draft-deleted")
	if !strings.Contains(page, `data-testid="done-banner"`) || !strings.Contains(page, cat.T("sq", "done.draft_deleted")) {
		t.Fatalf("no success banner after deleting a draft:\n%s", page)
	}
	page = w.get(t, "border", "/refer?done=Hello-from-a-link")
	if strings.Contains(page, `data-testid="done-banner"`) || strings.Contains(page, "Hello-from-a-link") {
		t.Fatal("an unknown code must show no banner and echo nothing")
	}
	for code, key := range doneKeys {
		if got := cat.T("en", key); got == key || got == "" {
			t.Errorf("the banner of %q has no sentence (%s)", code, key)
		}
	}
}
