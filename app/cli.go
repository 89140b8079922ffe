package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
	"github.com/pquerna/otp/totp"
)

// Version is set at build time with -ldflags "-X github.com/nrm-org/nrm/app.Version=…".
var Version = "dev"

const usage = `nrm — the National Referral Mechanism's shared record

Usage: nrm <command> [options]

Commands:
  serve         serve the web application and API
  demo          serve with a fresh, seeded fictional dataset and print the demo logins
  migrate       apply pending database migrations
  user          create | disable | enable | roles | reset-mfa | require-webauthn   (manage users)
  token         mint a scoped, expiring API token for a user
  audit         verify | checkpoint | consistency   (check the tamper-evident audit trail)
  keys          rotate   (new key-encryption key; re-wrap every data key online)
  retention     run   (erase records past their retention period now and print the report)
  stats         rebuild (recompute every statistics fact of the register from the records)
  backup        write a consistent online backup of the database
  restore       bring a backup back (refused while the database is in use or its keys are missing)
  gen           fill a database with synthetic fictional records (benchmarks)
  totp          print the current code for a TOTP secret (demo convenience)
  version       print the version

Every option is also an NRM_* environment variable (--database-url → NRM_DATABASE_URL),
and secrets may come from files (NRM_DATABASE_URL_FILE). Run 'nrm <command> -h' for options.
`

// Run runs nrm with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "serve":
		err = cmdServe(ctx, rest, stdout, stderr, false)
	case "demo":
		err = cmdServe(ctx, rest, stdout, stderr, true)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "user":
		err = cmdUser(ctx, rest, stdout, stderr)
	case "token":
		err = cmdToken(ctx, rest, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, rest, stdout, stderr)
	case "keys":
		err = cmdKeys(ctx, rest, stdout, stderr)
	case "retention":
		err = cmdRetention(ctx, rest, stdout, stderr)
	case "stats":
		err = cmdStats(ctx, rest, stdout, stderr)
	case "backup":
		err = cmdBackup(ctx, rest, stdout, stderr)
	case "restore":
		err = cmdRestore(ctx, rest, stdout, stderr)
	case "gen":
		err = cmdGen(ctx, rest, stdout, stderr)
	case "totp":
		if len(rest) != 1 {
			err = errors.New("usage: nrm totp SECRET")
			break
		}
		var code string
		code, err = totp.GenerateCode(strings.ReplaceAll(rest[0], " ", ""), time.Now())
		if err == nil {
			fmt.Fprintln(stdout, code)
		}
	case "version":
		fmt.Fprintln(stdout, "nrm", versionString())
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "nrm: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "nrm "+cmd+":", err)
		return 1
	}
	return 0
}

func versionString() string {
	v := Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " (" + bi.GoVersion + ")"
	}
	return v
}

// flags makes a flag set with the common options bound.
func flags(name string, stderr io.Writer, addr string) (*flag.FlagSet, *Config) {
	fs := flag.NewFlagSet("nrm "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &Config{Command: strings.Fields(name)[0]}
	c.bind(fs, addr)
	return fs, c
}

// openApp opens the app for a one-shot command.
func openApp(ctx context.Context, cfg *Config, stderr io.Writer) (*App, error) {
	return Open(ctx, *cfg, NewLogger(stderr, cfg.LogFormat, "warn"))
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, demo bool) error {
	addr := "127.0.0.1:8080"
	if demo {
		addr = "localhost:8080"
	}
	fs, cfg := flags("serve", stderr, addr)
	if err := parse(fs, args); err != nil {
		return err
	}
	log := NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	// The address first: a busy port is said at once, before any migration
	// or seeding (and before a temporary directory exists).
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another nrm running there?); choose another address with --addr: %w", cfg.Addr, err)
	}
	defer ln.Close()
	var logins []DemoLogin
	dataNote := "kept"
	if demo {
		cfg.Migrate = true
		if !isSet(fs, "data") && os.Getenv("NRM_DATA_DIR") == "" && cfg.DatabaseURL == "" {
			dir, err := os.MkdirTemp("", "nrm-demo-")
			if err != nil {
				return err
			}
			// Removed when the demo stops (Ctrl-C or SIGTERM cancel ctx), after
			// the database is closed; --data keeps the data instead.
			defer os.RemoveAll(dir)
			cfg.DataDir, dataNote = dir, "removed when the demo stops; --data DIR keeps it"
		}
	}
	if v := os.Getenv("NRM_DATA_DIR"); v != "" && !isSet(fs, "data") {
		cfg.DataDir = v
	}
	a, err := Open(ctx, *cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if demo {
		if logins, err = Seed(ctx, a.Door, 40); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	// The address to open: localhost rather than 127.0.0.1, because
	// browsers offer passkeys on a name, never on an IP address.
	url := defaultOrigin(ln.Addr().String(), cfg.TLSCert != "")
	if _, origins, err := cfg.relyingParty(); err == nil && cfg.Origin != "" {
		url = origins[0]
	}
	if demo {
		printLogins(stdout, url, cfg.DataDir+" ("+dataNote+")", logins)
	}
	// The demo serves no metrics unless asked (no second fixed port).
	if demo && !isSet(fs, "metrics-addr") && os.Getenv("NRM_METRICS_ADDR") == "" {
		cfg.MetricsAddr = ""
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		log.Info("metrics", "addr", mln.Addr().String())
		go func() {
			if err := a.ServeMetrics(ctx, mln); err != nil {
				log.Error("metrics listener", "err", err)
			}
		}()
	}
	log.Info("serving", "addr", ln.Addr().String(), "engine", a.DB.Engine, "https", a.Config.webConfig().Secure())
	return a.Serve(ctx, ln)
}

// parseInterspersed is parse for commands that also take positional
// arguments: flags may come before, between or after them.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	var pos []string
	for rest := fs.Args(); len(rest) > 0; rest = fs.Args() {
		pos = append(pos, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func printLogins(w io.Writer, url, dataDir string, logins []DemoLogin) {
	fmt.Fprintf(w, "\nnrm demo — fictional data only — serving %s\n", url)
	fmt.Fprintf(w, "data directory: %s\n\n", dataDir)
	fmt.Fprintf(w, "Every demo user has the password: %s\n", DemoPassword)
	fmt.Fprintf(w, "Every role signs in with a second factor: add the TOTP secret to an\n")
	fmt.Fprintf(w, "authenticator app, or print the current code with: go run ./cmd/nrm totp SECRET\n")
	fmt.Fprintf(w, "Once signed in, add a passkey on the Account page (open %s, not the IP address).\n\n", url)
	fmt.Fprintf(w, "%-18s %-22s %-40s %s\n", "ROLE", "USERNAME", "ORGANISATION", "TOTP SECRET")
	for _, l := range logins {
		second := l.TOTPSecret
		if l.Passkey {
			second = "(a passkey, registered at first sign-in)"
		}
		fmt.Fprintf(w, "%-18s %-22s %-40s %s\n", l.Role, l.Username, truncate(l.Org, 40), second)
	}
	fmt.Fprintln(w)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := flags("migrate", stderr, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.store())
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	v, _, _ := db.SchemaVersion(ctx)
	fmt.Fprintf(stdout, "applied %d migration(s); schema version %d\n", n, v)
	return nil
}

func cmdUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const userUsage = "usage: nrm user create|disable|enable|roles|reset-mfa [options], or nrm user require-webauthn [options] USERNAME on|off"
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	sub := args[0]
	fs, cfg := flags("user "+sub, stderr, "")
	username := fs.String("username", "", "username")
	org := fs.String("org", "", "organisation id (create)")
	name := fs.String("name", "", "display name (create)")
	roles := fs.String("roles", "", "comma-separated roles (create, roles): "+nrm.RolesString(nrm.Roles))
	pwFile := fs.String("password-file", "", "file holding the initial password (create); default: read from standard input")
	requireWA := fs.Bool("require-webauthn", false, "the user must sign in with a passkey, never TOTP (create)")
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	// require-webauthn USERNAME on|off (or --username USERNAME on|off).
	var waOn bool
	if sub == "require-webauthn" {
		if *username == "" && len(pos) > 0 {
			*username, pos = pos[0], pos[1:]
		}
		if len(pos) != 1 || (pos[0] != "on" && pos[0] != "off") || *username == "" {
			return errors.New(userUsage)
		}
		waOn = pos[0] == "on"
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q; %s", pos[0], userUsage)
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	sys := nrm.SystemActor("cli")
	if sub == "create" {
		var pw []byte
		if *pwFile != "" {
			pw, err = os.ReadFile(*pwFile)
		} else {
			pw, err = io.ReadAll(io.LimitReader(os.Stdin, 4096))
		}
		if err != nil {
			return err
		}
		u, err := a.Door.CreateUser(ctx, sys, door.UserInput{OrgID: *org, Username: *username, DisplayName: *name,
			Roles: nrm.ParseRoles(*roles), Password: strings.TrimRight(string(pw), "\r\n"), RequireWebAuthn: *requireWA})
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "created user %s (%s)\n", u.Username, u.ID)
		return nil
	}
	u, err := a.Door.UserByName(ctx, *username)
	if err != nil {
		return fmt.Errorf("no such user")
	}
	switch sub {
	case "disable", "enable":
		err = a.Door.SetDisabled(ctx, sys, u.ID, sub == "disable")
	case "roles":
		err = a.Door.SetRoles(ctx, sys, u.ID, nrm.ParseRoles(*roles))
	case "reset-mfa":
		err = a.Door.ResetSecondFactor(ctx, sys, u.ID)
	case "require-webauthn":
		err = a.Door.SetRequireWebAuthn(ctx, sys, u.ID, waOn)
	default:
		return fmt.Errorf("unknown user command %q", sub)
	}
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "%s: done; the user's sessions and tokens have ended\n", sub)
	return nil
}

// explain turns field errors into lines an operator can act on.
func explain(err error) error {
	var es nrm.Errors
	if errors.As(err, &es) {
		var b strings.Builder
		for _, e := range es {
			fmt.Fprintf(&b, "\n  %s: %s", e.Field, e.Key)
		}
		return fmt.Errorf("invalid input:%s", b.String())
	}
	return err
}

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := flags("token", stderr, "")
	username := fs.String("username", "", "the user the token acts as")
	scopes := fs.String("scopes", door.ScopeRead, "comma-separated scopes: "+door.ScopeRead+","+door.ScopeWrite)
	ttl := fs.Duration("ttl", 24*time.Hour, "lifetime (at most 2160h)")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Door.UserByName(ctx, *username)
	if err != nil {
		return fmt.Errorf("no such user")
	}
	tok, err := a.Door.MintToken(ctx, nrm.SystemActor("cli"), u.ID, strings.Split(*scopes, ","), *ttl)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// openSub checks that a command's only subcommand was given, parses the
// rest as options and opens the system.
func openSub(ctx context.Context, cmd, sub string, args []string, stderr io.Writer) (*App, error) {
	if len(args) == 0 || args[0] != sub {
		return nil, fmt.Errorf("usage: nrm %s %s [options]", cmd, sub)
	}
	fs, cfg := flags(cmd+" "+sub, stderr, "")
	if err := parse(fs, args[1:]); err != nil {
		return nil, err
	}
	return openApp(ctx, cfg, stderr)
}

func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := openSub(ctx, "keys", "rotate", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Door.RotateKeys(ctx)
	if err != nil {
		return err
	}
	primary, ids := a.Vault.KeyInfo()
	fmt.Fprintf(stdout, "new primary key %d (%d keys in the keyset); %d data keys re-wrapped\n", primary, len(ids), n)
	return nil
}

func cmdStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := openSub(ctx, "stats", "rebuild", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.Door.RebuildStats(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "statistics rebuilt from %d records\n", n)
	return nil
}

func cmdRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := openSub(ctx, "retention", "run", args, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Door.RunRetention(ctx)
	if err != nil {
		return err
	}
	if !rep.Configured {
		fmt.Fprintln(stdout, "the jurisdiction profile sets no retention periods: nothing erased")
		return nil
	}
	for _, k := range rules.RetentionKinds {
		per, _ := a.Door.Profile().Retention(k)
		fmt.Fprintf(stdout, "%-28s kept %-9s erased %d\n", k, per, rep.Erased[k])
	}
	fmt.Fprintf(stdout, "on legal hold past their period: %d\n", rep.Held)
	for _, c := range rep.Codes {
		fmt.Fprintln(stdout, "erased", c)
	}
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := flags("backup", stderr, "")
	out := fs.String("out", "", "backup file to write (must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	db, err := store.Open(ctx, cfg.store())
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (back up the key directory separately)\n", *out)
	return nil
}

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg := flags("restore", stderr, "")
	in := fs.String("in", "", "backup file to restore")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *in == "" {
		return errors.New("--in is required")
	}
	cfg.fill()
	// The backup is checked against the keys before anything live is
	// touched: restoring a register no key here can read helps nobody.
	check := func(ctx context.Context, src store.TableReader) error {
		want, err := door.ReadKeyIDs(ctx, src)
		if err != nil || want.Empty() {
			return err
		}
		_, _, err = cfg.openKeys(want)
		return err
	}
	if err := store.Restore(ctx, cfg.store(), *in, check); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "restored")
	return nil
}
