package web

import (
	"regexp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// A timeline entry reads as a sentence: the catalogue's "story.<kind>"
// names its arguments ({actor}, {org}, {to}, …) and each language puts them
// where its grammar wants them. {actor} is the organisation that acted; the
// other names are the entry's arguments, codes turned into words here.

var storyArg = regexp.MustCompile(`\{([a-z_]+)\}`)

// argLabels says which catalogue prefix turns an argument's code into
// words; "kind" depends on the entry (see argPrefix).
var argLabels = map[string]string{"need": "need", "from": "status", "to": "status", "method": "agemethod", "group": "agegroup",
	"outcome": "outcome", "by": "requestedby", "org_type": "orgtype", "state": "dupstate",
	"purpose": "purpose", "scope": "datascope", "measure": "measure", "consent": "measureconsent", "ruling": "ruling", "hold": "hold",
	"service": "servicekind", "service_state": "srstate",
	// Return, linked persons, justice (issue #5 §5–6).
	"risk": "returnrisk", "assessment": "childassessment", "decision": "bestinterests", "relationship": "relationship", "at_risk": "yesno",
	"own_choice": "yesno", "witness": "yesno", "stage": "justicestage", "protective": "protective", "pstate": "protectivestate",
	"route": "compensationroute", "claim": "compensationoutcome", "permit": "permitkind", "permit_status": "permitstatus",
	// Work that ended with access (casefile_work.go).
	"why": "workend"}

func argPrefix(kind, arg string) string {
	if arg == "kind" {
		switch kind {
		case door.TLGuardian:
			return "guardiankind"
		case door.TLReturnStep, door.TLReturnRefused:
			return "returnkind"
		}
	}
	return argLabels[arg]
}

// story is the sentence for one timeline entry in lang.
func (s *Server) story(lang string, e nrm.TimelineEntry) string {
	key := "story." + e.Kind
	if _, ok := s.cat.Lookup(lang, key); !ok {
		return s.label(lang, "timeline", e.Kind)
	}
	return storyArg.ReplaceAllStringFunc(s.cat.T(lang, key), func(m string) string {
		name := m[1 : len(m)-1]
		if name == "actor" {
			return orDash(e.OrgName)
		}
		v := e.Args[name]
		switch {
		case v == "":
			return "—"
		case name == "own_request" || name == "reconsideration":
			return s.yesNo(lang, v == "yes")
		case name == "rule":
			return s.deadlineLabel(lang, v)
		case argPrefix(e.Kind, name) != "":
			return s.label(lang, argPrefix(e.Kind, name), v)
		}
		return v
	})
}

func orDash(v string) string {
	if v == "" {
		return "—"
	}
	return v
}
