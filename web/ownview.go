package web

import (
	"bytes"
	"net/http"
	"slices"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/ownfile"
)

// The person's own view (issue #4): who saw their data, as a page for the
// worker to go through with them, and their own file as a PDF in their
// language. The door decides who may (those who work the record) and
// audits both.

// disclosuresPage is the disclosure log of a record.
type disclosuresPage struct {
	Page
	ID, Code string
	Groups   []disclosureGroup
	Entries  int // entries of the audit the groups hold, all of them
}

type disclosureRow struct{ When, Org, Role, What, Parts string }

// disclosuresShow is GET /persons/{id}/disclosures.
func (s *Server) disclosuresShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	p, err := s.door.GetPerson(r.Context(), st.actor, id)
	if err != nil {
		s.personFail(w, r, st, id, err)
		return
	}
	log, err := s.door.DisclosureLog(r.Context(), st.actor, id)
	if err != nil {
		s.personFail(w, r, st, id, err)
		return
	}
	pg := &disclosuresPage{Page: s.base(r), ID: p.ID, Code: p.Code, Entries: len(log)}
	pg.Groups = s.groupDisclosures(st.lang, log)
	s.render(w, r, http.StatusOK, "disclosures", pg)
}

// disclosureWhat says in plain words what an audit action did, as the
// person's own file does.
func (s *Server) disclosureWhat(lang, action string) string {
	if k, ok := ownActionKeys[action]; ok {
		return s.cat.T(lang, k)
	}
	if _, ok := s.cat.Lookup(lang, "ownfile.action."+action); ok {
		return s.cat.T(lang, "ownfile.action."+action)
	}
	return s.cat.T(lang, "ownfile.action.other")
}

// ownActionKeys are the audit actions whose plain sentence is named
// otherwise than "ownfile.action." + the action.
var ownActionKeys = map[string]string{door.ActCaseRead: "ownfile.action.file.read"}

// ownFileDownload is GET /persons/{id}/own-file?lang=: the person's own
// file as a PDF, never cached.
func (s *Server) ownFileDownload(w http.ResponseWriter, r *http.Request, st *reqState) {
	id := r.PathValue("id")
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = st.lang
	}
	if !slices.Contains(s.cat.Langs(), lang) {
		s.fail(w, r, nrm.FieldError("lang", "error.unknown_value"))
		return
	}
	f, err := s.door.OwnFile(r.Context(), st.actor, id, lang)
	if err != nil {
		s.personFail(w, r, st, id, err)
		return
	}
	var buf bytes.Buffer
	if err := ownfile.Render(&buf, f, s.translator(lang)); err != nil {
		s.fail(w, r, err)
		return
	}
	name := strings.Map(func(c rune) rune {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '-'
	}, f.Code) + "-" + lang + ".pdf"
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
