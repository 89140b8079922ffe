package app_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/app"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestCLIAuditConsistency runs the real subcommands: two checkpoints, then
// `nrm audit consistency` proves the older a prefix of the newer from the
// stored tree nodes; after the stored nodes are altered the proof fails.
func TestCLIAuditConsistency(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			_, a, _ := startDemo(t, engine)
			args := storeArgs(a)
			run := func(sub ...string) (int, string, string) {
				var out, errb bytes.Buffer
				code := app.Run(context.Background(), append(append([]string{"audit"}, sub...), args...), &out, &errb)
				return code, out.String(), errb.String()
			}
			// The demo's server may already have checkpointed its whole log.
			if code, out, errb := run("checkpoint"); code != 0 || !(strings.Contains(out, "checkpoint at") || strings.Contains(out, "no new entries")) {
				t.Fatalf("checkpoint: %d %s %s", code, out, errb)
			}
			// New entries, a second checkpoint.
			for i := range 3 {
				o := &nrm.Org{ID: fmt.Sprint("org-cli-", i), Name: "CLI", Type: nrm.OrgNGOShelter, Regions: []string{"tirane"}}
				if err := a.Door.CreateOrg(context.Background(), nrm.SystemActor("test"), o); err != nil {
					t.Fatal(err)
				}
			}
			if code, out, errb := run("checkpoint"); code != 0 || !strings.Contains(out, "(3 new entries read, 1 writes)") {
				t.Fatalf("second checkpoint: %d %s %s", code, out, errb)
			}
			code, out, errb := run("consistency")
			if code != 0 || !strings.Contains(out, "are consistent") {
				t.Fatalf("consistency: %d %s %s", code, out, errb)
			}
			// Altered stored nodes (or an altered log under them) make the proof fail.
			if err := a.DB.Update(context.Background(), func(tx *store.Tx) error {
				if _, err := tx.Exec(context.Background(), `UPDATE audit_nodes SET hash = ?`, make([]byte, 32)); err != nil {
					return err
				}
				_, err := tx.Exec(context.Background(), `UPDATE audit_log SET hash = prev_hash WHERE seq <= 16`)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if code, out, errb := run("consistency"); code == 0 || !strings.Contains(errb, "FAILED") {
				t.Fatalf("a proof from altered nodes must fail: %d %s %s", code, out, errb)
			}
		})
	}
}

// storeArgs are the options that point a one-shot command at a running
// app's database and keys.
func storeArgs(a *app.App) []string {
	args := []string{"--data", a.Config.DataDir, "--key-dir", a.Config.KeyDir}
	if a.Config.DatabaseURL != "" {
		args = append(args, "--database-url", a.Config.DatabaseURL)
	}
	return args
}
