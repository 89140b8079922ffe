// Package door is the one door to case data. Every read and write of a
// person's record — from web pages, the JSON API, exports and background
// jobs — is a method of Service. Each method, in one database transaction:
//
//  1. works out how the actor stands to the record (own organisation,
//     assigned, disclosed to their organisation under an active consent or
//     legal basis, break-glass),
//  2. asks the policy (nrm.Decide) which parts of the record that allows —
//     deny by default, and a record the actor may not see answers exactly as a
//     missing one does,
//  3. reads or writes, decrypting or encrypting identity fields with the
//     person's own data key,
//  4. appends a hash-chained audit entry.
//
// If the audit entry cannot be written, the whole access fails. The SQL for
// persons, grants and the audit trail lives only in this package.
package door

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// Settings are the door's tunables, with safe defaults.
type Settings struct {
	SessionIdle      time.Duration // idle timeout (default 15 min)
	SessionAbsolute  time.Duration // absolute timeout (default 8 h)
	StepUp           time.Duration // how fresh the second factor must be for break-glass (default 5 min)
	BreakGlassFor    time.Duration // how long a break-glass opening lasts (default 1 h)
	CheckpointEvery  int64         // audit entries between signed checkpoints (default 1000)
	DraftTTL         time.Duration // an unfinished form expires this long after its last save (default 30 days)
	WebAuthnRequired []nrm.Role    // roles that must use a passkey rather than TOTP

	// The WebAuthn relying party: its id (the registrable domain, e.g.
	// "nrm.example.al"; default "localhost") and the exact origins passkey
	// ceremonies may come from (default http://localhost:8080). An
	// assertion made for any other origin is refused.
	RPID      string
	RPOrigins []string

	Profile *rules.Profile // the jurisdiction's rules (default: Albania)

	// Attachments (attachment.go): the largest file accepted (default
	// DefaultAttachmentMax) and how long after sending a referral its
	// referrer may still add documents to it without other access to the
	// record (default DefaultAttachWindow).
	AttachmentMax int64
	AttachWindow  time.Duration
}

// Service is the door.
type Service struct {
	db        *store.DB
	vault     *vault.Vault
	signer    ed25519.PrivateKey
	keyID     string
	set       Settings
	hasher    *auth.Hasher
	throttle  auth.Throttle
	log       *slog.Logger
	rp        *webauthn.WebAuthn
	auditHook func(tx *store.Tx) error // tests inject audit failures here
	hashHook  func()                   // tests count the password checks that reach argon2id
	// checkpointHook runs between a checkpoint's read and its write (tests
	// pause a checkpoint there).
	checkpointHook func()
	refreshPer     int // persons per statistics refresh write (0: refreshPerWrite); benchmarks compare
	profile        *rules.Profile
	cat            *rules.Catalogue
	imports        sync.Mutex // one statistics import at a time in this instance (statsimport.go)
	keys           keyRecord
}

// New opens the door over a migrated database. It refuses (a
// *MissingKeyError) a database written under keys that v or signer does
// not hold.
func New(ctx context.Context, db *store.DB, v *vault.Vault, signer ed25519.PrivateKey, set Settings, log *slog.Logger) (*Service, error) {
	if set.SessionIdle == 0 {
		set.SessionIdle = 15 * time.Minute
	}
	if set.SessionAbsolute == 0 {
		set.SessionAbsolute = 8 * time.Hour
	}
	if set.StepUp == 0 {
		set.StepUp = 5 * time.Minute
	}
	if set.BreakGlassFor == 0 {
		set.BreakGlassFor = time.Hour
	}
	if set.CheckpointEvery == 0 {
		set.CheckpointEvery = 1000
	}
	if set.DraftTTL <= 0 {
		set.DraftTTL = DefaultDraftTTL
	}
	if log == nil {
		log = slog.Default()
	}
	if set.Profile == nil {
		p, err := rules.Load("AL")
		if err != nil {
			return nil, err
		}
		set.Profile = p
	}
	if set.RPID == "" {
		set.RPID = "localhost"
	}
	if len(set.RPOrigins) == 0 {
		set.RPOrigins = []string{"http://localhost:8080"}
	}
	rp, err := auth.NewWebAuthn(set.RPID, "NRM", set.RPOrigins)
	if err != nil {
		return nil, fmt.Errorf("door: webauthn relying party: %w", err)
	}
	pub := signer.Public().(ed25519.PublicKey)
	s := &Service{
		db: db, vault: v, signer: signer, keyID: audit.KeyID(pub), set: set,
		hasher: auth.NewHasher(2), throttle: auth.DefaultThrottle(), log: log, rp: rp,
		profile: set.Profile, cat: rules.Indicators(),
	}
	want, err := ReadKeyIDs(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := want.CheckKeys(v, s.keyID); err != nil {
		return nil, err
	}
	err = db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, ?) ON CONFLICT (id) DO NOTHING`, make([]byte, 32)); err != nil {
			return err
		}
		return s.recordKeys(ctx, tx, want)
	})
	if err != nil {
		return nil, err
	}
	if err := s.sealLegacy(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Profile is the jurisdiction profile in force.
func (s *Service) Profile() *rules.Profile { return s.profile }

// Catalogue is the indicator catalogue in force.
func (s *Service) Catalogue() *rules.Catalogue { return s.cat }

// DB exposes the database to the command line (backup, migrate) only.
func (s *Service) DB() *store.DB { return s.db }

// Now is the door's clock.
func (s *Service) Now() time.Time { return s.db.Now() }

// Settings returns the door's settings.
func (s *Service) Settings() Settings { return s.set }

// PublicKey is the audit checkpoint verification key.
func (s *Service) PublicKey() ed25519.PublicKey { return s.signer.Public().(ed25519.PublicKey) }

// newID returns a random 128-bit identifier.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var codeEnc = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// newCode returns a pseudonymous register code like P-7K3Q-9XM2: 40 random
// bits, readable aloud, carrying nothing about the person.
func newCode() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	s := codeEnc.EncodeToString(b[:])
	return "P-" + s[:4] + "-" + s[4:]
}

// fail maps storage errors to application errors without leaking details.
func fail(err error) error {
	if err == nil {
		return nil
	}
	if store.IsStorageFull(err) {
		return &nrm.Error{Code: nrm.EStorageFull, Key: "error.storage_full", Err: err}
	}
	var e *nrm.Error
	if errors.As(err, &e) {
		return err
	}
	var es nrm.Errors
	if errors.As(err, &es) {
		return err
	}
	return nrm.Internal(err)
}
