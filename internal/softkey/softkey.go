// Package softkey is a software WebAuthn authenticator for tests: an
// ECDSA P-256 passkey that answers the options nrm's relying party sends
// with registration responses (attestation "none") and assertions, as a
// browser would pass them on. It can be told to lie — another origin, no
// user verification, an old sign counter — so tests can prove the server
// refuses each.
package softkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Authenticator is one passkey on one software authenticator.
type Authenticator struct {
	Origin       string // the origin the "browser" reports in clientDataJSON
	UserVerified bool   // set the UV flag (a PIN or biometric was checked)
	Counter      uint32 // the sign counter; incremented before each assertion

	key        *ecdsa.PrivateKey
	credID     []byte
	userHandle []byte
	rpID       string
}

// New makes an authenticator that reports origin and verifies its user.
func New(origin string) *Authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &Authenticator{Origin: origin, UserVerified: true, key: key, credID: id}
}

// CredentialID is the passkey's id, base64url as the server stores it.
func (a *Authenticator) CredentialID() string { return b64(a.credID) }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
		ExcludeCredentials []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
	} `json:"publicKey"`
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

func (a *Authenticator) flags(extra byte) byte {
	f := byte(0x01) | extra // user present
	if a.UserVerified {
		f |= 0x04
	}
	return f
}

// Create answers creation options ({"publicKey": …}) with the JSON of a
// PublicKeyCredential carrying a "none" attestation.
func (a *Authenticator) Create(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	for _, c := range o.PublicKey.ExcludeCredentials {
		if c.ID == a.CredentialID() {
			return nil, errors.New("softkey: credential excluded (InvalidStateError)")
		}
	}
	a.rpID = o.PublicKey.RP.ID
	uh, err := base64.RawURLEncoding.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, fmt.Errorf("softkey: user id: %w", err)
	}
	a.userHandle = uh
	pub := webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         int64(webauthncose.P256),
		XCoord:        pad32(a.key.X.Bytes()),
		YCoord:        pad32(a.key.Y.Bytes()),
	}
	cose, err := webauthncbor.Marshal(pub)
	if err != nil {
		return nil, err
	}
	rpHash := sha256.Sum256([]byte(a.rpID))
	auth := append([]byte{}, rpHash[:]...)
	auth = append(auth, a.flags(0x40)) // attested credential data
	auth = binary.BigEndian.AppendUint32(auth, a.Counter)
	auth = append(auth, make([]byte, 16)...)                          // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.credID))) // #nosec G115 -- the id is 32 bytes, made in New
	auth = append(auth, a.credID...)
	auth = append(auth, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": a.CredentialID(), "rawId": a.CredentialID(), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64(att),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
}

// Get answers request options ({"publicKey": …}) with the JSON of a
// PublicKeyCredential carrying a signed assertion. The counter goes up
// by one first.
func (a *Authenticator) Get(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	if len(o.PublicKey.AllowCredentials) > 0 {
		found := false
		for _, c := range o.PublicKey.AllowCredentials {
			found = found || c.ID == a.CredentialID()
		}
		if !found {
			return nil, errors.New("softkey: not an allowed credential (NotAllowedError)")
		}
	}
	rpID := o.PublicKey.RPID
	if rpID == "" {
		rpID = a.rpID
	}
	a.Counter++
	return a.assert(rpID, o.PublicKey.Challenge, a.Counter)
}

// assert signs an assertion for rpID and challenge with the given counter.
func (a *Authenticator) assert(rpID, challenge string, counter uint32) ([]byte, error) {
	rpHash := sha256.Sum256([]byte(rpID))
	auth := append([]byte{}, rpHash[:]...)
	auth = append(auth, a.flags(0))
	auth = binary.BigEndian.AppendUint32(auth, counter)
	cd := a.clientData("webauthn.get", challenge)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": a.CredentialID(), "rawId": a.CredentialID(), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64(cd),
			"authenticatorData": b64(auth),
			"signature":         b64(sig),
			"userHandle":        b64(a.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
}

func pad32(b []byte) []byte {
	if len(b) >= 32 {
		return b
	}
	return append(make([]byte, 32-len(b)), b...)
}
