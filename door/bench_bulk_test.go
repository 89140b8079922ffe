package door_test

// Bulk benchmarks (issue #5): exporting and reassigning 10,000 records at
// once, with no cap, in under 10 seconds on 2 cores — each beside a raw
// baseline doing the same database work in the same chunks (500 records a
// transaction): the keyset page of ids, per record the rows the policy
// reads (and the data-key row, for the export) or the assignment rows it
// moves, and one chained audit entry per record. The door also decrypts
// the identity and narrative of every exported adult.
//
//	go test ./door/ -run '^$' -bench 'Bulk|ZZ' -benchtime 3x

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
)

const (
	bulkN     = 10000
	bulkChunk = 500 // door.bulkChunk
)

func bulkIDs(b *testing.B, f *benchFixture) []string {
	if len(f.ids) < bulkN {
		b.Fatalf("the bulk benchmarks need %d records, the fixture has %d (NRM_BENCH_RECORDS)", bulkN, len(f.ids))
	}
	return f.ids[:bulkN]
}

// BenchmarkBulkExport: door.ExportPersons of 10,000 records (Limit), all
// decrypted, each audited.
func BenchmarkBulkExport(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		bulkIDs(b, f)
		for b.Loop() {
			n, err := f.env.Door.ExportPersons(ctx, f.cm, door.PersonFilter{Limit: bulkN}, func(p nrm.Person) error {
				if p.Identity == nil && !p.IsChild() {
					b.Fatalf("export without identity: %s", p.Code)
				}
				return nil
			})
			if err != nil || n != bulkN {
				b.Fatalf("exported %d: %v", n, err)
			}
		}
		record(b, f.engine, "export10k", sideDoor)
	})
}

// BenchmarkRawBulkExport: the export's database work with the raw driver.
func BenchmarkRawBulkExport(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		bulkIDs(b, f)
		page := f.q.bind(`SELECT p.created_at, p.id FROM persons p WHERE (p.owner_org = ? OR EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?))
			AND (p.created_at, p.id) > (?, ?) ORDER BY p.created_at, p.id LIMIT ?`)
		for b.Loop() {
			var at int64
			var last string
			n := 0
			for n < bulkN {
				err := f.rawTx(ctx, func(tx *sql.Tx, now time.Time) error {
					ids, ats, err := rawPage(ctx, tx, page, f.cm.OrgID, f.cm.UserID, at, last, min(bulkChunk, bulkN-n))
					if err != nil {
						return err
					}
					for _, id := range ids {
						if _, err := f.rawLoad(ctx, tx, now, f.cm, id); err != nil {
							return err
						}
						if err := f.rawKey(ctx, tx, id); err != nil {
							return err
						}
						if err := f.rawAudit(ctx, tx, now, f.cm, door.ActExport, id, f.readFields); err != nil {
							return err
						}
					}
					n += len(ids)
					at, last = ats[len(ats)-1], ids[len(ids)-1]
					return nil
				})
				if err != nil {
					b.Fatalf("raw export: %v", err)
				}
			}
		}
		record(b, f.engine, "export10k", sideRaw)
	})
}

func rawPage(ctx context.Context, tx *sql.Tx, q string, args ...any) (ids []string, ats []int64, err error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var id string
		if err := rows.Scan(&at, &id); err != nil {
			return nil, nil, err
		}
		ids, ats = append(ids, id), append(ats, at)
	}
	return ids, ats, rows.Err()
}

// bulkSeats are the two workers of each fixture the reassignments move
// records between, and the one the records are with now.
var bulkSeats = map[*benchFixture][2]*nrm.Actor{}

// bulkWorkers adds two workers to the fixture's organisation and assigns
// the 10,000 records to the first, once per fixture; it answers the worker
// who has them now first.
func bulkWorkers(b *testing.B, f *benchFixture) (a, c *nrm.Actor) {
	if s, ok := bulkSeats[f]; ok {
		return s[0], s[1]
	}
	ctx := context.Background()
	a = f.env.User(b, "bulk-a", benchOrg, nrm.OrgSocialService, nrm.RoleCaseManager)
	c = f.env.User(b, "bulk-b", benchOrg, nrm.OrgSocialService, nrm.RoleCaseManager)
	bulkSeats[f] = [2]*nrm.Actor{a, c}
	ins := f.q.bind(`INSERT INTO assignments (person_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (person_id, user_id) DO NOTHING`)
	err := f.rawTx(ctx, func(tx *sql.Tx, now time.Time) error {
		for _, id := range bulkIDs(b, f) {
			if _, err := tx.ExecContext(ctx, ins, id, a.UserID, store.Micros(now)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return a, c
}

// BenchmarkBulkReassign: door.Reassign of 10,000 named records from one
// worker to another (and back, on the next iteration), each audited.
func BenchmarkBulkReassign(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		x, y := bulkWorkers(b, f)
		ids := bulkIDs(b, f)
		for b.Loop() {
			n, err := f.env.Door.Reassign(ctx, f.cm, door.ReassignInput{From: x.UserID, To: y.UserID, IDs: ids})
			if err != nil || n != bulkN {
				b.Fatalf("moved %d: %v", n, err)
			}
			x, y = y, x
		}
		bulkSeats[f] = [2]*nrm.Actor{x, y}
		record(b, f.engine, "reassign10k", sideDoor)
	})
}

// BenchmarkRawBulkReassign: the reassignment's database work with the raw
// driver: per chunk the named records' check, per record the delete, the
// insert and the audit entry.
func BenchmarkRawBulkReassign(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		x, y := bulkWorkers(b, f)
		ids := bulkIDs(b, f)
		check := f.q.bind(`SELECT p.created_at, p.id FROM persons p WHERE p.owner_org = ? AND EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?)
			AND p.id IN (?` + strings.Repeat(", ?", bulkChunk-1) + `) ORDER BY p.created_at, p.id`)
		del := f.q.bind(`DELETE FROM assignments WHERE person_id = ? AND user_id = ?`)
		ins := f.q.bind(`INSERT INTO assignments (person_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (person_id, user_id) DO NOTHING`)
		for b.Loop() {
			for i := 0; i < len(ids); i += bulkChunk {
				err := f.rawTx(ctx, func(tx *sql.Tx, now time.Time) error {
					args := []any{f.cm.OrgID, x.UserID}
					for _, id := range ids[i : i+bulkChunk] {
						args = append(args, id)
					}
					got, _, err := rawPage(ctx, tx, check, args...)
					if err != nil || len(got) != bulkChunk {
						b.Fatalf("raw check: %d %v", len(got), err)
					}
					for _, id := range got {
						if _, err := tx.ExecContext(ctx, del, id, x.UserID); err != nil {
							return err
						}
						if _, err := tx.ExecContext(ctx, ins, id, y.UserID, store.Micros(now)); err != nil {
							return err
						}
						if err := f.rawAudit(ctx, tx, now, f.cm, door.ActReassign, id, []string{"assign:" + y.UserID, "unassign:" + x.UserID}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatalf("raw reassign: %v", err)
				}
			}
			x, y = y, x
		}
		bulkSeats[f] = [2]*nrm.Actor{x, y}
		record(b, f.engine, "reassign10k", sideRaw)
	})
}
