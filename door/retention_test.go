package door_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
)

// rawCells reads stored bytes straight from the database, as an attacker
// with the files would see them.
func rawCells(t *testing.T, w *world, q string, args ...any) [][]byte {
	t.Helper()
	var out [][]byte
	err := w.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return err
			}
			if len(b) > 0 {
				out = append(out, b)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A record past its retention period is crypto-shredded: identity,
// narrative, statements and keys go, the code and summary stay, the audit
// says so; a record on legal hold is untouched; on SQLite not one erased
// byte survives in the database file or its log.
func TestRetentionErasesPastPeriod(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		clock := w.UseClock()
		canary := "Kanarina-" + time.Now().Format("150405.000000")
		p, err := w.Door.CreatePerson(ctx, w.fr, input(canary+"-given", canary+"-family", canary+" narrative, met at the port"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.RecordInterview(ctx, w.fr, p.ID, nrm.InterviewInput{On: "2026-01-05", Purpose: "needs_assessment",
			InterviewerGender: "female", Statement: canary + " statement"}); err != nil {
			t.Fatal(err)
		}
		held, err := w.Door.CreatePerson(ctx, w.fr, input("Mbajtur", "Ligjërisht", "held narrative"))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Door.SetLegalHold(ctx, w.cm, held.ID, true, "court proceedings"); !isCode(err, nrm.EForbidden) {
			t.Fatalf("a case manager set a legal hold: %v", err)
		}
		if err := w.Door.SetLegalHold(ctx, w.ra, held.ID, true, " "); !slices.Contains(fieldOf(err), "reason") {
			t.Fatalf("a hold without reason: %v", err)
		}
		if err := w.Door.SetLegalHold(ctx, w.ra, held.ID, true, "criminal proceedings 12/2026 need the record"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.SaveDraft(ctx, w.fr, door.Draft{Kind: "referral", Step: "meeting", Data: []byte(`{"met_place":["` + canary + `"]}`)}); err != nil {
			t.Fatal(err)
		}
		// The bytes an attacker would look for, read raw before the job.
		secrets := rawCells(t, w, `SELECT given_name FROM persons WHERE id = ? UNION ALL SELECT family_name FROM persons WHERE id = ?
			UNION ALL SELECT narrative FROM persons WHERE id = ? UNION ALL SELECT statement FROM interviews WHERE person_id = ?
			UNION ALL SELECT wrapped FROM subject_keys WHERE subject_id = ?`, p.ID, p.ID, p.ID, p.ID, p.ID)
		if len(secrets) != 5 {
			t.Fatalf("want 5 stored secrets, got %d", len(secrets))
		}
		heldKey := rawCells(t, w, `SELECT wrapped FROM subject_keys WHERE subject_id = ?`, held.ID)

		// Within the period nothing goes.
		rep, err := w.Door.RunRetention(ctx)
		if err != nil || !rep.Configured || len(rep.Codes) != 0 || rep.Erased[rules.RetainDraft] != 0 {
			t.Fatalf("nothing is due yet: %+v %v", rep, err)
		}
		clock.Advance(11 * 366 * 24 * time.Hour)
		rep, err = w.Door.RunRetention(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Erased[rules.RetainPerson] != 1 || !slices.Equal(rep.Codes, []string{p.Code}) || rep.Held != 1 || rep.Erased[rules.RetainDraft] != 1 {
			t.Fatalf("report: %+v", rep)
		}
		got, err := w.Door.GetPerson(ctx, w.fr, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Identity != nil || got.Narrative != nil || got.ErasedAt.IsZero() {
			t.Fatalf("the erased record still shows identity or narrative: %+v", got)
		}
		if got.Code != p.Code || got.Sex != "female" || got.Region != "vlore" || got.AgeGroup != nrm.AgeAdult {
			t.Fatalf("the code and summary must stay for statistics: %+v", got)
		}
		cf, err := w.Door.Case(ctx, w.fr, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cf.InterviewCount != 1 || cf.Interviews[0].Statement != "" || cf.Interviews[0].StatementShown || !hasTimeline(cf, door.TLErased) {
			t.Fatalf("the interview is counted, its statement gone: %+v", cf.Interviews)
		}
		if n := auditCount(t, w, p.ID, door.ActErase, "ok"); n != 1 {
			t.Fatalf("want one erase audit entry, got %d", n)
		}
		name := "Again"
		if _, err := w.Door.UpdatePerson(ctx, w.fr, p.ID, got.Version, nrm.PersonInput{Identity: &nrm.Identity{GivenName: name}}); !isCode(err, nrm.EConflict) {
			t.Fatalf("new identity on an erased record: %v", err)
		}
		if err := w.Door.SetLegalHold(ctx, w.ra, p.ID, true, "too late"); !isCode(err, nrm.EConflict) {
			t.Fatalf("a hold on an erased record: %v", err)
		}
		// The held record is untouched.
		h, err := w.Door.GetPerson(ctx, w.fr, held.ID)
		if err != nil || h.Identity == nil || h.Identity.GivenName != "Mbajtur" || !h.LegalHold {
			t.Fatalf("the held record was touched: %+v %v", h, err)
		}
		// A second run erases nothing more.
		if rep, err = w.Door.RunRetention(ctx); err != nil || len(rep.Codes) != 0 || rep.Held != 1 {
			t.Fatalf("second run: %+v %v", rep, err)
		}
		files := databaseFiles(t, w)
		if engine == store.Postgres {
			// VACUUM prunes a dead row only once no transaction that
			// could still see it is running in the database: tests of
			// other packages share this server and may hold one for a
			// moment. The job's next run (or autovacuum) prunes then; here
			// the scrub is repeated until the rows go, for at most 30 s.
			for deadline := time.Now().Add(30 * time.Second); survives(files, secrets) && time.Now().Before(deadline); {
				time.Sleep(200 * time.Millisecond)
				if err := w.DB.Scrub(ctx, "persons", "interviews", "subject_keys", "drafts"); err != nil {
					t.Fatal(err)
				}
				files = databaseFiles(t, w)
			}
		}
		if len(files) == 0 || !bytes.Contains(files, heldKey[0]) {
			t.Fatal("the scan does not see the files: the held record's key is not found")
		}
		if bytes.Contains(files, []byte(canary)) {
			t.Fatal("the canary survives in the database files")
		}
		for i, sec := range secrets {
			if bytes.Contains(files, sec) {
				t.Fatalf("erased secret %d (%d bytes) survives in the database files", i, len(sec))
			}
		}
	})
}

// Tell it once: an organisation the person agreed may reuse a statement,
// and which is allowed the narrative part, is offered it; one without the
// narrative sees only the count. A departure from the preferred
// interviewer gender needs a reason.
func TestInterviewTellItOnce(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		res, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
			MetOn: "2026-11-20", MetRegion: "tirane", MetHow: "border_check",
			Identity: &nrm.Identity{GivenName: "Lina", FamilyName: "Haddad", BirthDate: "1996"},
			Sex:      "female", Nationalities: []string{"SYR"}, Languages: []string{"ar"}, PreferredGender: "female",
			AgeBasis: nrm.AgeDeclared, AgeYears: ptr(30), Needs: []nrm.NeedRequest{{Need: nrm.NeedShelter}},
			Indicators: indicators(t, "labour", "A", "B", "C"), Account: "Worked without pay.", Consent: nrm.ConsentGiven,
		})
		if err != nil {
			t.Fatal(err)
		}
		pid := res.Person.ID
		in := nrm.InterviewInput{On: "2026-11-21", Purpose: "identification", InterviewerGender: "male", InterpreterLang: "ar",
			Statement: "She was recruited online and her passport was taken.", ShareableWith: []string{"org-b", "org-pol"}}
		if _, err := w.Door.RecordInterview(ctx, w.border, pid, in); !slices.Contains(fieldOf(err), "gender_reason") {
			t.Fatalf("a male interviewer against a female preference needs a reason, got %v", err)
		}
		in.InterviewerGender = "female"
		if _, err := w.Door.RecordInterview(ctx, w.border, pid, in); err != nil {
			t.Fatal(err)
		}
		// The police panel sees the summary only.
		if _, err := w.Door.RecordConsent(ctx, w.border, pid, informed(nrm.PurposeShare, nrm.ConsentSummary, nrm.GivenByPerson, "org-pol")); err != nil {
			t.Fatal(err)
		}
		// Before the narrative is disclosed, the shelter (named by the person) is not offered it.
		plan, err := w.Door.PlanInterview(ctx, w.cmB, pid, "service_intake")
		if err != nil || plan.Earlier != 1 || len(plan.Offered) != 0 {
			t.Fatalf("the referral disclosed no narrative to the shelter: %+v %v", plan, err)
		}
		if _, err := w.Door.RecordConsent(ctx, w.border, pid, informed(nrm.PurposeShare, nrm.ConsentFull, nrm.GivenByPerson, "org-b")); err != nil {
			t.Fatal(err)
		}
		// The shelter (narrative disclosed, named by the person) is offered the statement.
		plan, err = w.Door.PlanInterview(ctx, w.cmB, pid, "service_intake")
		if err != nil {
			t.Fatal(err)
		}
		if plan.Earlier != 1 || len(plan.Offered) != 1 || plan.Offered[0].Statement != in.Statement || plan.Offered[0].Purpose != "identification" ||
			plan.Offered[0].On != "2026-11-21" {
			t.Fatalf("the shelter should be offered the first statement: %+v", plan)
		}
		plan, err = w.Door.PlanInterview(ctx, w.panelPolice, pid, "investigation")
		if err != nil {
			t.Fatal(err)
		}
		if plan.Earlier != 1 || len(plan.Offered) != 0 {
			t.Fatalf("without the narrative only the count: %+v", plan)
		}
		cf, err := w.Door.Case(ctx, w.panelPolice, pid)
		if err != nil {
			t.Fatal(err)
		}
		if cf.InterviewCount != 1 || cf.Interviews[0].Statement != "" || cf.Interviews[0].StatementShown || !cf.Interviews[0].GenderMatched {
			t.Fatalf("case file without the narrative: %+v", cf.Interviews)
		}
		cf, err = w.Door.Case(ctx, w.cmB, pid)
		if err != nil || cf.Interviews[0].Statement != in.Statement || cf.Interviews[0].InterpreterLang != "ar" || cf.Interviews[0].OrgID != "org-bp" {
			t.Fatalf("case file with the narrative: %+v %v", cf, err)
		}
		// Out of scope looks missing; a role that never interviews is refused.
		if _, err := w.Door.PlanInterview(ctx, w.police, pid, "investigation"); err != nrm.ErrNotFound {
			t.Fatalf("police without a grant: %v", err)
		}
		if _, err := w.Door.PlanInterview(ctx, w.mon, pid, "investigation"); !isCode(err, nrm.EForbidden) {
			t.Fatalf("a monitor: %v", err)
		}
		if _, err := w.Door.PlanInterview(ctx, w.cmB, pid, "chat"); !slices.Contains(fieldOf(err), "purpose") {
			t.Fatalf("unknown purpose: %v", err)
		}
		if n := count(t, w, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND subject = ? AND outcome = 'ok'`, door.ActInterviewPlan, pid); n != 3 {
			t.Fatalf("every plan is audited: %d", n)
		}
	})
}

func isCode(err error, code string) bool {
	var e *nrm.Error
	return errors.As(err, &e) && e.Code == code
}

// databaseFiles reads the bytes of the database as they lie on disk.
// SQLite: the main file and its write-ahead log. PostgreSQL: after a
// checkpoint has written every page, the heap and TOAST files of the tables
// erased data lived in (the test role needs pg_checkpoint and
// pg_read_all_settings, and the test must run where the data directory is
// readable: .ci/pg-setup.sh and CI as root); tables, when given, replace
// the default list. PostgreSQL's own write-ahead
// log is not read: it keeps the old row versions until the segments are
// recycled after later checkpoints, which README §Retention documents.
func databaseFiles(t *testing.T, w *world, tables ...string) []byte {
	t.Helper()
	if len(tables) == 0 {
		tables = []string{"persons", "interviews", "subject_keys", "drafts"}
	}
	var names []string
	if w.DB.Path() != "" {
		names = []string{w.DB.Path(), w.DB.Path() + "-wal"}
	} else {
		var dir string
		if _, err := w.DB.W.ExecContext(ctx, `CHECKPOINT`); err != nil {
			t.Fatalf("CHECKPOINT (grant pg_checkpoint to the test role, see .ci/pg-setup.sh): %v", err)
		}
		if err := w.DB.W.QueryRowContext(ctx, `SELECT current_setting('data_directory')`).Scan(&dir); err != nil {
			t.Fatalf("data_directory (grant pg_read_all_settings to the test role): %v", err)
		}
		for _, tbl := range tables {
			rows, err := w.DB.W.QueryContext(ctx, `SELECT pg_relation_filepath(c.oid) FROM pg_class c
				WHERE c.oid = to_regclass($1) OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = to_regclass($1))`, tbl)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var rel string
				if err := rows.Scan(&rel); err != nil {
					t.Fatal(err)
				}
				names = append(names, filepath.Join(dir, rel))
			}
			rows.Close()
		}
	}
	var files []byte
	for _, f := range names {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("reading the database files: %v", err)
		}
		files = append(files, b...)
	}
	return files
}

// survives reports whether any of the secrets is in the bytes.
func survives(files []byte, secrets [][]byte) bool {
	for _, sec := range secrets {
		if bytes.Contains(files, sec) {
			return true
		}
	}
	return false
}
