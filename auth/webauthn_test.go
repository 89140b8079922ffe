package auth

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

func newTestWebAuthn(t *testing.T) *webauthn.WebAuthn {
	t.Helper()
	w, err := NewWebAuthn("nrm.example.org", "NRM", []string{"https://nrm.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWebAuthnRegistrationOptions(t *testing.T) {
	w := newTestWebAuthn(t)
	user := User{ID: NewWebAuthnUserID(), Name: "alice", DisplayName: "Alice"}
	creation, session, err := w.BeginRegistration(user)
	if err != nil {
		t.Fatal(err)
	}
	sel := creation.Response.AuthenticatorSelection
	if sel.UserVerification != protocol.VerificationRequired {
		t.Errorf("userVerification = %q", sel.UserVerification)
	}
	if sel.ResidentKey != protocol.ResidentKeyRequirementPreferred {
		t.Errorf("residentKey = %q", sel.ResidentKey)
	}
	if creation.Response.Attestation != protocol.PreferNoAttestation {
		t.Errorf("attestation = %q", creation.Response.Attestation)
	}
	js, err := json.Marshal(creation)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"userVerification":"required"`, `"residentKey":"preferred"`, `"attestation":"none"`, `"id":"nrm.example.org"`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("creation options lack %s: %s", want, js)
		}
	}
	if session.UserVerification != protocol.VerificationRequired || session.Expires.IsZero() {
		t.Errorf("session: uv %q, expires %v", session.UserVerification, session.Expires)
	}
	if !bytes.Equal(session.UserID, user.ID) {
		t.Error("session user id")
	}

	// Session data survives storage.
	data, err := MarshalSessionData(session)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalSessionData(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Expires.Equal(session.Expires) {
		t.Error("expiry changed")
	}
	back.Expires = session.Expires
	if !reflect.DeepEqual(back, session) {
		t.Errorf("session round trip:\n got %+v\nwant %+v", back, session)
	}
}

func TestWebAuthnLoginRequiresUV(t *testing.T) {
	w := newTestWebAuthn(t)
	cred := webauthn.Credential{
		ID:        []byte{1, 2, 3, 4},
		PublicKey: []byte{5, 6, 7, 8},
		Transport: []protocol.AuthenticatorTransport{protocol.USB},
		Flags:     webauthn.CredentialFlags{UserPresent: true, UserVerified: true},
		Authenticator: webauthn.Authenticator{
			SignCount: 7,
		},
	}
	user := User{ID: NewWebAuthnUserID(), Name: "alice", DisplayName: "Alice", Credentials: []webauthn.Credential{cred}}
	assertion, _, err := w.BeginLogin(user)
	if err != nil {
		t.Fatal(err)
	}
	if assertion.Response.UserVerification != protocol.VerificationRequired {
		t.Errorf("login userVerification = %q", assertion.Response.UserVerification)
	}
	if len(assertion.Response.AllowedCredentials) != 1 {
		t.Errorf("allowed credentials: %d", len(assertion.Response.AllowedCredentials))
	}

	data, err := MarshalCredential(&cred)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalCredential(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*back, cred) {
		t.Errorf("credential round trip:\n got %+v\nwant %+v", *back, cred)
	}
}

func TestWebAuthnConfigAndDecodeErrors(t *testing.T) {
	if _, err := NewWebAuthn("nrm.example.org", "NRM", nil); err == nil {
		t.Error("no origins accepted")
	}
	if _, err := NewWebAuthn("https://nrm.example.org/", "NRM", []string{"https://nrm.example.org"}); err == nil {
		t.Error("URL as RP ID accepted")
	}
	for _, bad := range []string{"", "{", `{"rpId":"x"}`, `"x"`, strings.Repeat(" ", 70000) + "{}"} {
		if _, err := UnmarshalSessionData([]byte(bad)); err == nil {
			t.Errorf("UnmarshalSessionData(%.20q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "[]", `{"id":"AQID"}`, `{"publicKey":"AQID"}`} {
		if _, err := UnmarshalCredential([]byte(bad)); err == nil {
			t.Errorf("UnmarshalCredential(%q) accepted", bad)
		}
	}
	if _, err := MarshalSessionData(nil); err == nil {
		t.Error("nil session")
	}
	if _, err := MarshalCredential(nil); err == nil {
		t.Error("nil credential")
	}
	if len(NewWebAuthnUserID()) != 32 || bytes.Equal(NewWebAuthnUserID(), NewWebAuthnUserID()) {
		t.Error("user ids")
	}
}
