package web

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/stats"
)

// Imports of statistics files (issue 13, part 5). Nothing of an upload's body
// is read — not a byte, so nothing is spooled to disk — before the door has
// said the actor may import, the CSRF token has matched and the import slot
// is ours. The form's token therefore travels in its action URL
// (/statistics/datasets?csrf=…): a token in a multipart body can only be
// read by reading the body up to it. The URL is not logged (the access log
// records the route pattern only), not sent on (Referrer-Policy:
// no-referrer, and a successful import redirects to a page without it), and
// the token is bound to the session like the form field it replaces; the
// cross-origin protection (Sec-Fetch-Site / Origin) runs before it in the
// middleware. A client that sends "Expect: 100-continue" (curl does, for
// large bodies) is refused before it sends the file at all.

// uploadParts bounds the parts of an import form (csrf, name, source, file
// and a few a browser might add).
const uploadParts = 8

// uploadField bounds a text part of an import form.
const uploadField = 4 << 10

// upload is an import form as read from its body.
type upload struct {
	name, source string
	file         []byte // nil when no file was chosen
}

// datasetsImport is POST /statistics/datasets?csrf=…: a file into a new
// statistics-only dataset, all or nothing.
func (s *Server) datasetsImport(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.door.MayImportStatistics(st.actor); err != nil {
		s.fail(w, r, err)
		return
	}
	if !csrfMatches(r.URL.Query().Get("csrf"), st.sess) {
		s.fail(w, r, errCSRF)
		return
	}
	imp, err := s.door.StartImport(r.Context(), st.actor)
	if err != nil {
		s.datasetsRefused(w, r, st, err, nil)
		return
	}
	defer imp.Close()
	up, err := readUpload(w, r)
	if err != nil {
		s.datasetsRefused(w, r, st, err, up)
		return
	}
	var facts iter.Seq2[stats.Fact, error]
	if up.file != nil {
		facts = fileFacts(up.source, bytes.NewReader(up.file))
	}
	d, err := imp.Save(r.Context(), up.name, up.source, orMissing(facts))
	if err != nil {
		s.datasetsRefused(w, r, st, err, up)
		return
	}
	http.Redirect(w, r, "/statistics/datasets?imported="+url.QueryEscape(d.ID), http.StatusSeeOther)
}

// datasetsRefused answers a refused import with the datasets page, the
// reason in its error summary (and beside the field it is about); errors
// that are not about the form (a forbidden actor) get the error page.
func (s *Server) datasetsRefused(w http.ResponseWriter, r *http.Request, st *reqState, err error, up *upload) {
	status := http.StatusUnprocessableEntity
	if nrm.ErrorOf(err).Key == "error.input_chars" { // unclean text, as every form answers it
		status = http.StatusBadRequest
	}
	if nrm.ErrorCode(err) == nrm.EConflict { // another import is running: said on the form, as a 409
		status = http.StatusConflict
		err = &nrm.Error{Code: nrm.EInvalid, Key: "error.import_busy"}
	}
	pg, derr := s.datasetsData(r, st)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	summary, byField, ok := s.formErrors(r, err, pg.Lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg.Summary, pg.Errs = summary, byField
	if up != nil {
		pg.Values["name"], pg.Values["source"] = up.name, up.source
	}
	s.render(w, r, status, "statisticsdatasets", pg)
}

// readUpload reads the import form's parts: the text fields, and the file
// into memory (the body is bounded at MaxUpload by the middleware, and one
// import runs at a time). Nothing goes to disk. A body that is not
// multipart is a form without a file, held to MaxBody.
func readUpload(w http.ResponseWriter, r *http.Request) (*upload, error) {
	up := &upload{}
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		if err := parseForm(r); err != nil {
			return up, err
		}
		up.name, up.source = r.PostFormValue("name"), r.PostFormValue("source")
		return up, nil
	}
	if err != nil {
		return up, nrm.Errorf(nrm.EInvalid, "error.invalid")
	}
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return up, nil
		}
		if err != nil || n == uploadParts {
			return up, bodyError(err)
		}
		if err := up.read(p, r.ContentLength); err != nil {
			return up, err
		}
	}
}

// read takes one part of the form; size is the body's declared length
// (already held to MaxUpload), to read the file without regrowing.
func (up *upload) read(p *multipart.Part, size int64) error {
	defer func() { _ = p.Close() }()
	if p.FormName() == "file" {
		var b bytes.Buffer
		b.Grow(int(min(max(size, 0), MaxUpload)))
		if _, err := b.ReadFrom(p); err != nil {
			return bodyError(err)
		}
		if p.FileName() != "" {
			up.file = b.Bytes()
		}
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(p, uploadField+1))
	if err != nil {
		return bodyError(err)
	}
	if len(b) > uploadField {
		return nrm.FieldError(p.FormName(), "error.too_long", uploadField)
	}
	if !cleanText(p.FormName()) || !cleanText(string(b)) {
		return nrm.FieldError(fieldName(p.FormName()), "error.input_chars")
	}
	switch p.FormName() {
	case "name":
		up.name = string(b)
	case "source":
		up.source = string(b)
	}
	return nil
}

// bodyError is a body that could not be read: too large (413) or broken.
func bodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return nrm.Errorf(nrm.ETooLarge, "error.too_large")
	}
	return nrm.Errorf(nrm.EInvalid, "error.invalid")
}

// orMissing is facts, or, without a file, the error naming the file field.
func orMissing(facts iter.Seq2[stats.Fact, error]) iter.Seq2[stats.Fact, error] {
	if facts != nil {
		return facts
	}
	return func(yield func(stats.Fact, error) bool) {
		yield(stats.Fact{}, nrm.FieldError("file", "error.required"))
	}
}

// fileFacts reads a CTDC CSV or an HTCDS workbook as a stream of facts,
// within stats.DefaultImportLimits. A bad row names the row and the field; a
// file over a limit names the limit.
func fileFacts(source string, body io.Reader) iter.Seq2[stats.Fact, error] {
	stop := errors.New("stop")
	read := func(yield func(stats.Fact, error) bool) error {
		switch source {
		case "ctdc":
			row := 0
			_, err := stats.ReadCTDC(body, func(rec stats.CTDCRecord) error {
				row++
				if !yield(stats.CTDCFact(row, rec), nil) {
					return stop
				}
				return nil
			})
			return err
		case "htcds":
			_, err := htcds.ReadTemplate(body, func(row int, rec map[string]string) error {
				if !yield(htcds.Fact(row, rec), nil) {
					return stop
				}
				return nil
			})
			return err
		}
		return nrm.FieldError("source", "error.unknown_value")
	}
	return func(yield func(stats.Fact, error) bool) {
		err := read(yield)
		var re *htcds.RowError
		var le *stats.LimitError
		var ne *nrm.Error
		var mb *http.MaxBytesError
		switch {
		case err == nil || err == stop:
		case errors.As(err, &mb):
			yield(stats.Fact{}, bodyError(err))
		case errors.As(err, &le):
			yield(stats.Fact{}, limitError(le))
		case errors.As(err, &re):
			yield(stats.Fact{}, nrm.FieldError("file", "error.import_row", re.Row, re.Field))
		case errors.As(err, &ne):
			yield(stats.Fact{}, err)
		default:
			yield(stats.Fact{}, nrm.FieldError("file", "error.import_file", err.Error()))
		}
	}
}

// limitKeys are the messages of the import limits.
var limitKeys = map[string]string{
	stats.LimitFile: "error.import_limit_file", stats.LimitFormat: "error.import_limit_format",
	stats.LimitEntries: "error.import_limit_entries", stats.LimitUnpacked: "error.import_limit_unpacked",
	stats.LimitRatio: "error.import_limit_ratio", stats.LimitDamaged: "error.import_limit_damaged",
	stats.LimitRows: "error.import_limit_rows", stats.LimitColumns: "error.import_limit_columns",
	stats.LimitCell: "error.import_limit_cell", stats.LimitRecord: "error.import_limit_record",
}

// limitError names the limit a file exceeded, in words for the person who
// sent it.
func limitError(le *stats.LimitError) error {
	key, ok := limitKeys[le.What]
	if !ok {
		return nrm.Internal(le)
	}
	switch le.What {
	case stats.LimitFile, stats.LimitUnpacked:
		return nrm.FieldError("file", key, le.Limit>>20)
	case stats.LimitRecord:
		return nrm.FieldError("file", key, le.Limit>>10)
	case stats.LimitColumns, stats.LimitCell:
		return nrm.FieldError("file", key, le.Row, le.Limit)
	}
	return nrm.FieldError("file", key, le.Limit)
}

// apiDatasetImport is POST /api/v1/statistics/datasets?source=&name=, the
// file as the body. The door decides first whether the actor may import and
// takes the import slot; only then is the body read.
func (s *Server) apiDatasetImport(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	d, err := s.door.ImportDataset(r.Context(), st.actor, q.Get("name"), q.Get("source"), fileFacts(q.Get("source"), r.Body))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, datasetJSON{ID: d.ID, Name: d.Name, Source: d.Source, Rows: d.Rows, ImportedAt: tjson(d.ImportedAt)})
}
