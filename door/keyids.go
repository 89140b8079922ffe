package door

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// The database records which keys its contents were written under
// (key_ids): every key-encryption key that wrapped a data key, recorded in
// the transaction that wrapped it; the blind-index key; the audit
// checkpoint signing key. Opening the door compares them with the keys the
// process holds and refuses, naming the missing key, rather than serve a
// register whose every record fails to decrypt while new ones are accepted
// under new keys.

// Kinds of key in key_ids.
const (
	keyKEK   = "kek"
	keyIndex = "index"
	keyAudit = "audit"
)

// KeyIDs are the keys a database was written under.
type KeyIDs struct {
	KEK   []string // key-encryption keys (Tink key ids) that wrapped data keys
	Index []string // blind-index keys
	Audit []string // audit checkpoint signing keys (audit.KeyID)
}

// kindIDs is the key ids of one kind.
type kindIDs struct {
	kind string
	ids  []string
}

// byKind lists the key ids kind by kind.
func (k KeyIDs) byKind() []kindIDs {
	return []kindIDs{{keyKEK, k.KEK}, {keyIndex, k.Index}, {keyAudit, k.Audit}}
}

// Empty reports a database written under no key yet.
func (k KeyIDs) Empty() bool { return len(k.KEK)+len(k.Index)+len(k.Audit) == 0 }

// ReadKeyIDs reads the keys a database — or a backup, before it is
// restored — was written under. A kind with nothing recorded (a database
// from before the record) is read from the data itself: the key-encryption
// key in every wrapped data key, the signer of every checkpoint.
func ReadKeyIDs(ctx context.Context, src store.TableReader) (KeyIDs, error) {
	var k KeyIDs
	err := src.ReadTable(ctx, "key_ids", []store.Column{{Name: "kind"}, {Name: "key_id"}}, func(r [][]byte) error {
		switch string(r[0]) {
		case keyKEK:
			k.KEK = append(k.KEK, string(r[1]))
		case keyIndex:
			k.Index = append(k.Index, string(r[1]))
		case keyAudit:
			k.Audit = append(k.Audit, string(r[1]))
		}
		return nil
	})
	if err != nil {
		return k, fmt.Errorf("key ids: %w", err)
	}
	if len(k.KEK) == 0 {
		err = src.ReadTable(ctx, "subject_keys", []store.Column{{Name: "wrapped", Binary: true}}, func(r [][]byte) error {
			id, err := vault.WrappedKeyID(r[0])
			if err != nil {
				return fmt.Errorf("a stored data key is not a wrapped key: %w", err)
			}
			if s := strconv.FormatUint(uint64(id), 10); !slices.Contains(k.KEK, s) {
				k.KEK = append(k.KEK, s)
			}
			return nil
		})
	}
	if err == nil && len(k.Audit) == 0 {
		err = src.ReadTable(ctx, "audit_checkpoints", []store.Column{{Name: "key_id"}}, func(r [][]byte) error {
			if !slices.Contains(k.Audit, string(r[0])) {
				k.Audit = append(k.Audit, string(r[0]))
			}
			return nil
		})
	}
	for _, ids := range [][]string{k.KEK, k.Index, k.Audit} {
		slices.Sort(ids)
	}
	if err != nil {
		return k, fmt.Errorf("key ids: %w", err)
	}
	return k, nil
}

// MissingKeyError names a key the database was written under that the
// process does not hold.
type MissingKeyError struct {
	Kind string   // "kek", "index" or "audit"
	ID   string   // the key the database needs
	Have []string // the keys of that kind the process holds
	Note string   // why none is held, when known (a missing file)
}

func (e *MissingKeyError) Error() string {
	what, where := "key-encryption key", "the keyset in the key directory (--key-dir, --master-key-file)"
	switch e.Kind {
	case keyIndex:
		what = "blind-index key"
	case keyAudit:
		what, where = "audit checkpoint signing key", "the audit key file (--audit-key-file)"
	}
	detail := "it holds " + strings.Join(e.Have, ", ")
	if e.Note != "" {
		detail = e.Note
	} else if len(e.Have) == 0 {
		detail = "it holds none"
	}
	return fmt.Sprintf("the database was written under %s %s, which %s does not hold (%s): "+
		"restore the keys from their backup; nrm never makes new keys beside data written under others", what, e.ID, where, detail)
}

// MissingKeysError is a MissingKeyError for keys that are not there at all
// (a key directory or file missing): note says which.
func MissingKeysError(k KeyIDs, note string) error {
	for _, c := range k.byKind() {
		if len(c.ids) > 0 {
			return &MissingKeyError{Kind: c.kind, ID: c.ids[0], Note: note}
		}
	}
	return nil
}

// CheckKeys fails with a *MissingKeyError when the database was written
// under a key that v or the audit signer (auditKeyID) does not hold.
func (k KeyIDs) CheckKeys(v *vault.Vault, auditKeyID string) error {
	kek, index := v.HeldKeyIDs()
	held := KeyIDs{KEK: idStrings(kek), Index: idStrings(index), Audit: []string{auditKeyID}}.byKind()
	for i, c := range k.byKind() {
		for _, id := range c.ids {
			if !slices.Contains(held[i].ids, id) {
				return &MissingKeyError{Kind: c.kind, ID: id, Have: held[i].ids}
			}
		}
	}
	return nil
}

func idStrings(ids []uint32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatUint(uint64(id), 10)
	}
	return out
}

// keyRecord remembers which key ids this process knows to be recorded, so
// a data key wrapped under an already recorded key costs no extra write.
type keyRecord struct{ seen sync.Map }

// recordKey records in tx that the database holds data under the key.
func (s *Service) recordKey(ctx context.Context, tx *store.Tx, kind, id string) error {
	name := kind + ":" + id
	if _, ok := s.keys.seen.Load(name); ok {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO key_ids (kind, key_id, recorded_at) VALUES (?, ?, ?) ON CONFLICT (kind, key_id) DO NOTHING`,
		kind, id, store.Micros(tx.Now)); err != nil {
		return err
	}
	tx.AfterCommit(func() { s.keys.seen.Store(name, true) })
	return nil
}

// recordWrap records the key-encryption key that wrapped a data key.
func (s *Service) recordWrap(ctx context.Context, tx *store.Tx, wrapped []byte) error {
	id, err := vault.WrappedKeyID(wrapped)
	if err != nil {
		return err
	}
	return s.recordKey(ctx, tx, keyKEK, strconv.FormatUint(uint64(id), 10))
}

// recordKeys records, once the database's own keys have been found held
// (see New), the keys this process writes under, and those of want that
// were read from the data of a database from before the record.
func (s *Service) recordKeys(ctx context.Context, tx *store.Tx, want KeyIDs) error {
	primary, _ := s.vault.KeyInfo()
	keys := [][2]string{
		{keyKEK, strconv.FormatUint(uint64(primary), 10)},
		{keyIndex, strconv.FormatUint(uint64(s.vault.IndexKeyID()), 10)},
		{keyAudit, s.keyID},
	}
	for _, c := range want.byKind() {
		for _, id := range c.ids {
			keys = append(keys, [2]string{c.kind, id})
		}
	}
	for _, k := range keys {
		if err := s.recordKey(ctx, tx, k[0], k[1]); err != nil {
			return err
		}
	}
	return nil
}
