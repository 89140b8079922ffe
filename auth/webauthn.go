package auth

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// WebAuthnCeremonyTimeout is the client timeout of registration and login
// ceremonies; it is also enforced server-side through SessionData.Expires.
const WebAuthnCeremonyTimeout = 5 * time.Minute

// maxWebAuthnJSON bounds the size of stored SessionData/Credential JSON
// accepted by the Unmarshal helpers.
const maxWebAuthnJSON = 64 << 10

// NewWebAuthn returns a WebAuthn relying party for rpID (the registrable
// domain, e.g. "nrm.example.org"), rpName (display name) and the allowed
// origins (e.g. "https://nrm.example.org"). It requires user verification
// (PIN/biometric, so a passkey alone is multi-factor; ASVS 5.0 V6.3.7),
// prefers discoverable credentials (passkeys), asks for no attestation
// (attestation "none": we do not restrict authenticator models and avoid
// collecting identifying attestation data), and enforces the ceremony
// timeout on the server.
func NewWebAuthn(rpID, rpName string, origins []string) (*webauthn.WebAuthn, error) {
	return webauthn.New(&webauthn.Config{
		RPID:                  rpID,
		RPDisplayName:         rpName,
		RPOrigins:             append([]string(nil), origins...),
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: protocol.ResidentKeyNotRequired(),
			ResidentKey:        protocol.ResidentKeyRequirementPreferred,
			UserVerification:   protocol.VerificationRequired,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login: webauthn.TimeoutConfig{
				Enforce: true, Timeout: WebAuthnCeremonyTimeout, TimeoutUVD: WebAuthnCeremonyTimeout,
			},
			Registration: webauthn.TimeoutConfig{
				Enforce: true, Timeout: WebAuthnCeremonyTimeout, TimeoutUVD: WebAuthnCeremonyTimeout,
			},
		},
	})
}

// User adapts an account to the [webauthn.User] interface. ID is the WebAuthn
// user handle: random and free of personal data (see NewWebAuthnUserID),
// stored with the account and never changed. Name and DisplayName are shown
// by authenticators. Credentials are all credentials registered for the
// account.
type User struct {
	ID          []byte
	Name        string
	DisplayName string
	Credentials []webauthn.Credential
}

var _ webauthn.User = User{}

// WebAuthnID returns the user handle.
func (u User) WebAuthnID() []byte { return u.ID }

// WebAuthnName returns the account name.
func (u User) WebAuthnName() string { return u.Name }

// WebAuthnDisplayName returns the display name.
func (u User) WebAuthnDisplayName() string { return u.DisplayName }

// WebAuthnCredentials returns the registered credentials.
func (u User) WebAuthnCredentials() []webauthn.Credential { return u.Credentials }

// NewWebAuthnUserID returns a random 32-byte user handle. The WebAuthn spec
// requires the handle to contain no personally identifying information, since
// authenticators may disclose it.
func NewWebAuthnUserID() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

// MarshalSessionData encodes the session data returned by a Begin* call for
// storage until the matching Finish* call. Store it server-side (or in an
// encrypted, integrity-protected cookie), bound to the user's session, and
// delete it once used.
func MarshalSessionData(s *webauthn.SessionData) ([]byte, error) {
	if s == nil {
		return nil, errors.New("auth: nil webauthn session data")
	}
	return json.Marshal(s)
}

// UnmarshalSessionData decodes data written by MarshalSessionData into a
// fresh SessionData. It rejects input over 64 KiB and sessions without a
// challenge.
func UnmarshalSessionData(data []byte) (*webauthn.SessionData, error) {
	if len(data) > maxWebAuthnJSON {
		return nil, errors.New("auth: webauthn session data too large")
	}
	s := new(webauthn.SessionData)
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("auth: decoding webauthn session data: %w", err)
	}
	if s.Challenge == "" {
		return nil, errors.New("auth: webauthn session data without challenge")
	}
	return s, nil
}

// MarshalCredential encodes a credential returned by FinishRegistration (or
// updated by FinishLogin: store the sign count and flags back after every
// login) for storage.
func MarshalCredential(c *webauthn.Credential) ([]byte, error) {
	if c == nil {
		return nil, errors.New("auth: nil webauthn credential")
	}
	return json.Marshal(c)
}

// UnmarshalCredential decodes data written by MarshalCredential. It rejects
// input over 64 KiB and credentials without an ID or public key.
func UnmarshalCredential(data []byte) (*webauthn.Credential, error) {
	if len(data) > maxWebAuthnJSON {
		return nil, errors.New("auth: webauthn credential too large")
	}
	c := new(webauthn.Credential)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("auth: decoding webauthn credential: %w", err)
	}
	if len(c.ID) == 0 || len(c.PublicKey) == 0 {
		return nil, errors.New("auth: webauthn credential without id or public key")
	}
	return c, nil
}
