package app

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/vault"
)

// openKeys opens the vault and the audit signer for a database written
// under want. A fresh database gets new keys; for one written under keys
// nothing is created: a missing key directory, keyset or audit key, or a
// key the database needs that they do not hold, is refused, named.
func (c *Config) openKeys(want door.KeyIDs) (*vault.Vault, ed25519.PrivateKey, error) {
	vc := vault.Config{KeyDir: c.KeyDir, NoCreate: !want.Empty()}
	if c.MasterKeyFile != "" {
		b, err := os.ReadFile(c.MasterKeyFile) // #nosec G304 -- operator-supplied key file
		if err != nil {
			return nil, nil, fmt.Errorf("master key: %w", err)
		}
		if vc.MasterSecret, err = vault.ParseMasterSecret(strings.TrimSpace(string(b))); err != nil {
			return nil, nil, fmt.Errorf("master key: %w", err)
		}
	}
	v, err := vault.Open(vc)
	if errors.Is(err, vault.ErrNoKeys) {
		return nil, nil, door.MissingKeysError(want, err.Error())
	}
	if err != nil {
		return nil, nil, err
	}
	if len(want.Audit) > 0 {
		if _, err := os.Stat(c.AuditKeyFile); errors.Is(err, fs.ErrNotExist) {
			return nil, nil, &door.MissingKeyError{Kind: "audit", ID: want.Audit[0], Note: c.AuditKeyFile + " is missing"}
		}
	}
	signer, err := audit.LoadOrCreateSigner(c.AuditKeyFile)
	if err != nil {
		return nil, nil, err
	}
	if err := want.CheckKeys(v, audit.KeyID(signer.Public().(ed25519.PublicKey))); err != nil {
		return nil, nil, err
	}
	return v, signer, nil
}
