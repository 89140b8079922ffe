package door_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/shareddata"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// BenchmarkImportWrite times the write step of a statistics import: the
// 21 195 facts of the CTDC file, already parsed, into a new dataset
// (door.ImportDataset: the import slot, one transaction of multi-row INSERTs,
// the rollup, the dataset row, the audit entry, the lease given back) —
// the time the write lock is held. Beside it, the raw baseline writes the
// same rows in one transaction as the import did before issue 13: one
// INSERT per fact, then the same rollup upserts and the dataset row.
//
//	go test ./door/ -run '^$' -bench ImportWrite -benchtime 5x
func BenchmarkImportWrite(b *testing.B) {
	var facts []stats.Fact
	row := 0
	if _, err := stats.ReadCTDCFile(ctdcLargest(b), func(r stats.CTDCRecord) error {
		row++
		facts = append(facts, stats.CTDCFact(row, r))
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	for _, engine := range testenv.Engines(b) {
		e := testenv.Door(b, engine)
		e.Org(b, "org-ra", nrm.OrgResponsibleAuthority)
		ra := e.User(b, "ra.user", "org-ra", nrm.OrgResponsibleAuthority, nrm.RoleRAOfficer)
		b.Run(engine+"/door", func(b *testing.B) {
			for b.Loop() {
				d, err := e.Door.ImportDataset(ctx, ra, "CTDC", "ctdc", func(yield func(stats.Fact, error) bool) {
					for _, f := range facts {
						if !yield(f, nil) {
							return
						}
					}
				})
				if err != nil || d.Rows != len(facts) {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(facts)), "facts")
		})
		n := 0
		b.Run(engine+"/raw-row-by-row", func(b *testing.B) {
			for b.Loop() {
				n++
				if err := rawImport(e.DB, fmt.Sprintf("raw-%d", n), facts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(facts)), "facts")
		})
	}
}

// rawImport writes facts as the import did before issue 13, in plain SQL.
func rawImport(db *store.DB, dataset string, facts []stats.Fact) error {
	type key struct {
		from, to  stats.Month
		region    string
		emergency bool
		dim, val  string
	}
	return db.Update(ctx, func(tx *store.Tx) error {
		counts := map[key]int{}
		for _, f := range facts {
			items := f.Items()
			var enc strings.Builder
			for _, it := range items {
				counts[key{f.From, f.To, f.Region, f.Emergency, it.Dim, it.Val}]++
				enc.WriteString(it.Dim + "\t" + it.Val + "\n")
			}
			if _, err := tx.Exec(ctx, `INSERT INTO stat_facts (dataset, fact_key, p_from, p_to, region, emergency, items) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				dataset, f.Key, int(f.From), int(f.To), f.Region, store.Int(f.Emergency), enc.String()); err != nil {
				return err
			}
		}
		for k, c := range counts {
			if _, err := tx.Exec(ctx, `INSERT INTO stat_counts (dataset, p_from, p_to, region, emergency, dim, val, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (dataset, p_from, p_to, region, emergency, dim, val) DO UPDATE SET n = stat_counts.n + excluded.n`,
				dataset, int(k.from), int(k.to), k.region, store.Int(k.emergency), k.dim, k.val, c); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO stat_datasets (id, name, source, rows_read, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?)`,
			dataset, "CTDC", "ctdc", len(facts), store.Micros(tx.Now), "bench")
		return err
	})
}

// ctdcLargest is the real CTDC dataset when it is beside the checkout (the
// figures in the README were measured on it), else the repository's fixture.
func ctdcLargest(b *testing.B) string {
	files := shareddata.CTDC(b)
	return files[len(files)-1].Path
}
