package web

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestDisclosureLogGroupsRepeatedViews: the Responsible Authority reads a
// record three times on one day; the person's log shows one line for it
// ("… 3 herë, më …"), the three entries one tap away inside it, and the
// entries of all lines are exactly the entries of the audit. No table (a
// phone must not scroll sideways), and no word "victim" or "case".
func TestDisclosureLogGroupsRepeatedViews(t *testing.T) {
	w := newActWorld(t)
	ctx := context.Background()
	p := w.refer(t, "Amir", 32)
	for range 3 {
		if _, err := w.door.GetPerson(ctx, w.actor["ra"], p.ID); err != nil {
			t.Fatal(err)
		}
	}
	page := w.get(t, "border", "/persons/"+p.ID+"/disclosures")
	log, err := w.door.DisclosureLog(ctx, w.actor["border"], p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Grouping keeps every entry of the audit, once, in order within a line.
	groups := w.srv.groupDisclosures("sq", log)
	var n int
	for _, g := range groups {
		n += len(g.Entries)
	}
	if n != len(log) || len(groups) >= len(log) {
		t.Errorf("%d lines hold %d entries; the audit has %d", len(groups), n, len(log))
	}
	// The page was read before the last look at the log (which is itself an
	// entry): it shows every entry up to its own reading.
	lines := strings.Count(page, `data-testid="disclosure"`)
	entries := strings.Count(page, `data-testid="disclosure-entry"`)
	if entries < len(log)-2 || entries > len(log) {
		t.Errorf("the page holds %d entries, the audit %d by now: the groups must hold the log", entries, len(log))
	}
	if lines >= entries {
		t.Errorf("%d lines for %d entries: repeated views are not grouped", lines, entries)
	}
	if want := fmt.Sprintf(w.t("words.disclosure.total"), entries); !strings.Contains(page, want) {
		t.Errorf("the page does not say how many entries it holds (%q)", want)
	}
	three := regexp.MustCompile(`(?s)<li class="disclosure" data-testid="disclosure"><details>\s*<summary><span data-testid="disclosure-org">([^<]*)</span>.*?<strong data-testid="disclosure-count">3 herë, më [0-9]+ [a-zë]+ 20[0-9]{2}</strong></summary>`)
	m := three.FindStringSubmatch(page)
	if m == nil || m[1] == "" {
		t.Errorf("no line says the Responsible Authority looked 3 times on one day:\n%s", page)
	}
	if strings.Contains(page, "<table") {
		t.Error("the log is a table: on a phone it scrolls sideways")
	}
	main := page[strings.Index(page, "<main"):]
	for _, bad := range []string{"viktim", "victim", "rast", " case"} {
		if strings.Contains(strings.ToLower(main), bad) {
			t.Errorf("the log addressed to the person says %q", bad)
		}
	}
}
