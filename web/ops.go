package web

import (
	"context"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
)

// healthz says the process is up; it touches nothing.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// pinger is what readiness needs from the door: door.Service.Ping checks
// the connection and the schema, and, after a write failed because the
// storage was full, that writes go through again. Without it readiness
// asks the database for its schema version through the door's handle.
type pinger interface {
	Ping(ctx context.Context) error
}

func (s *Server) ping(ctx context.Context) error {
	if p, ok := any(s.door).(pinger); ok {
		return p.Ping(ctx)
	}
	return s.door.DB().CheckSchema(ctx)
}

// readyz says whether the database answers and takes writes.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ping(ctx); err != nil {
		s.log.Warn("not ready", "request_id", state(r).id, "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

var staticSub = func() fs.FS {
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		panic(err)
	}
	return sub
}()

var staticFS = http.StripPrefix("/static/", http.FileServerFS(staticSub))

// static serves the embedded stylesheet. It is public and the same for
// everyone, so it may be cached for a day.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if fi, err := fs.Stat(staticSub, name); name == "" || err != nil || fi.IsDir() {
		s.notFound(w, r) // no directory listings, and the same 404 as anywhere
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	if serveGzip(w, r, name) {
		return
	}
	staticFS.ServeHTTP(w, r)
}

// notFound is the translated 404 page for any unknown address. It uses the
// session's language when there is a live session.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if s.sessionToken(r) != "" {
		_ = s.authenticate(r) // only for the language and the header
	}
	st := state(r)
	if st.lang == "" {
		st.lang = s.requestLang(r)
	}
	s.fail(w, r, nrm.Errorf(nrm.ENotFound, "error.page_not_found"))
}
