package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
)

// TestStorySentences: every timeline kind reads as a sentence in every
// language, the languages name the same arguments, and the arguments are
// filled with words rather than codes.
func TestStorySentences(t *testing.T) {
	cat := i18n.MustLoad()
	s := &Server{cat: cat}
	for _, kind := range door.TimelineKinds {
		var names [][]string
		for _, lang := range cat.Langs() {
			msg, ok := cat.Lookup(lang, "story."+kind)
			if !ok {
				t.Fatalf("%s: no sentence for %s", lang, kind)
			}
			var ns []string
			for _, m := range storyArg.FindAllStringSubmatch(msg, -1) {
				ns = append(ns, m[1])
			}
			slices.Sort(ns)
			names = append(names, ns)
		}
		if !slices.Equal(names[0], names[1]) {
			t.Errorf("%s: the languages name different arguments: %v", kind, names)
		}
	}
	got := s.story("en", nrm.TimelineEntry{Kind: door.TLStatus, OrgName: "Police Tirana", Args: map[string]string{"from": "referred", "to": "at_risk"}})
	if want := "Police Tirana changed the status from Referred to At risk of trafficking"; got != want {
		t.Errorf("story = %q, want %q", got, want)
	}
	got = s.story("sq", nrm.TimelineEntry{Kind: door.TLReturnStep, OrgName: "Policia", Args: map[string]string{"kind": "removal_order", "own_request": "yes"}})
	if strings.Contains(got, "{") || strings.Contains(got, "removal_order") || !strings.Contains(got, cat.T("sq", "returnkind.removal_order")) {
		t.Errorf("story = %q", got)
	}
}
