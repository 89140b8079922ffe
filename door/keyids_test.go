package door_test

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// TestKeyIDsRecordedAndChecked: the database records every key its
// contents were written under — the key-encryption key of each data key in
// the transaction that wrapped it, rotations included, the blind-index key
// and the audit signer — and opening the door over it with keys that do not
// hold one of them is refused, naming it. A database from before the record
// has its keys read from the data itself.
func TestKeyIDsRecordedAndChecked(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		if _, err := w.Door.CreatePerson(ctx, w.cm, input("Key", "Ids", "before rotation")); err != nil {
			t.Fatal(err)
		}
		first, _ := w.Vault.KeyInfo()
		if _, err := w.Door.RotateKeys(ctx); err != nil {
			t.Fatal(err)
		}
		second, _ := w.Vault.KeyInfo()
		if _, err := w.Door.CreatePerson(ctx, w.cm, input("Key", "Ids", "after rotation")); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.Checkpoint(ctx, true); err != nil {
			t.Fatal(err)
		}
		signer := audit.KeyID(w.Door.PublicKey())
		got, err := door.ReadKeyIDs(ctx, w.DB)
		if err != nil {
			t.Fatal(err)
		}
		want := door.KeyIDs{KEK: ids(first, second), Index: ids(w.Vault.IndexKeyID()), Audit: []string{signer}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("recorded %+v, want %+v", got, want)
		}
		// A database from before the record: read from the wrapped data
		// keys (all under the second key once rotated) and the checkpoints.
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM key_ids`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		got, err = door.ReadKeyIDs(ctx, w.DB)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(door.KeyIDs{KEK: ids(second), Audit: []string{signer}}) {
			t.Fatalf("read from the data: %+v %v", got, err)
		}
		// Other keys are refused, naming the key the data needs.
		other, err := vault.Open(vault.Config{KeyDir: filepath.Join(t.TempDir(), "other")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = door.New(ctx, w.DB, other, signerKey(t), door.Settings{}, slog.New(slog.DiscardHandler))
		var missing *door.MissingKeyError
		if !errors.As(err, &missing) || missing.Kind != "kek" || missing.ID != ids(second)[0] {
			t.Fatalf("another deployment's keys: %v", err)
		}
		// The right vault with another audit signer is refused too.
		_, err = door.New(ctx, w.DB, w.Vault, signerKey(t), door.Settings{}, slog.New(slog.DiscardHandler))
		if !errors.As(err, &missing) || missing.Kind != "audit" || missing.ID != signer {
			t.Fatalf("another audit key: %v", err)
		}
		// The right keys open it, and the record is back.
		if _, err := door.New(ctx, w.DB, w.Vault, w.signer(t), door.Settings{}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if got, _ := door.ReadKeyIDs(ctx, w.DB); !slices.Contains(got.Index, ids(w.Vault.IndexKeyID())[0]) {
			t.Fatalf("reopening records the keys again: %+v", got)
		}
		// Keys read from the data are recorded too, not only the primary:
		// here the data keys stay under the second key while a third is
		// made primary without re-wrapping.
		if err := w.Vault.Rotate(); err != nil {
			t.Fatal(err)
		}
		third, _ := w.Vault.KeyInfo()
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM key_ids`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := door.New(ctx, w.DB, w.Vault, w.signer(t), door.Settings{}, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if got, _ := door.ReadKeyIDs(ctx, w.DB); fmt.Sprint(got.KEK) != fmt.Sprint(ids(second, third)) {
			t.Fatalf("recorded key-encryption keys %v, want the data's and the primary %v", got.KEK, ids(second, third))
		}
	})
}

func ids(keys ...uint32) []string {
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprint(k))
	}
	slices.Sort(out)
	return out
}

// signerKey is a fresh audit signing key.
func signerKey(t *testing.T) ed25519.PrivateKey {
	k, err := audit.LoadOrCreateSigner(filepath.Join(t.TempDir(), "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signer is the world's own audit signing key.
func (w *world) signer(t *testing.T) ed25519.PrivateKey {
	k, err := audit.LoadOrCreateSigner(filepath.Join(w.KeyDir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
