package door_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// millionBucket is how many unrelated people share a duplicate bucket at a
// million records with the default index (10^6 / 2^16).
const millionBucket = 15.3

// millionCache is the share of the records the unwrapped-key cache holds
// at a million records (vault.DefaultCacheSize entries).
const millionCache = float64(vault.DefaultCacheSize) / 1e6

// BenchmarkDuplicateCheck: referral intake when the new person's duplicate
// bucket is as full as at a million records, at NRM_BENCH_RECORDS records
// (default 10000): the fixture's duplicate index is shortened so that a
// bucket holds about fifteen unrelated people (9 bits at 10 000 records),
// the unwrapped-key cache is shrunk to hold the same share of the records
// as at a million (41 keys at 10 000), and every referral names someone
// new, so each finds a full bucket and no match. cpu-ns/op is this
// process's CPU time (the door's work; on PostgreSQL the server's is not
// counted), steadier than ns/op on a busy machine. "untagged" clears every record's duplicate tag first, so the door
// decrypts each candidate as the check did before the tag (the same
// statements and work); "tagged" runs after BackfillDupTags, so
// the tag rules the candidates out in SQL. Both in the same run:
//
//	go test ./door/ -run '^$' -bench DuplicateCheck -benchtime 2s
func BenchmarkDuplicateCheck(b *testing.B) {
	n := benchRecords(b)
	bits := max(1, int(math.Round(math.Log2(float64(n)/millionBucket))))
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			ctx := context.Background()
			e := testenv.DoorVault(b, engine, door.Settings{}, vault.Config{
				IndexBitsByName: map[string]int{"person.dup": bits}, CacheSize: max(1, int(float64(n)*millionCache))})
			e.Org(b, "org-a", nrm.OrgSocialService)
			e.Org(b, "org-ra", nrm.OrgResponsibleAuthority)
			cm := e.User(b, "cm.user", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
			rng := rand.New(rand.NewPCG(3, uint64(n)))
			for done := 0; done < n; {
				ins := make([]nrm.PersonInput, min(benchBatch, n-done))
				for i := range ins {
					ins[i] = benchPerson(rng)
				}
				if _, err := e.Door.CreatePersons(ctx, cm, ins); err != nil {
					b.Fatal(err)
				}
				done += len(ins)
			}
			if err := e.DB.Update(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE persons SET dup_tag = ''`)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			seq := int64(0)
			intake := func(b *testing.B) {
				cpu := processCPU()
				for b.Loop() {
					seq++
					res, err := e.Door.Refer(ctx, cm, nrm.ReferralInput{Region: "vlore", Sex: "female", AgeBasis: nrm.AgeDeclared, AgeYears: ptr(29),
						Consent: nrm.ConsentGiven, Nationalities: []string{"ALB"},
						Identity: &nrm.Identity{GivenName: "Intake " + letters(seq), FamilyName: "Hoxha", BirthDate: "1996-03-14"}})
					if err != nil || res.Duplicate {
						b.Fatalf("Refer: %v, duplicate %v", err, res != nil && res.Duplicate)
					}
				}
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(n)/math.Ldexp(1, bits), "bucket")
			}
			b.Run("untagged", intake)
			began := time.Now()
			tagged, err := e.Door.BackfillDupTags(ctx)
			if err != nil || tagged != n {
				b.Fatalf("backfill tagged %d of %d: %v", tagged, n, err)
			}
			b.Logf("%s: %d records, %d-bit duplicate index, backfill of the tags in %s", engine, n, bits, time.Since(began).Round(time.Millisecond))
			b.Run("tagged", intake)
		})
	}
}
