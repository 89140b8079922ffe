package door_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// freeTextCells are the three columns that were stored in clear.
var freeTextCells = []struct{ table, column string }{
	{"receiving_contacts", "organisation"},
	{"advisory_recs", "body"},
	{"feedback_campaigns", "title"},
}

func canary(what string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return what + "-" + hex.EncodeToString(b)
}

// wantSealed fails unless every value of the column is a vault envelope
// that does not hold the plaintext, and the plaintext is in none of the
// table's files on disk.
func wantSealed(t *testing.T, w *world, table, column string, plain ...string) {
	t.Helper()
	cells := rawCells(t, w, `SELECT `+column+` FROM `+table)
	if len(cells) == 0 {
		t.Fatalf("%s has no values", table)
	}
	for _, b := range cells {
		if _, _, err := vault.ParseEnvelope(b); err != nil {
			t.Errorf("%s.%s holds %q, not an envelope: %v", table, column, b, err)
		}
		for _, p := range plain {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("%s.%s holds %q in clear", table, column, p)
			}
		}
	}
	secrets := make([][]byte, len(plain))
	for i, p := range plain {
		secrets[i] = []byte(p)
	}
	files := databaseFiles(t, w, table)
	if w.DB.Engine == store.Postgres {
		// As in TestRetentionErasesPastPeriod: VACUUM keeps a dead version
		// while a transaction that could see it runs in the database, and
		// other packages' tests share the server; rewrite again for at
		// most 30 s.
		for deadline := time.Now().Add(30 * time.Second); survives(files, secrets) && time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond)
			if err := w.DB.Rewrite(ctx, table); err != nil {
				t.Fatal(err)
			}
			files = databaseFiles(t, w, table)
		}
	}
	for _, p := range plain {
		if bytes.Contains(files, []byte(p)) {
			t.Errorf("%q lies in clear in the files of %s", p, table)
		}
	}
}

// TestFreeTextEncryptedAtRest: the organisation receiving a returning
// person, an Advisory Board recommendation and a feedback link's title are
// stored as vault envelopes (the first under the person's key) and read
// back as written.
func TestFreeTextEncryptedAtRest(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		org, body, title := canary("Qendra Pritëse"), canary("More interpreters at the border crossing"), canary("Winter round at the shelter")
		p, err := w.Door.CreatePerson(ctx, w.cm, input("Drita", "Malaj", "x"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.AddReceivingContact(ctx, w.cm, p.ID, nrm.ReceivingContact{Organisation: org, Country: "SYR", Contact: "Rana"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.AddAdvisory(ctx, w.ra, nrm.AdvisoryInput{MeetingOn: w.Door.Now().AddDate(0, 0, -1).Format("2006-01-02"), Theme: "assistance", Body: body}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.CreateFeedbackCampaign(ctx, w.cm, title); err != nil {
			t.Fatal(err)
		}
		wantSealed(t, w, "receiving_contacts", "organisation", org)
		wantSealed(t, w, "advisory_recs", "body", body)
		wantSealed(t, w, "feedback_campaigns", "title", title)
		wantReadBack(t, w, p.ID, org, body, title)

		// The organisation goes with the person's key: once the record is
		// erased, it is unreadable and no longer shown.
		if err := w.Door.DB().Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM subject_keys WHERE subject_id = ?`, p.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		w.Vault.Forget(p.ID)
		if _, err := w.Door.Reintegration(ctx, w.cm, p.ID); err == nil {
			t.Error("the organisation opened without the person's key")
		}
	})
}

// wantReadBack reads the three texts through the door.
func wantReadBack(t *testing.T, w *world, personID, org, body, title string) {
	t.Helper()
	rf, err := w.Door.Reintegration(ctx, w.cm, personID)
	if err != nil || len(rf.Contacts) != 1 || rf.Contacts[0].Organisation != org {
		t.Errorf("receiving contact read back: %+v %v", rf, err)
	}
	recs, err := w.Door.AdvisoryRecs(ctx, w.ra)
	if err != nil || len(recs) != 1 || recs[0].Body != body {
		t.Errorf("recommendation read back: %+v %v", recs, err)
	}
	cs, err := w.Door.FeedbackCampaigns(ctx, w.ra)
	if err != nil || len(cs) != 1 || cs[0].Title != title {
		t.Errorf("feedback link read back: %+v %v", cs, err)
	}
}

// TestMigration0012SealsExistingPlaintext builds a database as nrm left it
// before migration 0012 (the three texts in clear, written with plain SQL),
// migrates it, and opens the door: the texts are sealed, the _plain
// columns empty, the plaintext gone from the files, and every text reads
// back as written. A receiving contact of an erased record is dropped, not
// sealed.
func TestMigration0012SealsExistingPlaintext(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		db, err := store.Open(ctx, testenv.Config(t, engine))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.MigrateTo(ctx, 11); err != nil {
			t.Fatal(err)
		}
		keys := filepath.Join(t.TempDir(), "keys")
		v, err := vault.Open(vault.Config{KeyDir: keys})
		if err != nil {
			t.Fatal(err)
		}
		org, body, title, gone := canary("IOM Damascus"), canary("Shelters need interpreters"), canary("Spring round"), canary("Erased organisation")
		const pid, erased = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
		wrapped, _, err := v.NewDEK(pid)
		if err != nil {
			t.Fatal(err)
		}
		now := store.Micros(db.Now())
		legacy := []struct {
			q    string
			args []any
		}{
			{`INSERT INTO orgs (id, name, type, regions, created_at) VALUES ('org-a', 'Org A', ?, 'tirane', ?)`, []any{string(nrm.OrgSocialService), now}},
			{`INSERT INTO persons (id, code, owner_org, status, created_by, created_at, updated_at) VALUES (?, 'NRM-OLD1', 'org-a', 'referred', 'u', ?, ?)`, []any{pid, now, now}},
			{`INSERT INTO persons (id, code, owner_org, status, created_by, created_at, updated_at, erased_at) VALUES (?, 'NRM-OLD2', 'org-a', 'referred', 'u', ?, ?, ?)`, []any{erased, now, now, now}},
			{`INSERT INTO subject_keys (subject_id, wrapped, created_at) VALUES (?, ?, ?)`, []any{pid, wrapped, now}},
			{`INSERT INTO receiving_contacts (id, person_id, organisation, country, org_id, user_id, created_at) VALUES ('c1', ?, ?, 'SYR', 'org-a', 'u', ?)`, []any{pid, org, now}},
			{`INSERT INTO receiving_contacts (id, person_id, organisation, country, org_id, user_id, created_at) VALUES ('c2', ?, ?, 'SYR', 'org-a', 'u', ?)`, []any{erased, gone, now}},
			{`INSERT INTO advisory_recs (id, meeting_on, theme, body, status, created_by, created_at, updated_at) VALUES ('a1', '2026-01-10', 'assistance', ?, 'proposed', 'u', ?, ?)`, []any{body, now, now}},
			{`INSERT INTO feedback_campaigns (id, code, org_id, title, created_by, created_at) VALUES ('f1', 'abcdefgh', 'org-a', ?, 'u', ?)`, []any{title, now}},
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, l := range legacy {
				if _, err := tx.Exec(ctx, l.q, l.args...); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		signer, err := audit.LoadOrCreateSigner(filepath.Join(keys, "audit.key"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := door.New(context.Background(), db, v, signer, door.Settings{}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		env := &testenv.Env{DB: db, Door: d, Vault: v, KeyDir: keys}
		env.Org(t, "org-ra", nrm.OrgResponsibleAuthority)
		w := &world{Env: env,
			cm: env.User(t, "cm.old", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager),
			ra: env.User(t, "ra.old", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleRAOfficer)}
		for _, c := range freeTextCells {
			if n := count(t, &nrmWorld{world: w}, `SELECT COUNT(*) FROM `+c.table+` WHERE `+c.column+`_plain IS NOT NULL`); n != 0 {
				t.Errorf("%s.%s_plain still holds %d values", c.table, c.column, n)
			}
		}
		if n := count(t, &nrmWorld{world: w}, `SELECT COUNT(*) FROM receiving_contacts WHERE id = 'c2' AND organisation IS NULL`); n != 1 {
			t.Error("the erased record's organisation was sealed, not dropped")
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM receiving_contacts WHERE id = 'c2'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wantSealed(t, w, "receiving_contacts", "organisation", org, gone)
		wantSealed(t, w, "advisory_recs", "body", body)
		wantSealed(t, w, "feedback_campaigns", "title", title)
		wantReadBack(t, w, pid, org, body, title)
		if n := count(t, &nrmWorld{world: w}, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, door.ActSealLegacy); n != 3 {
			t.Errorf("%d audit entries for the sealing, want one per column", n)
		}
		// Opening again finds nothing more to do.
		if _, err := door.New(context.Background(), db, v, signer, door.Settings{}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, &nrmWorld{world: w}, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, door.ActSealLegacy); n != 3 {
			t.Errorf("a second opening sealed again: %d entries", n)
		}
	})
}
