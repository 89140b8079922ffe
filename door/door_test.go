package door_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// world is two organisations' worth of users over one database.
type world struct {
	*testenv.Env
	fr, cm, cmB, ra, sp, mon, admin *nrm.Actor
}

func newWorld(t *testing.T, engine string) *world {
	e := testenv.Door(t, engine)
	e.Org(t, "org-a", nrm.OrgSocialService)
	e.Org(t, "org-b", nrm.OrgNGOShelter)
	e.Org(t, "org-ra", nrm.OrgResponsibleAuthority)
	e.Org(t, "org-it", nrm.OrgMinistry)
	return &world{
		Env:   e,
		fr:    e.User(t, "fr.user", "org-a", nrm.OrgSocialService, nrm.RoleFirstResponder),
		cm:    e.User(t, "cm.user", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager),
		cmB:   e.User(t, "cmb.user", "org-b", nrm.OrgNGOShelter, nrm.RoleCaseManager),
		ra:    e.User(t, "ra.user", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleRAOfficer),
		sp:    e.User(t, "sp.user", "org-b", nrm.OrgNGOShelter, nrm.RoleServiceProvider),
		mon:   e.User(t, "mon.user", "org-it", nrm.OrgMinistry, nrm.RoleMonitor),
		admin: e.User(t, "admin", "org-it", nrm.OrgMinistry, nrm.RoleSysAdmin),
	}
}

func input(given, family, narrative string) nrm.PersonInput {
	return nrm.PersonInput{
		Region: ptr("vlore"), Sex: ptr("female"), Nationality: ptr("ALB"), AgeGroup: ptr(nrm.AgeAdult),
		Identity:  &nrm.Identity{GivenName: given, FamilyName: family, BirthDate: "1999-04"},
		Narrative: ptr(narrative),
	}
}

// auditCount counts audit rows for a subject and action.
func auditCount(t *testing.T, w *world, subject, action, outcome string) int {
	t.Helper()
	var n int
	err := w.DB.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE subject = ? AND action = ? AND outcome = ?`, subject, action, outcome).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func forEngines(t *testing.T, f func(t *testing.T, engine string)) {
	for _, e := range testenv.Engines(t) {
		t.Run(e, func(t *testing.T) { f(t, e) })
	}
}

func TestPersonRoundTripAndScope(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Elona", "Çela", "met at the port"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(p.Code, "P-") || p.Version != 1 || p.Status != nrm.StatusReferred {
			t.Fatalf("unexpected new person: %+v", p)
		}
		// The referrer's colleague (same organisation) sees everything.
		got, err := w.Door.GetPerson(ctx, w.cm, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Identity == nil || got.Identity.FamilyName != "Çela" || got.Narrative == nil || *got.Narrative != "met at the port" {
			t.Fatalf("own organisation should see identity and narrative: %+v", got)
		}
		// The Responsible Authority sees the register entry: summary only.
		got, err = w.Door.GetPerson(ctx, w.ra, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Identity != nil || got.Narrative != nil || got.Code != p.Code {
			t.Fatalf("the register shows the pseudonymous summary only: %+v", got)
		}
		// Another organisation, a monitor and an administrator: exactly as missing.
		for _, a := range []*nrm.Actor{w.cmB, w.sp, w.mon, w.admin} {
			_, err := w.Door.GetPerson(ctx, a, p.ID)
			_, errMissing := w.Door.GetPerson(ctx, a, strings.Repeat("ab", 16))
			if !errors.Is(err, nrm.ErrNotFound) || err.Error() != errMissing.Error() {
				t.Fatalf("%v: out of scope must answer as missing: %v vs %v", a.Roles, err, errMissing)
			}
		}
		// Every access audited once: create, 2 reads, 4 denials.
		if n := auditCount(t, w, p.ID, door.ActPersonCreate, "ok"); n != 1 {
			t.Fatalf("create audited %d times", n)
		}
		if n := auditCount(t, w, p.ID, door.ActPersonRead, "ok"); n != 2 {
			t.Fatalf("reads audited %d times, want 2", n)
		}
		if n := auditCount(t, w, p.ID, door.ActPersonRead, "denied"); n != 4 {
			t.Fatalf("denials audited %d times, want 4", n)
		}
		// Identity is not in the database in clear.
		var raw []byte
		_ = w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT family_name FROM persons WHERE id = ?`, p.ID).Scan(&raw)
		})
		if len(raw) == 0 || bytes.Contains(raw, []byte("Çela")) {
			t.Fatalf("family name must be stored encrypted, got %q", raw)
		}
	})
}

func TestValidationNamesFields(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		future := w.Door.Now().AddDate(1, 0, 0).Format("2006-01-02")
		in := nrm.PersonInput{Region: ptr("atlantis"), Sex: ptr("x"), Identity: &nrm.Identity{BirthDate: future}}
		_, err := w.Door.CreatePerson(ctx, w.fr, in)
		var es nrm.Errors
		if !errors.As(err, &es) {
			t.Fatalf("want field errors, got %v", err)
		}
		fields := map[string]string{}
		for _, e := range es {
			fields[e.Field] = e.Key
		}
		if fields["birth_date"] != "error.date_future" || fields["region"] != "error.unknown_value" || fields["sex"] != "error.unknown_value" {
			t.Fatalf("unexpected field errors: %v", fields)
		}
		var n int
		_ = w.DB.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM persons`).Scan(&n) })
		if n != 0 {
			t.Fatalf("nothing may be written on invalid input; %d rows", n)
		}
	})
}

func TestOptimisticConcurrency(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, err := w.Door.CreatePerson(ctx, w.fr, input("Arta", "Leka", "first account"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.UpdatePerson(ctx, w.cm, p.ID, 1, nrm.PersonInput{Narrative: ptr("second account")}); err != nil {
			t.Fatal(err)
		}
		_, err = w.Door.UpdatePerson(ctx, w.fr, p.ID, 1, nrm.PersonInput{Narrative: ptr("stale edit")})
		if nrm.ErrorCode(err) != nrm.EConflict {
			t.Fatalf("a stale edit must conflict, got %v", err)
		}
		got, _ := w.Door.GetPerson(ctx, w.cm, p.ID)
		if *got.Narrative != "second account" || got.Version != 2 {
			t.Fatalf("the first save must stand: %q v%d", *got.Narrative, got.Version)
		}
		// The RA may change the summary (status) but not identity.
		if _, err := w.Door.UpdatePerson(ctx, w.ra, p.ID, 2, nrm.PersonInput{Identity: &nrm.Identity{GivenName: "X"}}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("RA identity write must be forbidden, got %v", err)
		}
	})
}

func TestLegalGrantAndRevokeTakeEffectNextRequest(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Klea", "Marku", "needs a shelter place"))
		if _, err := w.Door.GetPerson(ctx, w.sp, p.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("before any grant the shelter sees nothing: %v", err)
		}
		// Disclosure by consent goes through the ledger, never a bare grant.
		if _, err := w.Door.Grant(ctx, w.cm, p.ID, door.GrantInput{OrgID: "org-b", Parts: []nrm.Part{nrm.PartSummary}, Basis: door.BasisConsent}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("a consent-basis grant must be refused: %v", err)
		}
		gid, err := w.Door.Grant(ctx, w.cm, p.ID, door.GrantInput{OrgID: "org-b", Parts: []nrm.Part{nrm.PartSummary, nrm.PartIdentity}, Basis: door.BasisLegal, Reason: "court order 12/2026"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.Door.GetPerson(ctx, w.sp, p.ID)
		if err != nil || got.Identity == nil || got.Identity.GivenName != "Klea" || got.Narrative != nil {
			t.Fatalf("granted summary+identity, not the account: %+v %v", got, err)
		}
		// A legal basis needs a reason.
		if _, err := w.Door.Grant(ctx, w.cm, p.ID, door.GrantInput{OrgID: "org-b", Parts: []nrm.Part{nrm.PartSummary}, Basis: door.BasisLegal}); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("legal basis without reason must be refused: %v", err)
		}
		// Only those working the record may grant.
		if _, err := w.Door.Grant(ctx, w.sp, p.ID, door.GrantInput{OrgID: "org-b", Parts: []nrm.Part{nrm.PartNarrative}, Basis: door.BasisLegal, Reason: "x"}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a recipient cannot widen its own grant: %v", err)
		}
		if err := w.Door.RevokeGrant(ctx, w.cm, p.ID, gid); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.GetPerson(ctx, w.sp, p.ID); !errors.Is(err, nrm.ErrNotFound) {
			t.Fatalf("after withdrawal, the very next request sees nothing: %v", err)
		}
		list, err := w.Door.ListPersons(ctx, w.sp, door.PersonFilter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("list after withdrawal: %v %v", list, err)
		}
	})
}

func TestBreakGlass(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.fr, input("Teuta", "Bregu", "urgent"))
		if err := w.Door.BreakGlass(ctx, w.cmB, p.ID, "short"); nrm.ErrorCode(err) != nrm.EInvalid {
			t.Fatalf("a short reason must be refused: %v", err)
		}
		stale := *w.cmB
		stale.MFAAt = w.Door.Now().Add(-time.Hour)
		if err := w.Door.BreakGlass(ctx, &stale, p.ID, "medical emergency at the shelter tonight"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("break-glass needs a fresh second factor: %v", err)
		}
		if err := w.Door.BreakGlass(ctx, w.mon, p.ID, "medical emergency at the shelter tonight"); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a monitor cannot break glass: %v", err)
		}
		if err := w.Door.BreakGlass(ctx, w.cmB, p.ID, "medical emergency at the shelter tonight"); err != nil {
			t.Fatal(err)
		}
		got, err := w.Door.GetPerson(ctx, w.cmB, p.ID)
		if err != nil || got.Identity == nil {
			t.Fatalf("glass open: %v", err)
		}
		if _, err := w.Door.UpdatePerson(ctx, w.cmB, p.ID, 1, nrm.PersonInput{Narrative: ptr("x")}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("break-glass is read-only: %v", err)
		}
		dpo := w.User(t, "dpo", "org-it", nrm.OrgMinistry, nrm.RoleDPO)
		entries, err := w.Door.ListAudit(ctx, dpo, door.AuditFilter{BreakGlassOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var opened, read bool
		for _, e := range entries {
			opened = opened || (e.Action == door.ActBreakGlass && e.ReasonText == "medical emergency at the shelter tonight")
			read = read || (e.Action == door.ActPersonRead && e.Subject == p.ID)
		}
		if !opened || !read {
			t.Fatalf("the DPO must see the opening with its reason and the flagged read: %+v", entries)
		}
		if _, err := w.Door.ListAudit(ctx, w.cm, door.AuditFilter{}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("only the DPO reads the audit trail: %v", err)
		}
	})
}

func TestAuditFailureFailsTheAccess(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.fr, input("Mimoza", "Koci", "x"))
		door.SetAuditHook(w.Door, func(*store.Tx) error { return errors.New("disk full") })
		got, err := w.Door.GetPerson(ctx, w.fr, p.ID)
		if err == nil || got != nil || nrm.ErrorCode(err) != nrm.EInternal {
			t.Fatalf("a read whose audit cannot be written must fail with no data: %v %+v", err, got)
		}
		if _, err := w.Door.UpdatePerson(ctx, w.fr, p.ID, 1, nrm.PersonInput{Narrative: ptr("changed")}); err == nil {
			t.Fatal("a write whose audit cannot be written must fail")
		}
		door.SetAuditHook(w.Door, nil)
		got, err = w.Door.GetPerson(ctx, w.fr, p.ID)
		if err != nil || *got.Narrative != "x" || got.Version != 1 {
			t.Fatalf("the failed write must have left nothing: %v %+v", err, got)
		}
	})
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		var ids []string
		for i := range 12 {
			p, err := w.Door.CreatePerson(ctx, w.fr, input("N", string(rune('A'+i)), "x"))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
			if i == 5 {
				if _, err := w.Door.Checkpoint(ctx, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		n, err := w.Door.VerifyAudit(ctx)
		if err != nil || n < 12 {
			t.Fatalf("an untouched trail verifies: %d %v", n, err)
		}
		mutate := func(q string, args ...any) {
			t.Helper()
			if err := w.DB.Update(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}
		var seq int64
		_ = w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT seq FROM audit_log WHERE subject = ? AND action = ?`, ids[8], door.ActPersonCreate).Scan(&seq)
		})
		mutate(`UPDATE audit_log SET actor_user = 'someone-else' WHERE seq = ?`, seq)
		_, err = w.Door.VerifyAudit(ctx)
		var prob *audit.Problem
		if !errors.As(err, &prob) || prob.Seq != seq {
			t.Fatalf("an edited entry %d must be named: %v", seq, err)
		}
		if !strings.Contains(err.Error(), "audit entry") {
			t.Fatalf("the message names the entry: %v", err)
		}
	})
}

func TestSessionsAndLogin(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		_, _, errUnknown := w.Door.Login(ctx, "nobody", testenv.TestPassword, "10.0.0.1")
		_, _, errWrong := w.Door.Login(ctx, "cm.user", "wrong password entirely", "10.0.0.2")
		if errUnknown == nil || errWrong == nil || errUnknown.Error() != errWrong.Error() {
			t.Fatalf("unknown user and wrong password must answer alike: %v / %v", errUnknown, errWrong)
		}
		tok := w.SignIn(t, "admin", "10.0.0.3") // an administrator too signs in with a second factor
		if _, _, err := w.Door.Authenticate(ctx, tok, "10.0.0.3", "r1"); err != nil {
			t.Fatal(err)
		}
		tok2, sess2, err := w.Door.Login(ctx, "cm.user", testenv.TestPassword, "10.0.0.3")
		if err != nil || sess2.Stage != door.StageEnrol {
			t.Fatalf("a case manager must enrol a second factor first: %v %+v", err, sess2)
		}
		if _, _, err := w.Door.Authenticate(ctx, tok2, "10.0.0.3", "r2"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("a session without its second factor reaches nothing: %v", err)
		}
		// Disabling a user ends their sessions at once.
		if err := w.Door.SetDisabled(ctx, nrm.SystemActor("test"), w.admin.UserID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.Door.Authenticate(ctx, tok, "10.0.0.3", "r3"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("a disabled user's session is dead: %v", err)
		}
	})
}

func TestAPITokenScopes(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		p, _ := w.Door.CreatePerson(ctx, w.cm, input("Drita", "Malaj", "x"))
		tok, err := w.Door.MintToken(ctx, nrm.SystemActor("test"), w.cm.UserID, []string{door.ScopeRead}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		a, err := w.Door.AuthenticateToken(ctx, tok, "127.0.0.1", "r")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.GetPerson(ctx, a, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.UpdatePerson(ctx, a, p.ID, 1, nrm.PersonInput{Narrative: ptr("y")}); nrm.ErrorCode(err) != nrm.EForbidden {
			t.Fatalf("a read token cannot write: %v", err)
		}
		if _, err := w.Door.AuthenticateToken(ctx, tok[:len(tok)-2]+"xx", "127.0.0.1", "r"); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatalf("a forged token is refused: %v", err)
		}
	})
}

func TestPossibleDuplicateByBlindIndex(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		a, _ := w.Door.CreatePerson(ctx, w.cm, input("Ëlira", "Çela", "x"))
		b, _ := w.Door.CreatePerson(ctx, w.cmB, input("elira", "CELA", "y"))
		c, _ := w.Door.CreatePerson(ctx, w.cm, input("Elira", "Cela", "z"))
		_, _ = w.Door.UpdatePerson(ctx, w.cm, c.ID, 1, nrm.PersonInput{Nationality: ptr("UKR")})
		dups, err := w.Door.PossibleDuplicates(ctx, w.cm, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(dups) != 1 || dups[0] != b.ID {
			t.Fatalf("same normalised name, birth year and nationality flag a possible duplicate (and only that): %v", dups)
		}
	})
}

func TestBackupRestoreAndCanary(t *testing.T) {
	// SQLite: the whole data directory is ours to scan.
	e := testenv.Door(t, store.SQLite)
	e.Org(t, "org-a", nrm.OrgSocialService)
	cm := e.User(t, "cm.user", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
	canary := "CANARY-" + strings.Repeat("Zq", 8)
	p, err := e.Door.CreatePerson(ctx, cm, nrm.PersonInput{Identity: &nrm.Identity{GivenName: canary + "-given", DocNumber: canary + "-doc"}, Narrative: ptr(canary + "-story")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Door.GetPerson(ctx, cm, p.ID); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if err := e.DB.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(e.DB.Path())
	for _, root := range []string{dir, filepath.Dir(backup), e.KeyDir} {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(path)
			if bytes.Contains(b, []byte("CANARY-")) {
				t.Errorf("plaintext canary found in %s", path)
			}
			return nil
		})
	}
	// Restore into a fresh directory and read back through a door with the same keys.
	fresh := t.TempDir()
	if err := store.Restore(ctx, store.Config{DataDir: fresh}, backup, nil); err != nil {
		t.Fatal(err)
	}
	db2, err := store.Open(ctx, store.Config{DataDir: fresh})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if err := db2.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	var n1, n2 int
	_ = e.DB.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n1) })
	_ = db2.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n2) })
	if n1 == 0 || n1 != n2 {
		t.Fatalf("restored audit rows %d, live %d", n2, n1)
	}
}

func TestKeyRotationKeepsDataReadable(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		var ids []string
		for i := range 5 {
			p, err := w.Door.CreatePerson(ctx, w.cm, input("Rot", string(rune('a'+i)), "before rotation"))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		before, _ := w.Vault.KeyInfo()
		n, err := w.Door.RotateKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := w.Vault.KeyInfo()
		if after == before || n < 5 {
			t.Fatalf("rotation must change the primary and re-wrap every data key: %d→%d, %d re-wrapped", before, after, n)
		}
		for _, id := range ids {
			p, err := w.Door.GetPerson(ctx, w.cm, id)
			if err != nil || *p.Narrative != "before rotation" {
				t.Fatalf("data sealed before rotation must still open: %v", err)
			}
		}
		if _, err := w.Door.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStaleSchemaRefused(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		db, err := store.Open(ctx, testenv.Config(t, engine))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var stale *store.ErrStaleSchema
		if err := db.CheckSchema(ctx); !errors.As(err, &stale) || stale.Applied != 0 {
			t.Fatalf("an unmigrated database is stale: %v", err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Migrate(ctx); err != nil || n != 0 {
			t.Fatalf("migrating twice applies nothing: %d %v", n, err)
		}
	})
}
