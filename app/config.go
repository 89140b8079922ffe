// Package app wires nrm together: configuration from flags, NRM_* variables
// and *_FILE secrets; the database, the key vault, the audit signer, the
// door and the web server; and the nrm subcommands. Tests start the whole
// system through Open and Serve exactly as the binary does.
package app

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/web"
)

// Config is every option of nrm. Each flag --name is also NRM_NAME (dashes
// become underscores), and every secret can come from a file: NRM_NAME_FILE.
type Config struct {
	DataDir       string
	DatabaseURL   string
	Addr          string
	KeyDir        string
	MasterKeyFile string
	AuditKeyFile  string
	Migrate       bool
	// Secure is the deprecated --secure: whether the site is https now
	// follows --origin (or --tls-cert), and --secure only checks that it is.
	Secure bool
	// InsecureHTTP accepts serving plain HTTP on an address that is not
	// loopback (logged at start); without it that stops start-up.
	InsecureHTTP bool
	// MetricsAddr is the listener of the Prometheus metrics, apart from the
	// public one ("" for none).
	MetricsAddr   string
	TLSCert       string
	TLSKey        string
	LogFormat     string
	LogLevel      string
	Profile       string // jurisdiction profile code (AL, COE)
	ProfileFile   string // an operator's own profile file, overriding Profile
	SQLiteSync    string
	CheckpointInt time.Duration
	DraftTTL      time.Duration // how long an unfinished form is kept after its last save
	// Passkeys (WebAuthn): the relying party id, the origins ceremonies
	// may come from (comma-separated), and the roles that must use a
	// passkey rather than TOTP (comma-separated).
	RPID          string
	Origin        string
	WebAuthnRoles string
	// Mail that work waits (issue 14 part 6): the SMTP server (host:port;
	// "" for none: the messages are kept unsent and shown on each worker's
	// account page), the sender address, PLAIN credentials, and how often
	// the job runs.
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword string
	MailInterval                               time.Duration

	// Attachments: the largest file accepted, in MB (at most
	// maxAttachmentMB, under the server's upload limit), and how long a
	// referrer may add documents to a referral they sent.
	AttachmentMaxMB int
	AttachWindow    time.Duration
	// Command is the subcommand running ("serve", "backup"…), not an
	// option: it names the process to PostgreSQL.
	Command string
}

// secrets are options whose values may come from NRM_X_FILE.
var secrets = map[string]bool{"database-url": true, "smtp-password": true}

// bind registers the options on fs, with defaults from the environment.
func (c *Config) bind(fs *flag.FlagSet, addr string) {
	fs.StringVar(&c.DataDir, "data", "data", "data directory (SQLite database and keys)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres:// URL (default: embedded SQLite in --data)")
	fs.StringVar(&c.Addr, "addr", addr, "address to listen on")
	fs.StringVar(&c.KeyDir, "key-dir", "", "directory of the key-encryption keysets (default: DATA/keys); keep it off the database host's backups")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "file holding the master secret that wraps the keysets (default: KEY-DIR/master.key)")
	fs.StringVar(&c.AuditKeyFile, "audit-key-file", "", "Ed25519 key that signs audit checkpoints (default: KEY-DIR/audit.key)")
	fs.BoolVar(&c.Migrate, "migrate", false, "apply pending database migrations before serving")
	fs.BoolVar(&c.Secure, "secure", false, "deprecated: the site is HTTPS (__Host- cookies, HSTS) when --origin is https:// or with --tls-cert; this flag only checks that it is")
	fs.BoolVar(&c.InsecureHTTP, "insecure-http", false, "accept serving plain HTTP on an address that is not loopback (no Secure cookie, no HSTS; logged at start)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "127.0.0.1:9464", `address of the Prometheus metrics listener, apart from the site's ("" for none)`)
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (serve HTTPS directly)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS key file")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.Profile, "profile", "AL", "jurisdiction profile: deadlines, thresholds, panel composition (AL, COE)")
	fs.StringVar(&c.ProfileFile, "profile-file", "", "a jurisdiction profile file (JSON) that replaces --profile")
	fs.StringVar(&c.SQLiteSync, "sqlite-sync", "NORMAL", "SQLite synchronous pragma: NORMAL or FULL")
	fs.DurationVar(&c.CheckpointInt, "checkpoint-interval", 5*time.Minute, "how often to sign an audit checkpoint")
	fs.DurationVar(&c.DraftTTL, "draft-ttl", door.DefaultDraftTTL, "how long an unfinished referral is kept after its last save, e.g. 168h")
	fs.StringVar(&c.Origin, "origin", "", "public origin(s) of the site, comma-separated, e.g. https://nrm.example.al; passkeys work only there (default: from --addr, with localhost for a loopback or unspecified address)")
	fs.StringVar(&c.RPID, "rp-id", "", "WebAuthn relying party id: the domain passkeys are bound to (default: the host of the first --origin)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", "", `SMTP server (host:port) for the e-mail that work waits ("" for none: messages are kept unsent and shown on the account page)`)
	fs.StringVar(&c.SMTPFrom, "smtp-from", "nrm@localhost", "sender address of that e-mail")
	fs.StringVar(&c.SMTPUser, "smtp-user", "", "SMTP user (PLAIN, only over TLS or to this host)")
	fs.StringVar(&c.SMTPPassword, "smtp-password", "", "SMTP password")
	fs.DurationVar(&c.MailInterval, "mail-interval", time.Minute, "how often the mail job looks for waiting work and sends")

	fs.IntVar(&c.AttachmentMaxMB, "attachment-max-mb", 20, "the largest attachment accepted (PDF, JPEG, PNG), in MB (1 to 60)")
	fs.DurationVar(&c.AttachWindow, "attach-window", 24*time.Hour, "how long after sending a referral its referrer may add documents to it")
	fs.StringVar(&c.WebAuthnRoles, "webauthn-roles", "", "comma-separated roles that must sign in with a passkey, not TOTP: "+nrm.RolesString(nrm.Roles))
}

// relyingParty works out the WebAuthn relying party: the origins passkey
// ceremonies may come from and the id passkeys are bound to. Without
// --origin the origin is the listen address (localhost for a loopback or
// unspecified host: browsers allow passkeys on http://localhost, and never
// on an IP address). Every origin's host must be the id or under it.
func (c *Config) relyingParty() (rpID string, origins []string, err error) {
	for o := range strings.SplitSeq(c.Origin, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		origins = []string{defaultOrigin(c.Addr, c.TLSCert != "")}
	}
	hosts := make([]string, len(origins))
	for i, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return "", nil, fmt.Errorf("--origin %q: want scheme://host[:port], e.g. https://nrm.example.al", o)
		}
		origins[i], hosts[i] = u.Scheme+"://"+strings.ToLower(u.Host), strings.ToLower(u.Hostname())
	}
	rpID = strings.ToLower(strings.TrimSpace(c.RPID))
	if rpID == "" {
		rpID = hosts[0]
	}
	for i, h := range hosts {
		if h != rpID && !strings.HasSuffix(h, "."+rpID) {
			return "", nil, fmt.Errorf("origin %s is not on the relying party id %q (--rp-id): passkeys could never be used there", origins[i], rpID)
		}
	}
	return rpID, origins, nil
}

// defaultOrigin is the origin a browser uses to reach addr.
func defaultOrigin(addr string, secure bool) string {
	scheme := "http"
	if secure {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
		host = "localhost"
	}
	if port == "" || port == "0" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// webConfig is the web layer's configuration: the public origins given
// with --origin (none: the pages answer on whatever host they are asked),
// and whether the server itself speaks TLS. Whether the site is https is
// derived from these alone (web.Config.Secure).
func (c *Config) webConfig() web.Config {
	var origins []string
	if c.Origin != "" {
		_, origins, _ = c.relyingParty() // checked at start-up before this is used
	}
	return web.Config{Addr: c.Addr, Origins: origins, TLS: c.TLSCert != ""}
}

// transport checks how the site is reached, at start-up: all https or all
// http (mixed origins would make the session cookie fail on some), TLS on
// the server only for https origins, the deprecated --secure only where
// the site is https, and plain HTTP on an address other than loopback only
// with --insecure-http, which the returned warning names for the log. An
// empty --addr (the caller brings its own listener, as tests do) is not
// checked.
func (c *Config) transport() (warning string, err error) {
	wc := c.webConfig()
	https := 0
	for _, o := range wc.Origins {
		if strings.HasPrefix(o, "https://") {
			https++
		}
	}
	switch {
	case https > 0 && https < len(wc.Origins):
		return "", errors.New("--origin mixes https:// and http:// origins: the session cookie would fail on one of them")
	case c.TLSCert != "" && len(wc.Origins) > https:
		return "", errors.New("--tls-cert serves HTTPS, but --origin is http://")
	case c.Secure && !wc.Secure():
		return "", errors.New("--secure is deprecated and no longer makes the site HTTPS: give its public origin, --origin https://…, or --tls-cert")
	case wc.Secure() || c.Addr == "" || loopback(c.Addr):
		return "", nil
	case !c.InsecureHTTP:
		return "", fmt.Errorf("--addr %s is not loopback and the site is plain HTTP: give --origin https://… (TLS at a proxy) or --tls-cert; or accept it with --insecure-http", c.Addr)
	}
	return "serving plain HTTP on an address that is not loopback (--insecure-http): the session cookie is not Secure and there is no HSTS", nil
}

// loopback reports whether a listen address is on the loopback interface
// only (localhost or a loopback IP; not an empty or unspecified host).
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webAuthnRoles parses --webauthn-roles; an unknown role is an error.
func (c *Config) webAuthnRoles() ([]nrm.Role, error) {
	var out []nrm.Role
	for p := range strings.SplitSeq(c.WebAuthnRoles, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		r := nrm.Role(p)
		if !r.Valid() {
			return nil, fmt.Errorf("--webauthn-roles: unknown role %q (roles: %s)", p, nrm.RolesString(nrm.Roles))
		}
		out = append(out, r)
	}
	return out, nil
}

// parse reads flags after applying NRM_* variables and NRM_*_FILE secrets as defaults.
func parse(fs *flag.FlagSet, args []string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		env := "NRM_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
		if secrets[f.Name] {
			if path, ok := os.LookupEnv(env + "_FILE"); ok {
				b, err := os.ReadFile(path) // #nosec G304 -- the operator names the secret file
				if err != nil {
					errs = append(errs, fmt.Errorf("%s_FILE: %w", env, err))
					return
				}
				if err := f.Value.Set(strings.TrimSpace(string(b))); err != nil {
					errs = append(errs, err)
				}
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return fs.Parse(args)
}

// store is the database part of the configuration.
func (c *Config) store() store.Config {
	return store.Config{URL: c.DatabaseURL, DataDir: c.DataDir, Synchronous: c.SQLiteSync, AppName: strings.TrimSpace("nrm " + c.Command)}
}

func (c *Config) fill() {
	if c.KeyDir == "" {
		c.KeyDir = filepath.Join(c.DataDir, "keys")
	}
	if c.AuditKeyFile == "" {
		c.AuditKeyFile = filepath.Join(c.KeyDir, "audit.key")
	}
}

// maxAttachmentMB keeps the attachment limit under the server's upload
// limit (web.MaxUpload), with room for the form around the file.
const maxAttachmentMB = 60

// attachmentSettings checks the attachment options and gives the door's.
func (c *Config) attachmentSettings() (maxBytes int64, window time.Duration, err error) {
	mb := c.AttachmentMaxMB
	if mb == 0 {
		mb = 20
	}
	if mb < 1 || mb > maxAttachmentMB || int64(mb)<<20 >= web.MaxUpload {
		return 0, 0, fmt.Errorf("--attachment-max-mb %d: want 1 to %d", c.AttachmentMaxMB, maxAttachmentMB)
	}
	if c.AttachWindow < 0 {
		return 0, 0, fmt.Errorf("--attach-window %s: want a duration of zero (the default, 24h) or more", c.AttachWindow)
	}
	return int64(mb) << 20, c.AttachWindow, nil
}
