package rules

import (
	"encoding/json"
	"io/fs"
	"testing"
	"time"
)

// FuzzParse feeds operator-style profile files to Parse. Whatever it
// accepts must validate, survive a JSON round trip, and compute every
// deadline without panicking and never before its start.
func FuzzParse(f *testing.F) {
	files, err := fs.Glob(profileFS, "profiles/*.json")
	if err != nil || len(files) == 0 {
		f.Fatalf("no embedded profiles: %v", err)
	}
	for _, name := range files {
		b, err := profileFS.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(testProfile(f, nil))
	f.Add(testProfile(f, func(m map[string]any) {
		m["retention"] = map[string]any{
			RetainPerson:    map[string]any{"value": 10, "unit": "years", "legal_ref": "x", "verified": true},
			RetainAnonymous: map[string]any{"value": 24, "unit": "months", "legal_ref": "x", "verified": true},
			RetainDraft:     map[string]any{"value": 30, "unit": "days", "legal_ref": "x", "verified": false, "note": "unverified: test"},
		}
	}))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"code":"X1","deadlines":[{"key":"k","value":-1,"unit":"hours"}]}`))

	starts := []time.Time{
		time.Date(2026, 11, 27, 16, 30, 0, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a profile and an error: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse accepted a profile that does not validate: %v", err)
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(again); err != nil {
			t.Fatalf("re-encoded profile rejected: %v\n%s", err, again)
		}
		for _, start := range starts {
			for _, key := range p.DeadlineKeys() {
				due, d, ok := p.Due(key, start)
				if ok && due.Before(start) {
					t.Fatalf("%s (%d %s) due %v before start %v", key, d.Value, d.Unit, due, start)
				}
			}
			if got := p.AddWorking(start, 3); got.Before(start) || !p.IsWorkingDay(got) {
				t.Fatalf("AddWorking(%v, 3) = %v", start, got)
			}
		}
	})
}
