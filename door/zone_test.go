package door_test

import (
	"testing"

	"github.com/nrm-org/nrm/stats"
)

// TestReportTimesAreTheJurisdictions: the report the door builds carries
// its times in the profile's zone, so every file made from it (PDF, XLSX)
// prints Tirana time and names it.
func TestReportTimesAreTheJurisdictions(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		rep, err := w.Door.Statistics(ctx, w.mon, stats.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := w.Door.Profile().Location().String()
		if got := rep.GeneratedAt.Location().String(); got != want {
			t.Errorf("generated at in %s, want %s", got, want)
		}
		if !rep.AsOf.IsZero() && rep.AsOf.Location().String() != want {
			t.Errorf("as of in %s, want %s", rep.AsOf.Location(), want)
		}
	})
}
