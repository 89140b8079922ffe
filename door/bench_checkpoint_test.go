package door_test

// Audit checkpoint benchmarks (issue 21): a checkpoint after ten new
// entries at a log of 10,000 entries and at a larger one (200,000; 50,000
// with -short; NRM_AUDIT_LOG_SIZE=1000000 for the million), beside
// a raw-driver baseline doing the same database work in the same run, and
// beside the former checkpoint (every hash of the log read inside the
// write transaction). BenchmarkWriteBesideCheckpoint measures an audited
// request while checkpoints run, with each kind of checkpoint.
//
//	go test ./door/ -run '^$' -bench 'Checkpoint$' -benchtime 20x
//	go test ./door/ -run '^$' -bench 'WriteBesideCheckpoint' -benchtime 3s
//
// The log is seeded with plain SQL: chained synthetic entries, data rather
// than the door's write path.

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

type cpFixture struct {
	env    *testenv.Env
	life   *benchLife
	actor  *nrm.Actor
	person string
	size   int
}

var cpFixtures struct {
	sync.Mutex
	m map[string]*cpFixture
}

// cpFixtureFor returns a log of size entries with a checkpoint at its end,
// built on first use and kept for the run.
func cpFixtureFor(b *testing.B, engine string, size int) *cpFixture {
	b.Helper()
	cpFixtures.Lock()
	defer cpFixtures.Unlock()
	key := fmt.Sprint(engine, "/", size)
	if f := cpFixtures.m[key]; f != nil {
		return f
	}
	life := &benchLife{TB: b}
	env := testenv.Door(life, engine)
	env.Org(life, "cp-org", nrm.OrgSocialService)
	f := &cpFixture{env: env, life: life, size: size,
		actor: env.User(life, "cp.user", "cp-org", nrm.OrgSocialService, nrm.RoleCaseManager)}
	p, err := env.Door.CreatePerson(ctx, f.actor, input("Bench", "Checkpoint", "x"))
	if err != nil {
		b.Fatal(err)
	}
	f.person = p.ID
	seedAuditLog(life, env.DB, size)
	if _, err := env.Door.Checkpoint(ctx, true); err != nil {
		b.Fatal(err)
	}
	settle(b, env.DB)
	life.TB = nil
	if cpFixtures.m == nil {
		cpFixtures.m = map[string]*cpFixture{}
	}
	cpFixtures.m[key] = f
	return f
}

// settle lets the database absorb a bulk load before anything is timed,
// so that the first benchmark does not pay for it: SQLite folds its
// write-ahead log into the file, PostgreSQL vacuums and analyses.
func settle(b *testing.B, db *store.DB) {
	q := "PRAGMA wal_checkpoint(TRUNCATE)"
	if db.Engine == store.Postgres {
		q = "VACUUM ANALYZE"
	}
	if _, err := db.W.ExecContext(ctx, q); err != nil {
		b.Fatal(err)
	}
}

// eachCheckpointLog runs fn per engine and log size.
func eachCheckpointLog(b *testing.B, fn func(b *testing.B, f *cpFixture)) {
	for _, engine := range testenv.Engines(b) {
		for _, size := range []int{10_000, bigAuditLog(b)} {
			b.Run(fmt.Sprintf("%s/log=%d", engine, size), func(b *testing.B) { fn(b, cpFixtureFor(b, engine, size)) })
		}
	}
}

// newSinceCheckpoint is how many entries each checkpoint covers.
const newSinceCheckpoint = 10

// BenchmarkCheckpoint: the door's checkpoint after ten new entries.
func BenchmarkCheckpoint(b *testing.B) {
	eachCheckpointLog(b, func(b *testing.B, f *cpFixture) {
		var rows int64
		var held time.Duration
		for b.Loop() {
			b.StopTimer()
			seedAuditLog(b, f.env.DB, newSinceCheckpoint)
			b.StartTimer()
			run, err := f.env.Door.RunCheckpoint(ctx, true)
			if err != nil || run.Checkpoint == nil {
				b.Fatal(run, err)
			}
			rows += run.LogRows
			held = max(held, run.Longest)
		}
		b.ReportMetric(float64(rows)/float64(b.N), "log-rows/op")
		b.ReportMetric(float64(held)/1e6, "longest-write-ms")
	})
}

// BenchmarkRawCheckpoint is the same database work by hand on the raw
// driver: read the stored state and the new entries in one read
// transaction, then write the state, the nodes and the checkpoint in one.
func BenchmarkRawCheckpoint(b *testing.B) {
	eachCheckpointLog(b, func(b *testing.B, f *cpFixture) {
		q := newBenchSQL(f.env.DB.Engine).bind
		signer, err := audit.LoadOrCreateSigner(f.env.KeyDir + "/audit.key")
		if err != nil {
			b.Fatal(err)
		}
		var rows int64
		for b.Loop() {
			b.StopTimer()
			seedAuditLog(b, f.env.DB, newSinceCheckpoint)
			b.StartTimer()
			n, err := rawCheckpoint(f.env.DB, q, signer)
			if err != nil {
				b.Fatal(err)
			}
			rows += n
		}
		b.ReportMetric(float64(rows)/float64(b.N), "log-rows/op")
	})
}

func rawCheckpoint(db *store.DB, q func(string) string, signer ed25519.PrivateKey) (int64, error) {
	rtx, err := db.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: db.Engine == store.Postgres, Isolation: isolation(db)})
	if err != nil {
		return 0, err
	}
	defer func() { _ = rtx.Rollback() }()
	var head, size int64
	var frontier, last []byte
	if err := rtx.QueryRow(`SELECT seq FROM audit_head WHERE id = 1`).Scan(&head); err != nil {
		return 0, err
	}
	if err := rtx.QueryRow(`SELECT size, frontier, last_hash FROM audit_tree WHERE id = 1`).Scan(&size, &frontier, &last); err != nil {
		return 0, err
	}
	tree, err := audit.LoadTree(size, frontier, last)
	if err != nil {
		return 0, err
	}
	rows, err := rtx.Query(q(`SELECT seq, prev_hash, hash FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`), size, head)
	if err != nil {
		return 0, err
	}
	var nodes []audit.Node
	var read int64
	for rows.Next() {
		var seq int64
		var prev, hash []byte
		if err := rows.Scan(&seq, &prev, &hash); err != nil {
			return 0, err
		}
		read++
		if err := tree.Append(seq, prev, hash, func(n audit.Node) { nodes = append(nodes, n) }); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	_ = rtx.Rollback()
	wtx, err := db.W.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return 0, err
	}
	defer func() { _ = wtx.Rollback() }() // after Commit it does nothing
	if _, err := wtx.Exec(q(`UPDATE audit_tree SET size = ?, frontier = ?, last_hash = ? WHERE id = 1 AND size = ?`), tree.Size(), tree.Frontier(), tree.Last(), size); err != nil {
		return 0, err
	}
	for _, n := range nodes {
		if _, err := wtx.Exec(q(`INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)`), int(n.Level), int64(n.Index), n.Hash); err != nil { // #nosec G115 -- small test indexes
			return 0, err
		}
	}
	now := db.Now()
	c := audit.SignCheckpoint(signer, audit.KeyID(signer.Public().(ed25519.PublicKey)), head, tree.Root(), now)
	if _, err := wtx.Exec(q(`INSERT INTO audit_checkpoints (size, root, at, key_id, sig) VALUES (?, ?, ?, ?, ?)`), c.Size, c.Root, store.Micros(c.At), c.KeyID, c.Sig); err != nil {
		return 0, err
	}
	return read, wtx.Commit()
}

// BenchmarkOldCheckpoint is the checkpoint as it was on main: every hash of
// the log read inside the write transaction, with the head locked. It is
// rolled back, so the other benchmarks' state is untouched.
func BenchmarkOldCheckpoint(b *testing.B) {
	eachCheckpointLog(b, func(b *testing.B, f *cpFixture) {
		var rows int64
		for b.Loop() {
			n, err := oldCheckpoint(f.env)
			if err != nil {
				b.Fatal(err)
			}
			rows += n
		}
		b.ReportMetric(float64(rows)/float64(b.N), "log-rows/op")
	})
}

var errRollback = errors.New("rolled back")

func oldCheckpoint(env *testenv.Env) (int64, error) {
	var n int64
	signer, err := audit.LoadOrCreateSigner(env.KeyDir + "/audit.key")
	if err != nil {
		return 0, err
	}
	err = env.DB.Update(ctx, func(tx *store.Tx) error {
		var head int64
		if err := tx.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`+tx.ForUpdate()).Scan(&head); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT hash FROM audit_log WHERE seq <= ? ORDER BY seq`, head)
		if err != nil {
			return err
		}
		defer rows.Close()
		leaves := make([][]byte, 0, head)
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				return err
			}
			leaves = append(leaves, h)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		n = int64(len(leaves))
		_ = audit.SignCheckpoint(signer, "old", head, audit.MerkleRoot(leaves), tx.Now)
		return errRollback
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return n, err
}

// BenchmarkWriteBesideCheckpoint times an audited request (a record read,
// which appends its audit entry in a write transaction) while a checkpoint
// runs every 100 ms, the door's or the former one, or none (the baseline on
// the same machine at the same time); p50, p99 and the worst request are
// reported. The requests see the checkpoint only if it holds the writer.
func BenchmarkWriteBesideCheckpoint(b *testing.B) {
	for _, kind := range []string{"none", "door", "old"} {
		b.Run(kind, func(b *testing.B) {
			eachCheckpointLog(b, func(b *testing.B, f *cpFixture) {
				cctx, stop := context.WithCancel(ctx)
				var wg sync.WaitGroup
				var cpErr error
				checkpoints := 0
				wg.Go(func() {
					for kind != "none" && cctx.Err() == nil {
						var err error
						if kind == "door" {
							_, err = f.env.Door.Checkpoint(cctx, true)
						} else {
							_, err = oldCheckpoint(f.env)
						}
						if err != nil && cctx.Err() == nil {
							cpErr = err
							return
						}
						checkpoints++
						select {
						case <-cctx.Done():
						case <-time.After(100 * time.Millisecond):
						}
					}
				})
				lat := make([]time.Duration, 0, b.N)
				for b.Loop() {
					t0 := time.Now()
					if _, err := f.env.Door.GetPerson(ctx, f.actor, f.person); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				stop()
				wg.Wait()
				if cpErr != nil {
					b.Fatal(cpErr)
				}
				slices.Sort(lat)
				ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
				b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
				b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
				b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
				b.ReportMetric(float64(checkpoints), "checkpoints")
			})
		})
	}
}

func isolation(db *store.DB) sql.IsolationLevel {
	if db.Engine == store.Postgres {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}
