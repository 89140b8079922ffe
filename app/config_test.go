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
		{Config{Addr: "0.0.0.0:443", TLSCert: "c.pem"}, "localhost", []string{"https://localhost"}},
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

// TestTransportFromOrigin: whether the site is https follows --origin (or
// --tls-cert) alone; plain HTTP on an address that is not loopback stops
// start-up unless --insecure-http accepts it, with a warning to log.
func TestTransportFromOrigin(t *testing.T) {
	for _, tc := range []struct {
		cfg    Config
		secure bool
		warn   bool
		err    string // a word the error must name; "" for none
	}{
		{cfg: Config{Addr: "127.0.0.1:8080"}},
		{cfg: Config{Addr: "localhost:8080"}},
		{cfg: Config{Addr: "[::1]:8080"}},
		{cfg: Config{}}, // the caller brings its own listener
		{cfg: Config{Addr: "0.0.0.0:8080"}, err: "--insecure-http"},
		{cfg: Config{Addr: ":8080"}, err: "--insecure-http"},
		{cfg: Config{Addr: "nrm.example.al:8080"}, err: "--insecure-http"},
		{cfg: Config{Addr: "0.0.0.0:8080", InsecureHTTP: true}, warn: true},
		{cfg: Config{Addr: "0.0.0.0:8080", Origin: "https://nrm.example.al"}, secure: true},
		{cfg: Config{Addr: ":8443", TLSCert: "c.pem"}, secure: true},
		{cfg: Config{Addr: "127.0.0.1:8080", Origin: "https://nrm.example.al, http://mkr.nrm.example.al", RPID: "nrm.example.al"}, err: "mixes"},
		{cfg: Config{Addr: ":8443", TLSCert: "c.pem", Origin: "http://nrm.example.al"}, err: "--tls-cert"},
		{cfg: Config{Addr: "127.0.0.1:8080", Secure: true}, err: "--secure"},
		{cfg: Config{Addr: "0.0.0.0:8080", Secure: true}, err: "--secure"},
		{cfg: Config{Addr: "0.0.0.0:8080", Secure: true, Origin: "https://nrm.example.al"}, secure: true},
	} {
		warning, err := tc.cfg.transport()
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v: error %v, want one naming %s", tc.cfg, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.err == "" && (warning != "") != tc.warn:
			t.Errorf("%+v: warning %q, want one: %v", tc.cfg, warning, tc.warn)
		case tc.err == "" && tc.cfg.webConfig().Secure() != tc.secure:
			t.Errorf("%+v: secure %v, want %v", tc.cfg, !tc.secure, tc.secure)
		}
	}
}
