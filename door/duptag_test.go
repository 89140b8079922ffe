package door_test

import (
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// TestDupTagNarrowsWithoutDecrypting: inside a duplicate bucket the tag
// picks the candidates that match, so the other people in the bucket are
// never decrypted. The test makes the bucket index one bit long (every
// record shares a bucket with about half the others) and damages the
// ciphertext of the records that do not match: a referral must neither
// fail nor be flagged because of them (the check before the tag decrypted
// every candidate and failed here), and a true duplicate is still flagged,
// by tag, or by decrypting when the record has no tag yet. The backfill
// gives old records the tag the door would have written.
func TestDupTagNarrowsWithoutDecrypting(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e := testenv.DoorVault(t, engine, door.Settings{}, vault.Config{IndexBitsByName: map[string]int{"person.dup": 1}})
		e.Org(t, "org-a", nrm.OrgSocialService)
		e.Org(t, "org-ra", nrm.OrgResponsibleAuthority)
		cm := e.User(t, "cm.user", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
		var ins []nrm.PersonInput
		for _, g := range []string{"Arta", "Blerina", "Drita", "Elira", "Fatjona", "Gentiana", "Mirela", "Teuta"} {
			ins = append(ins, input(g, "Hoxha", "x"))
		}
		ps, err := e.Door.CreatePersons(ctx, cm, ins)
		if err != nil {
			t.Fatal(err)
		}
		tags := func() map[string]string {
			m := map[string]string{}
			err := e.DB.View(ctx, func(tx *store.Tx) error {
				rows, err := tx.Query(ctx, `SELECT id, dup_tag FROM persons`)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id, tag string
					if err := rows.Scan(&id, &tag); err != nil {
						return err
					}
					m[id] = tag
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := e.DB.Update(ctx, func(tx *store.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
		}

		// The backfill: records without a tag get the one the door writes.
		written := tags()
		exec(`UPDATE persons SET dup_tag = ''`)
		if n, err := e.Door.BackfillDupTags(ctx); err != nil || n != len(ps) {
			t.Fatalf("backfill tagged %d of %d: %v", n, len(ps), err)
		}
		for id, tag := range tags() {
			if len(tag) != vault.TagBits/4 || tag != written[id] {
				t.Errorf("%s: backfilled tag %q, written %q", id, tag, written[id])
			}
		}
		if n, err := e.Door.BackfillDupTags(ctx); err != nil || n != 0 {
			t.Errorf("a second backfill tagged %d: %v", n, err)
		}

		// Every record but Arta's made unreadable.
		exec(`UPDATE persons SET given_name = ? WHERE id <> ?`, []byte("not a ciphertext"), ps[0].ID)
		refer := func(given string) *door.ReferralResult {
			t.Helper()
			res, err := e.Door.Refer(ctx, cm, nrm.ReferralInput{Region: "vlore", Sex: "female", AgeBasis: nrm.AgeDeclared, AgeYears: ptr(27),
				Consent: nrm.ConsentGiven, Nationalities: []string{"ALB"}, Identity: &nrm.Identity{GivenName: given, FamilyName: "Hoxha", BirthDate: "1999-04-02"}})
			if err != nil {
				t.Fatalf("referral of %s: %v", given, err)
			}
			return res
		}
		for _, g := range []string{"Klea", "Lindita", "Mimoza", "Rozafa"} {
			if refer(g).Duplicate {
				t.Errorf("%s flagged as a duplicate", g)
			}
		}
		second := refer("Arta")
		if !second.Duplicate {
			t.Error("Arta's second referral not flagged (by tag)")
		}
		exec(`UPDATE persons SET dup_tag = '' WHERE id IN (?, ?)`, ps[0].ID, second.Person.ID)
		if !refer("ARTA").Duplicate {
			t.Error("Arta's third referral not flagged (record without a tag, decrypted)")
		}
	})
}
