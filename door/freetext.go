package door

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Free text that can identify a person is encrypted like every other such
// field. Three columns were once stored in clear:
//
//   - receiving_contacts.organisation, the organisation a returning person
//     is received by: about one person, so under that person's data key
//     (and crypto-shredded with it);
//   - advisory_recs.body, a recommendation of the Advisory Board (whose
//     members include people with lived experience, who may tell their
//     own story in it), and feedback_campaigns.title, which an
//     organisation may name after a place or a group: neither belongs to
//     one person, so there is no person's key to use and nothing to shred
//     with one. They are sealed under a system data key of their own
//     ("sys:advisory_recs", "sys:feedback_campaigns"), like the anonymous
//     feedback comments and the audit reasons: the database and its
//     backups alone no longer show them; the key-encryption key outside
//     the database is needed, and rotates with every other key.
//
// Every cell is bound to its table, column and row (the vault's associated
// data), so a ciphertext moved to another cell does not open.
//
// Migration 0010 moved the plaintext of rows written before it into a
// <column>_plain column and made <column> a byte column. The door cannot
// run inside a migration (it needs the keys), so it finishes the job when
// it opens: sealLegacy encrypts every such value into its column and
// empties the _plain column, then scrubs the tables so the plaintext
// leaves the files. The _plain columns stay (empty) until a later
// migration drops them, once every installation has started once.

// legacyText is one column migration 0012 moved aside.
type legacyText struct {
	table, column string
	perPerson     bool // sealed with the person's key (the table has person_id)
}

var legacyTexts = []legacyText{
	{"receiving_contacts", "organisation", true},
	{"advisory_recs", "body", false},
	{"feedback_campaigns", "title", false},
}

// legacyBatch bounds how many cells one transaction seals.
const legacyBatch = 200

// ActSealLegacy is the audit action of sealing free text left in clear.
const ActSealLegacy = "freetext.seal"

// sealLegacy seals the free text migration 0012 left in clear. It is
// idempotent and cheap when there is nothing to do (one query per column).
func (s *Service) sealLegacy(ctx context.Context) error {
	var tables []string
	for _, l := range legacyTexts {
		n, err := s.sealLegacyColumn(ctx, l)
		if err != nil {
			return fmt.Errorf("door: sealing %s.%s: %w", l.table, l.column, err)
		}
		if n > 0 {
			tables = append(tables, l.table)
		}
	}
	if len(tables) == 0 {
		return nil
	}
	// The plaintext must leave the files too (SQLite: secure_delete and a
	// checkpoint; PostgreSQL: the tables rewritten, VACUUM FULL, since a
	// plain VACUUM leaves the dead versions' bytes in the free space).
	return s.db.Rewrite(ctx, tables...)
}

func (s *Service) sealLegacyColumn(ctx context.Context, l legacyText) (int, error) {
	a := nrm.SystemActor("migration")
	plain := l.column + "_plain"
	total := 0
	for {
		n := 0
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			q := `SELECT t.id, '', 0, t.` + plain + ` FROM ` + l.table + ` t WHERE t.` + plain + ` IS NOT NULL ORDER BY t.id LIMIT ?`
			if l.perPerson {
				q = `SELECT t.id, t.person_id, p.erased_at, t.` + plain + ` FROM ` + l.table + ` t JOIN persons p ON p.id = t.person_id
					WHERE t.` + plain + ` IS NOT NULL ORDER BY t.id LIMIT ?`
			}
			type cell struct {
				id, person string
				erased     int64
				text       string
			}
			cells, err := collect(ctx, tx, func(r *sql.Rows) (cell, error) {
				var c cell
				return c, r.Scan(&c.id, &c.person, &c.erased, &c.text)
			}, q, legacyBatch)
			if err != nil || len(cells) == 0 {
				return err
			}
			for _, c := range cells {
				var ct []byte
				switch {
				case l.perPerson && c.erased != 0:
					// The person's record was erased: the text goes with it.
				case l.perPerson:
					d, err := s.dek(ctx, tx, c.person, false)
					if err != nil {
						return err
					}
					if ct, err = d.Seal([]byte(c.text), l.table, l.column, c.id); err != nil {
						return err
					}
				default:
					if ct, err = s.sealSystem(ctx, tx, l.table, l.column, c.id, []byte(c.text)); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(ctx, `UPDATE `+l.table+` SET `+l.column+` = ?, `+plain+` = NULL WHERE id = ?`, ct, c.id); err != nil {
					return err
				}
			}
			n = len(cells)
			return s.appendAudit(ctx, tx, a, event{action: ActSealLegacy, fields: []string{l.table + "." + l.column, fmt.Sprintf("rows:%d", n)}})
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < legacyBatch {
			return total, nil
		}
	}
}

// openSystemText decrypts text sealed with sealSystem; no ciphertext is
// no text.
func (s *Service) openSystemText(ctx context.Context, tx *store.Tx, purpose, column, record string, ct []byte) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	pt, err := s.openSystem(ctx, tx, purpose, column, record, ct)
	return string(pt), err
}
