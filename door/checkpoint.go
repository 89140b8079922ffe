package door

// Signed audit checkpoints in constant work (issue 21). The Merkle tree's
// state — the RFC 6962 compact range over entries 1..size, audit.Tree — is
// kept in audit_tree. A checkpoint reads, in one snapshot on the reader
// side, only the entries after the stored state, appends them, and then
// stores the new state, the interior nodes it completed and the signed
// checkpoint in one short write transaction: the log is never read while
// the writer is held, and the work is O(new entries + log n), whatever the
// size of the log.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/store"
)

// treeRound bounds the entries one round appends before the state is
// stored, so that the first checkpoint over an existing log (after the
// migration that added the state) catches up in short writes too.
const treeRound = 16384

// nodeInsertRows is how many interior nodes one INSERT statement carries.
const nodeInsertRows = 100

// CheckpointRun is what one checkpoint did: the checkpoint it signed (nil
// when none was due) and its work, counted rather than timed.
type CheckpointRun struct {
	Checkpoint *audit.Checkpoint
	LogRows    int64 // audit_log rows read: the entries after the stored tree state
	NodesKept  int64 // interior nodes stored for consistency proofs
	Writes     int   // write transactions (short: no log row is read inside one)
	// Longest is the longest of those from its first statement to its
	// commit: how long the checkpoint held the writer (for benchmarks).
	Longest time.Duration
}

// errTreeMoved means another checkpoint stored the tree state first.
var errTreeMoved = errors.New("audit tree state moved")

// Checkpoint signs the Merkle root of the whole audit log if at least
// CheckpointEvery entries (or force) came since the last checkpoint. It
// returns the checkpoint written, or nil.
func (s *Service) Checkpoint(ctx context.Context, force bool) (*audit.Checkpoint, error) {
	run, err := s.RunCheckpoint(ctx, force)
	return run.Checkpoint, err
}

// RunCheckpoint is Checkpoint, reporting the work it did.
func (s *Service) RunCheckpoint(ctx context.Context, force bool) (CheckpointRun, error) {
	var run CheckpointRun
	for moved := 0; ; {
		done, err := s.checkpointRound(ctx, force, &run)
		switch {
		case errors.Is(err, errTreeMoved) && moved < 8:
			moved++ // a concurrent checkpoint advanced the tree: start from its state
		case err != nil:
			return run, err
		case done:
			return run, nil
		}
	}
}

// treeWork is one round: the state read, and what appending made of it.
type treeWork struct {
	head, last int64 // the audit head and the last checkpoint's size
	from       int64 // the stored tree's size
	tree       *audit.Tree
	nodes      []audit.Node
}

// checkpointRound reads the state and the entries after it (at most
// treeRound) in one snapshot, then stores the new state — with a signed
// checkpoint once it reaches the head read — in one short write. done
// reports that no checkpoint is due or that one was signed.
func (s *Service) checkpointRound(ctx context.Context, force bool, run *CheckpointRun) (done bool, err error) {
	var w treeWork
	due := false
	err = s.db.Snapshot(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&w.head); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&w.last); err != nil {
			return err
		}
		if w.head == w.last || (!force && w.head-w.last < s.set.CheckpointEvery) {
			return nil
		}
		due = true
		var err error
		if w.tree, err = loadTree(ctx, tx); err != nil {
			return err
		}
		w.from = w.tree.Size()
		return s.appendEntries(ctx, tx, &w, min(w.head, w.from+treeRound), run)
	})
	if err != nil || !due {
		return !due, err
	}
	if s.checkpointHook != nil {
		s.checkpointHook()
	}
	var cp *audit.Checkpoint
	var start time.Time
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		cp, start = nil, time.Now()
		if err := storeTree(ctx, tx, &w); err != nil {
			return err
		}
		if w.tree.Size() < w.head {
			return nil // more rounds to go
		}
		c := audit.SignCheckpoint(s.signer, s.keyID, w.head, w.tree.Root(), tx.Now)
		if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, root, at, key_id, sig) VALUES (?, ?, ?, ?, ?)`,
			c.Size, c.Root, store.Micros(c.At), c.KeyID, c.Sig); err != nil {
			return err
		}
		cp = &c
		return nil
	})
	if err != nil {
		return false, err
	}
	run.Writes++
	run.Longest = max(run.Longest, time.Since(start))
	run.NodesKept += int64(len(w.nodes))
	if cp != nil {
		run.Checkpoint = cp
		return true, nil
	}
	return false, nil
}

// loadTree reads the stored tree state.
func loadTree(ctx context.Context, tx *store.Tx) (*audit.Tree, error) {
	var size int64
	var frontier, last []byte
	if err := tx.QueryRow(ctx, `SELECT size, frontier, last_hash FROM audit_tree WHERE id = 1`).Scan(&size, &frontier, &last); err != nil {
		return nil, fmt.Errorf("audit tree state: %w", err)
	}
	return audit.LoadTree(size, frontier, last)
}

// appendEntries appends the entries after the tree up to upto, checking
// that each follows the previous one in the hash chain.
func (s *Service) appendEntries(ctx context.Context, tx *store.Tx, w *treeWork, upto int64, run *CheckpointRun) error {
	rows, err := tx.Query(ctx, `SELECT seq, prev_hash, hash FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`, w.from, upto)
	if err != nil {
		return err
	}
	defer rows.Close()
	keep := func(n audit.Node) { w.nodes = append(w.nodes, n) }
	for rows.Next() {
		var seq int64
		var prev, hash []byte
		if err := rows.Scan(&seq, &prev, &hash); err != nil {
			return err
		}
		run.LogRows++
		if err := w.tree.Append(seq, prev, hash, keep); err != nil {
			return fmt.Errorf("audit checkpoint refused: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if w.tree.Size() != upto {
		return &audit.Problem{Seq: w.tree.Size() + 1, Kind: audit.KindGap, Detail: fmt.Sprintf(
			"the log ends at %d but its head says %d", w.tree.Size(), w.head)}
	}
	return nil
}

// storeTree moves the stored state from w.from to the new tree, if no other
// checkpoint moved it meanwhile, and keeps the interior nodes completed.
func storeTree(ctx context.Context, tx *store.Tx, w *treeWork) error {
	res, err := tx.Exec(ctx, `UPDATE audit_tree SET size = ?, frontier = ?, last_hash = ? WHERE id = 1 AND size = ?`,
		w.tree.Size(), w.tree.Frontier(), w.tree.Last(), w.from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return errTreeMoved
	}
	for i := 0; i < len(w.nodes); i += nodeInsertRows {
		batch := w.nodes[i:min(i+nodeInsertRows, len(w.nodes))]
		args := make([]any, 0, 3*len(batch))
		for _, n := range batch {
			args = append(args, int(n.Level), int64(n.Index), n.Hash) // #nosec G115 -- node indexes are below the log size, an int64
		}
		q := `INSERT INTO audit_nodes (level, idx, hash) VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(batch)), ", ")
		if _, err := tx.Exec(ctx, q+` ON CONFLICT (level, idx) DO NOTHING`, args...); err != nil {
			return fmt.Errorf("audit nodes: %w", err)
		}
	}
	return nil
}

// Consistency is a consistency proof between two sizes of the log, with
// the rows it took to build it.
type Consistency struct {
	From, To int64
	Proof    [][]byte
	NodeRows int // audit_nodes rows read: O(log n)
	LogRows  int // audit_log rows read for the nodes below audit.StoredLevel: at most 60
}

// ConsistencyProof proves that the log of the first from entries is a
// prefix of the log of the first to entries (RFC 6962), from the stored
// tree nodes: O(log n) rows, whatever the size of the log. to may not
// exceed the size of the stored tree (the last checkpoint's size, or
// beyond). Check the proof with audit.VerifyConsistency against the two
// checkpoints' roots.
func (s *Service) ConsistencyProof(ctx context.Context, from, to int64) (*Consistency, error) {
	c := &Consistency{From: from, To: to}
	err := s.db.Snapshot(ctx, func(tx *store.Tx) error {
		var size int64
		if err := tx.QueryRow(ctx, `SELECT size FROM audit_tree WHERE id = 1`).Scan(&size); err != nil {
			return err
		}
		if from < 0 || to < from || to > size {
			return fmt.Errorf("audit: no consistency proof from %d to %d entries: the stored tree holds %d (sign a checkpoint first)", from, to, size)
		}
		var err error
		c.Proof, err = audit.ProveConsistency(from, to, func(level uint, index uint64) ([]byte, error) {
			return c.node(ctx, tx, audit.Node{Level: level, Index: index})
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// node reads a stored interior node, or recomputes a low one from the
// entry hashes it covers.
func (c *Consistency) node(ctx context.Context, tx *store.Tx, n audit.Node) ([]byte, error) {
	if n.Level >= audit.StoredLevel {
		var h []byte
		c.NodeRows++
		err := tx.QueryRow(ctx, `SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?`, int(n.Level), int64(n.Index)).Scan(&h) // #nosec G115 -- node indexes are below the log size
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("audit: tree node %d/%d is missing", n.Level, n.Index)
		}
		return h, err
	}
	first, last := n.Seqs()
	leaves, err := collect(ctx, tx, func(r *sql.Rows) ([]byte, error) {
		var h []byte
		return h, r.Scan(&h)
	}, `SELECT hash FROM audit_log WHERE seq >= ? AND seq <= ? ORDER BY seq`, first, last)
	if err != nil {
		return nil, err
	}
	c.LogRows += len(leaves)
	if int64(len(leaves)) != last-first+1 {
		return nil, fmt.Errorf("audit: entries %d..%d: %d found", first, last, len(leaves))
	}
	return audit.MerkleRoot(leaves), nil
}
