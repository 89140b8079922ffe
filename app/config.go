// Package app wires nrm together: configuration from flags, NRM_* variables
// and *_FILE secrets; the database, the key vault, the audit signer, the
// door and the web server; and the nrm subcommands. Tests start the whole
// system through Open and Serve exactly as the binary does.
package app

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
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
	Secure        bool
	TLSCert       string
	TLSKey        string
	LogFormat     string
	LogLevel      string
	Profile       string // jurisdiction profile code (AL, COE)
	ProfileFile   string // an operator's own profile file, overriding Profile
	SQLiteSync    string
	CheckpointInt time.Duration
}

// secrets are options whose values may come from NRM_X_FILE.
var secrets = map[string]bool{"database-url": true}

// bind registers the options on fs, with defaults from the environment.
func (c *Config) bind(fs *flag.FlagSet, addr string) {
	fs.StringVar(&c.DataDir, "data", "data", "data directory (SQLite database and keys)")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres:// URL (default: embedded SQLite in --data)")
	fs.StringVar(&c.Addr, "addr", addr, "address to listen on")
	fs.StringVar(&c.KeyDir, "key-dir", "", "directory of the key-encryption keysets (default: DATA/keys); keep it off the database host's backups")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "file holding the master secret that wraps the keysets (default: KEY-DIR/master.key)")
	fs.StringVar(&c.AuditKeyFile, "audit-key-file", "", "Ed25519 key that signs audit checkpoints (default: KEY-DIR/audit.key)")
	fs.BoolVar(&c.Migrate, "migrate", false, "apply pending database migrations before serving")
	fs.BoolVar(&c.Secure, "secure", false, "served over HTTPS (directly or behind a proxy): __Host- cookies and HSTS")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (serve HTTPS directly)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS key file")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.Profile, "profile", "AL", "jurisdiction profile: deadlines, thresholds, panel composition (AL, COE)")
	fs.StringVar(&c.ProfileFile, "profile-file", "", "a jurisdiction profile file (JSON) that replaces --profile")
	fs.StringVar(&c.SQLiteSync, "sqlite-sync", "NORMAL", "SQLite synchronous pragma: NORMAL or FULL")
	fs.DurationVar(&c.CheckpointInt, "checkpoint-interval", 5*time.Minute, "how often to sign an audit checkpoint")
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

func (c *Config) fill() {
	if c.KeyDir == "" {
		c.KeyDir = filepath.Join(c.DataDir, "keys")
	}
	if c.AuditKeyFile == "" {
		c.AuditKeyFile = filepath.Join(c.KeyDir, "audit.key")
	}
}
