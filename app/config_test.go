package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/nrm-org/nrm"
)

// TestRelyingPartyFromConfig: the WebAuthn relying party follows --addr by
// default (localhost for loopback and unspecified hosts, where browsers
// allow passkeys) and --origin/--rp-id when given; an origin off the id is
// refused at start-up.
func TestRelyingPartyFromConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg     Config
		id      string
		origins []string
	}{
		{Config{Addr: "127.0.0.1:8080"}, "localhost", []string{"http://localhost:8080"}},
		{Config{Addr: "localhost:8080"}, "localhost", []string{"http://localhost:8080"}},
		{Config{Addr: ":8443", TLSCert: "c.pem"}, "localhost", []string{"https://localhost:8443"}},
		{Config{Addr: "[::1]:80"}, "localhost", []string{"http://localhost"}},
		{Config{Addr: "0.0.0.0:443", Secure: true}, "localhost", []string{"https://localhost"}},
		{Config{Addr: "nrm.example.al:8080"}, "nrm.example.al", []string{"http://nrm.example.al:8080"}},
		{Config{Addr: "127.0.0.1:8080", Origin: "https://NRM.example.al"}, "nrm.example.al", []string{"https://nrm.example.al"}},
		{Config{Origin: "https://nrm.example.al, https://mkr.nrm.example.al:8443/", RPID: "nrm.example.al"}, "nrm.example.al",
			[]string{"https://nrm.example.al", "https://mkr.nrm.example.al:8443"}},
	} {
		id, origins, err := tc.cfg.relyingParty()
		if err != nil || id != tc.id || !slices.Equal(origins, tc.origins) {
			t.Errorf("%+v: got %q %v %v, want %q %v", tc.cfg, id, origins, err, tc.id, tc.origins)
		}
	}
	for _, bad := range []Config{
		{Origin: "nrm.example.al"},
		{Origin: "ftp://nrm.example.al"},
		{Origin: "https://nrm.example.al/path"},
		{Origin: "https://user@nrm.example.al"},
		{Origin: "https://nrm.example.al", RPID: "example.org"},
		{Origin: "https://evilnrm.example.al", RPID: "nrm.example.al"},
	} {
		if _, _, err := bad.relyingParty(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	roles, err := (&Config{WebAuthnRoles: " justice_officer,sysadmin "}).webAuthnRoles()
	if err != nil || !slices.Equal(roles, []nrm.Role{nrm.RoleJusticeOfficer, nrm.RoleSysAdmin}) {
		t.Errorf("roles: %v %v", roles, err)
	}
	if _, err := (&Config{WebAuthnRoles: "police"}).webAuthnRoles(); err == nil || !strings.Contains(err.Error(), "police") {
		t.Errorf("an unknown role must be refused: %v", err)
	}
}
