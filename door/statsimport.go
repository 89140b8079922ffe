package door

// Imports into the statistics (issue 13, part 5). A file is read in full
// into facts first, with no transaction open, and then written in one short
// transaction; one import runs at a time (a mutex in this instance and a
// lease row in the database for the others), and a second is told so at
// once. The web layer asks MayImportStatistics before it reads the first
// byte of an upload, and StartImport before it reads the file.

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// ErrImportBusy answers an import while another one runs.
var ErrImportBusy = nrm.Errorf(nrm.EConflict, "error.import_busy")

// importLease is how long an import may hold the database's import lease.
// The readers' bounds keep an import to seconds; the lease only matters
// when an instance dies mid-import, and then the next import waits this long.
const importLease = 10 * time.Minute

// importBatch is how many facts one INSERT statement writes (7 parameters
// each, well under both engines' limits).
const importBatch = 200

// MayImportStatistics answers whether the actor may load a dataset into the
// statistics (nil) or not (a forbidden error). Ask it before reading any
// byte of an upload: a refused upload is never read, spooled or parsed.
func (s *Service) MayImportStatistics(a *nrm.Actor) error {
	if !nrm.CanImportStatistics(a) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	return scoped(a, nrm.Write)
}

// DatasetImport is an import that holds the import slot: read the file, then
// Save, and Close in any case.
type DatasetImport struct {
	s      *Service
	a      *nrm.Actor
	holder string // this import's mark on the lease row
	held   bool   // the lease is still ours to give back
	closed bool
}

// StartImport takes the import slot for the actor, or answers ErrImportBusy
// when another import runs, here or on another instance.
func (s *Service) StartImport(ctx context.Context, a *nrm.Actor) (*DatasetImport, error) {
	if err := s.MayImportStatistics(a); err != nil {
		return nil, err
	}
	if !s.imports.TryLock() {
		return nil, ErrImportBusy
	}
	imp := &DatasetImport{s: s, a: a, holder: newID()}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE stat_import_lease SET holder = ?, expires_at = ? WHERE id = 1 AND (holder = '' OR expires_at < ?)`,
			imp.holder, store.Micros(tx.Now.Add(importLease)), store.Micros(tx.Now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		imp.held = n == 1
		return err
	})
	if err != nil || !imp.held {
		s.imports.Unlock()
		if err != nil {
			return nil, fail(err)
		}
		return nil, ErrImportBusy
	}
	return imp, nil
}

// Close gives the slot back; the lease too, when Save did not.
func (imp *DatasetImport) Close() {
	if imp.closed {
		return
	}
	imp.closed = true
	defer imp.s.imports.Unlock()
	if !imp.held {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := imp.s.db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE stat_import_lease SET holder = '', expires_at = 0 WHERE id = 1 AND holder = ?`, imp.holder)
		return err
	})
	if err != nil { // the lease expires on its own
		imp.s.log.Warn("statistics import: the lease was not given back", "err", err)
	}
}

// Save reads every fact (the file is parsed here, with no transaction open),
// then writes them into a new statistics-only dataset in one short
// transaction, all or nothing: a bad row stops the import and nothing of it
// is kept. The same transaction gives the lease back, and refuses to commit
// if the lease was lost.
func (imp *DatasetImport) Save(ctx context.Context, name, source string, facts iter.Seq2[stats.Fact, error]) (*Dataset, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, nrm.FieldError("name", "error.required")
	}
	if len([]rune(name)) > 200 {
		return nil, nrm.FieldError("name", "error.too_long", 200)
	}
	read, err := readFacts(facts)
	if err != nil {
		return nil, err
	}
	d := &Dataset{ID: newID(), Name: name, Source: source, Rows: len(read)}
	s, a := imp.s, imp.a
	err = s.access(ctx, a, ActStatsImport, func(tx *store.Tx) error {
		d.ImportedAt = tx.Now
		r := rollup{}
		for chunk := range slices.Chunk(read, importBatch) {
			args := make([]any, 0, 7*len(chunk))
			for _, f := range chunk {
				items := f.Items()
				r.add(&f, items, +1)
				args = append(args, d.ID, f.Key, int(f.From), int(f.To), f.Region, store.Int(f.Emergency), encodeItems(items))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO stat_facts (dataset, fact_key, p_from, p_to, region, emergency, items) VALUES `+
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(chunk)), ", "), args...); err != nil {
				return err
			}
		}
		if err := r.write(ctx, tx, d.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO stat_datasets (id, name, source, rows_read, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?)`,
			d.ID, d.Name, d.Source, d.Rows, store.Micros(tx.Now), a.UserID); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE stat_import_lease SET holder = '', expires_at = 0 WHERE id = 1 AND holder = ?`, imp.holder)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return ErrImportBusy // the lease ran out and another import took it
		}
		tx.AfterCommit(func() { imp.held = false })
		return s.appendAudit(ctx, tx, a, event{action: ActStatsImport, subject: d.ID, fields: []string{source, fmt.Sprintf("rows:%d", d.Rows)}})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// readFacts gathers the facts of a file, at most DefaultImportLimits.Rows
// of them; the first error stops it.
func readFacts(facts iter.Seq2[stats.Fact, error]) ([]stats.Fact, error) {
	var out []stats.Fact
	limit := stats.DefaultImportLimits.Rows
	for f, err := range facts {
		if err != nil {
			return nil, err
		}
		if len(out) == limit {
			return nil, nrm.FieldError("file", "error.import_limit_rows", limit)
		}
		out = append(out, f)
	}
	return out, nil
}

// ImportDataset loads facts into a new statistics-only dataset, all or
// nothing, holding the import slot throughout (StartImport, Save, Close).
// The facts are read before any write transaction opens.
func (s *Service) ImportDataset(ctx context.Context, a *nrm.Actor, name, source string, facts iter.Seq2[stats.Fact, error]) (*Dataset, error) {
	imp, err := s.StartImport(ctx, a)
	if err != nil {
		return nil, err
	}
	defer imp.Close()
	return imp.Save(ctx, name, source, facts)
}
