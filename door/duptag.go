package door

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// dupHit is a duplicate candidate; the ciphertext of its name and birth
// date is read only when it has no tag.
type dupHit struct {
	id, code, nationality, tag string
	given, family, birth       []byte
}

// untaggedOnly selects a ciphertext column for a row without a duplicate
// tag only.
func untaggedOnly(col string) string {
	return `CASE WHEN dup_tag = '' THEN ` + col + ` END`
}

// untaggedDupMatch decrypts the name and birth date of a candidate without
// a duplicate tag and reports whether its duplicate key is key. An erased
// (crypto-shredded) candidate has nothing left to match.
func (s *Service) untaggedDupMatch(ctx context.Context, tx *store.Tx, h dupHit, key string) (bool, error) {
	d, err := s.dek(ctx, tx, h.id, false)
	if err != nil {
		return false, nil
	}
	id, err := openDupFields(d, h.id, h.given, h.family, h.birth)
	if err != nil {
		return false, err
	}
	return dupKey(id, h.nationality) == key, nil
}

// openDupFields opens the identity fields the duplicate key is made of.
func openDupFields(d *vault.DEK, id string, given, family, birth []byte) (*nrm.Identity, error) {
	var out nrm.Identity
	for _, c := range []struct {
		col string
		ct  []byte
		dst *string
	}{{"given_name", given, &out.GivenName}, {"family_name", family, &out.FamilyName}, {"birth_date", birth, &out.BirthDate}} {
		if len(c.ct) == 0 {
			continue
		}
		pt, err := d.Open(c.ct, "persons", c.col, id)
		if err != nil {
			return nil, err
		}
		*c.dst = string(pt)
	}
	return &out, nil
}

// ActDupTagBackfill is the audit action of a batch of the duplicate-tag
// backfill: the door decrypted the names and birth dates of the rows named
// in the count to compute their tags (in memory; nothing in clear kept).
const ActDupTagBackfill = "duplicates.tag"

// dupTagBatch is how many rows one backfill transaction tags: a short hold
// of the writer, a few milliseconds.
const dupTagBatch = 100

// BackfillDupTags computes the duplicate tag of every row written before
// the tag existed (dup_tag ” with a duplicate index), in short write
// transactions of dupTagBatch rows, each with its audit entry, walking the
// rows by id so that a row it cannot open (its key gone) is passed over
// once. It returns how many rows it tagged. Until a row is tagged the
// duplicate check decrypts it instead, so running late loses nothing.
func (s *Service) BackfillDupTags(ctx context.Context) (int, error) {
	a := nrm.SystemActor("duplicates")
	total, after := 0, ""
	for {
		var n, seen int
		next := after
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			n, seen = 0, 0 // a retried transaction starts again
			type row struct {
				id, nationality      string
				given, family, birth []byte
			}
			rows, err := collect(ctx, tx, func(r *sql.Rows) (row, error) {
				var w row
				return w, r.Scan(&w.id, &w.nationality, &w.given, &w.family, &w.birth)
			}, `SELECT id, nationality, given_name, family_name, birth_date FROM persons
				WHERE dup_tag = '' AND dup_bidx <> '' AND id > ? ORDER BY id LIMIT ?`, after, dupTagBatch)
			if err != nil || len(rows) == 0 {
				return err
			}
			seen, next = len(rows), rows[len(rows)-1].id
			for _, w := range rows {
				d, err := s.dek(ctx, tx, w.id, false)
				if err != nil {
					continue // erased (crypto-shredded): nothing to tag
				}
				id, err := openDupFields(d, w.id, w.given, w.family, w.birth)
				if err != nil {
					return err
				}
				_, dup, tag := s.blindIndexes(id, w.nationality)
				if tag == "" {
					continue
				}
				if _, err := tx.Exec(ctx, `UPDATE persons SET dup_bidx = ?, dup_tag = ? WHERE id = ?`, dup, tag, w.id); err != nil {
					return err
				}
				n++
			}
			return s.appendAudit(ctx, tx, a, event{action: ActDupTagBackfill, fields: []string{"identity", fmt.Sprintf("rows:%d", n)}})
		})
		if err != nil {
			return total, fail(err)
		}
		total, after = total+n, next
		if seen < dupTagBatch {
			return total, nil
		}
	}
}
