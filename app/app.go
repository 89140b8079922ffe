package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
	"github.com/nrm-org/nrm/web"
)

// App is a running nrm: database, vault, door and web handler.
type App struct {
	Config  Config
	DB      *store.DB
	Vault   *vault.Vault
	Door    *door.Service
	Handler http.Handler
	Metrics http.Handler // the Prometheus metrics, served apart (ServeMetrics)
	Log     *slog.Logger
	cat     *i18n.Catalog
	origin  string // the site's first origin: the link in the e-mail that work waits
}

// NewLogger makes the structured logger. Nothing personal is ever logged:
// handlers log ids, routes and statuses only.
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open opens everything. With migrate false, a stale schema is an error.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	cfg.fill()
	db, err := store.Open(ctx, cfg.store())
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Log: log}
	if err := a.open(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context) error {
	cfg := a.Config
	rpID, origins, err := cfg.relyingParty()
	if err != nil {
		return err
	}
	roles, err := cfg.webAuthnRoles()
	if err != nil {
		return err
	}
	warning, err := cfg.transport()
	if err != nil {
		return err
	}
	if warning != "" {
		a.Log.Warn(warning, "addr", cfg.Addr)
	}
	if cfg.Migrate {
		n, err := a.DB.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if n > 0 {
			a.Log.Info("migrations applied", "count", n)
		}
	}
	if err := a.DB.CheckSchema(ctx); err != nil {
		return err
	}
	want, err := door.ReadKeyIDs(ctx, a.DB)
	if err != nil {
		return err
	}
	v, signer, err := cfg.openKeys(want)
	if err != nil {
		return err
	}
	profile, err := loadProfile(cfg.Profile, cfg.ProfileFile)
	if err != nil {
		return err
	}
	attachMax, attachWindow, err := cfg.attachmentSettings()
	if err != nil {
		return err
	}
	d, err := door.New(ctx, a.DB, v, signer, door.Settings{RPID: rpID, RPOrigins: origins, WebAuthnRequired: roles, Profile: profile,
		AttachmentMax: attachMax, AttachWindow: attachWindow, DraftTTL: cfg.DraftTTL}, a.Log)
	if err != nil {
		return err
	}
	a.Vault, a.Door = v, d
	cat, err := i18n.Load()
	if err != nil {
		return err
	}
	a.cat, a.origin = cat, origins[0]
	wc := cfg.webConfig()
	if cfg.Secure {
		a.Log.Warn("--secure is deprecated: the site is HTTPS because of --origin or --tls-cert; drop the flag")
	}
	h, err := web.New(wc, d, cat, a.Log)
	if err != nil {
		return err
	}
	a.Handler, a.Metrics = h, h.MetricsHandler()
	return nil
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully. It
// also signs an audit checkpoint on a schedule.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	if a.Config.TLSCert != "" {
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	go a.checkpoints(ctx)
	go a.escalations(ctx)
	go a.retention(ctx)
	go a.statistics(ctx)
	go a.mailer(ctx)

	go a.dupTags(ctx)
	err := serveUntil(ctx, srv, func() error {
		if a.Config.TLSCert != "" {
			return srv.ServeTLS(ln, a.Config.TLSCert, a.Config.TLSKey)
		}
		return srv.Serve(ln)
	})
	if ctx.Err() != nil {
		// A last checkpoint so the tail is covered.
		_, _ = a.Door.Checkpoint(context.Background(), true)
	}
	return err
}

// serveUntil runs serve until it fails or ctx ends, then shuts srv down
// gracefully.
func serveUntil(ctx context.Context, srv *http.Server, serve func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// ServeMetrics serves the Prometheus metrics on ln (a listener apart from
// the site's: the public handler has no /metrics) until ctx ends.
func (a *App) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	return serveUntil(ctx, srv, func() error { return srv.Serve(ln) })
}

// loadProfile reads the jurisdiction profile: an operator's file, or a
// shipped one by code.
func loadProfile(code, file string) (*rules.Profile, error) {
	if file != "" {
		b, err := os.ReadFile(file) // #nosec G304 -- an operator-supplied path
		if err != nil {
			return nil, err
		}
		return rules.Parse(b)
	}
	if code == "" {
		code = "AL"
	}
	return rules.Load(code)
}

// escalations escalates missed deadlines to the Responsible Authority every
// minute, and ends the work of organisations whose consent expired, through
// the door like every other access.
func (a *App) escalations(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := a.Door.EscalateDeadlines(ctx); err != nil {
			a.Log.Error("deadline escalation failed", "err", err)
		} else if n > 0 {
			a.Log.Info("missed deadlines escalated", "count", n)
		}
		// Work whose consent expired ends: its organisation is told that
		// nothing more is needed from it.
		if err := a.Door.EndExpiredAccess(ctx); err != nil {
			a.Log.Error("ending expired access failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// statistics keeps the monitoring figures current every minute, through the
// door: the persons named in the audit log since the last run are
// recomputed, so a dashboard seldom has catching up to do. The first run,
// at start-up, may have a long backlog (after a bulk load or a long stop):
// it catches up in short write transactions of a few persons each, while
// dashboards answer from the stored rollup and say as of when.
func (a *App) statistics(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if run, err := a.Door.RunRefresh(ctx, 0); err != nil {
			a.Log.Error("statistics refresh failed", "err", err)
		} else if run.Persons > 0 {
			a.Log.Info("statistics refreshed", "persons", run.Persons, "writes", run.Writes, "longest_write", run.Longest)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retention runs the retention job once an hour, through the door: records
// past their period are crypto-shredded, expired drafts deleted.
func (a *App) retention(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if rep, err := a.Door.RunRetention(ctx); err != nil {
			a.Log.Error("retention run failed", "err", err)
		} else if n := len(rep.Codes); n > 0 || rep.Erased[rules.RetainDraft] > 0 {
			a.Log.Info("retention run", "records_erased", n, "drafts_deleted", rep.Erased[rules.RetainDraft], "held", rep.Held)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// checkpoints signs an audit checkpoint every CheckpointEvery entries
// (checked every 30 s) and at least every CheckpointInt. Each reads only the
// entries since the stored tree state and writes in one short transaction.
func (a *App) checkpoints(ctx context.Context) {
	every := a.Config.CheckpointInt
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(min(every, 30*time.Second))
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		force := time.Since(last) >= every
		run, err := a.Door.RunCheckpoint(ctx, force)
		if err != nil {
			a.Log.Error("audit checkpoint failed", "err", err)
			continue
		}
		if cp := run.Checkpoint; cp != nil {
			last = time.Now()
			a.Log.Info("audit checkpoint signed", "size", cp.Size, "entries_read", run.LogRows, "writes", run.Writes)
		}
	}
}
