package door_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/store"
)

// bigAuditLog is the larger log of the checkpoint tests and benchmarks:
// 200,000 entries by default, 50,000 with -short, and NRM_AUDIT_LOG_SIZE
// when set (1000000 for the 1M figure).
func bigAuditLog(tb testing.TB) int {
	if s := os.Getenv("NRM_AUDIT_LOG_SIZE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			tb.Fatalf("NRM_AUDIT_LOG_SIZE=%q: want a positive number", s)
		}
		return n
	}
	if testing.Short() {
		return 50_000
	}
	return 200_000
}

// seedAuditLog appends n synthetic, correctly chained entries after the
// current head with plain SQL, in transactions of 20,000: a fixture of
// data, not the door's write path.
func seedAuditLog(tb testing.TB, db *store.DB, n int) {
	tb.Helper()
	seedAudit(tb, db, n, func(int) string { return "" })
}

// seedAudit is seedAuditLog with the subject of entry i (0-based) named by
// subject: a person's id makes the entry feed the statistics refresh.
func seedAudit(tb testing.TB, db *store.DB, n int, subject func(i int) string) {
	tb.Helper()
	const perTx, perInsert = 20_000, 500
	for done := 0; done < n; {
		err := db.Update(ctx, func(tx *store.Tx) error {
			var seq int64
			var prev []byte
			if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &prev); err != nil {
				return err
			}
			at := tx.Now.Add(-time.Hour)
			todo := min(perTx, n-done)
			for i := 0; i < todo; i += perInsert {
				m := min(perInsert, todo-i)
				args := make([]any, 0, 15*m)
				for j := range m {
					seq++
					e := audit.Entry{Seq: seq, At: at.Add(time.Duration(seq) * time.Microsecond), ActorRole: "system",
						Action: "fixture.synthetic", Subject: subject(done + i + j), Outcome: "ok", RequestID: fmt.Sprint("fixture-", seq)}
					e.Seal(prev)
					prev = e.Hash
					args = append(args, e.Seq, store.Micros(e.At), e.ActorUser, e.ActorOrg, e.ActorRole, e.Action, e.Subject,
						"", e.Outcome, 0, nil, e.Remote, e.RequestID, e.PrevHash, e.Hash)
				}
				q := `INSERT INTO audit_log (seq, at, actor_user, actor_org, actor_role, action, subject, fields, outcome, break_glass, reason, remote, request_id, prev_hash, hash) VALUES ` +
					strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", m), ", ")
				if _, err := tx.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
			done += todo
			_, err := tx.Exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, prev)
			return err
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// auditHead reads the head's sequence number.
func auditHead(tb testing.TB, db *store.DB) int64 {
	tb.Helper()
	var head int64
	if err := db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&head)
	}); err != nil {
		tb.Fatal(err)
	}
	return head
}
