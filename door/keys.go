package door

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// Each person has a data key of their own (wrapped by the key-encryption key
// held outside the database), so erasing one person's identity is deleting
// one row: crypto-shredding. System secrets (TOTP seeds, audit reasons) use
// keys named "sys:<purpose>".

// dek returns the subject's data key, creating it when create is set.
func (s *Service) dek(ctx context.Context, tx *store.Tx, subject string, create bool) (*vault.DEK, error) {
	var wrapped []byte
	err := tx.QueryRow(ctx, `SELECT wrapped FROM subject_keys WHERE subject_id = ?`, subject).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		if !create {
			return nil, fmt.Errorf("no data key for subject")
		}
		w, d, err := s.vault.NewDEK(subject)
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO subject_keys (subject_id, wrapped, created_at) VALUES (?, ?, ?)`, subject, w, store.Micros(tx.Now)); err != nil {
			return nil, err
		}
		return d, s.recordWrap(ctx, tx, w)
	} else if err != nil {
		return nil, err
	}
	return s.vault.DEK(subject, wrapped)
}

func (s *Service) sealSystem(ctx context.Context, tx *store.Tx, purpose, column, record string, pt []byte) ([]byte, error) {
	d, err := s.dek(ctx, tx, "sys:"+purpose, true)
	if err != nil {
		return nil, err
	}
	return d.Seal(pt, purpose, column, record)
}

func (s *Service) openSystem(ctx context.Context, tx *store.Tx, purpose, column, record string, ct []byte) ([]byte, error) {
	d, err := s.dek(ctx, tx, "sys:"+purpose, false)
	if err != nil {
		return nil, err
	}
	return d.Open(ct, purpose, column, record)
}

// RotateKeys makes a new key-encryption key primary and re-wraps every data
// key under it in batches, while the service keeps serving: a data key is
// readable under the old and the new key until the batch that re-wraps it
// commits. It returns how many data keys were re-wrapped.
func (s *Service) RotateKeys(ctx context.Context) (int, error) {
	if err := s.vault.Rotate(); err != nil {
		return 0, err
	}
	n := 0
	after := ""
	for {
		type row struct {
			id      string
			wrapped []byte
		}
		var batch []row
		err := s.db.View(ctx, func(tx *store.Tx) error {
			rows, err := tx.Query(ctx, `SELECT subject_id, wrapped FROM subject_keys WHERE subject_id > ? ORDER BY subject_id LIMIT 500`, after)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.id, &r.wrapped); err != nil {
					return err
				}
				batch = append(batch, r)
			}
			return rows.Err()
		})
		if err != nil {
			return n, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].id
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			for _, r := range batch {
				if !s.vault.NeedsRewrap(r.wrapped) {
					continue
				}
				w, changed, err := s.vault.Rewrap(r.id, r.wrapped)
				if err != nil {
					return err
				}
				if !changed {
					continue
				}
				// Only replace the exact value read, so a concurrent shred is never undone.
				if _, err := tx.Exec(ctx, `UPDATE subject_keys SET wrapped = ? WHERE subject_id = ? AND wrapped = ?`, w, r.id, r.wrapped); err != nil {
					return err
				}
				if err := s.recordWrap(ctx, tx, w); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		return s.appendAudit(ctx, tx, nil, event{action: ActKeysRotate, fields: []string{fmt.Sprint(n)}})
	})
	return n, err
}
