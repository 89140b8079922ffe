package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// Attachments of a record (issue 15, part 5): a page of their own, linked
// from the record page and from a referral's confirmation, listing them
// (kind, date, who added) with an upload form for those who may add and a
// download link for those who may see the content. The upload streams: as
// for imports (datasets_import.go), the CSRF token travels in the form's
// action URL and is checked before a byte of the body is read, and the
// file part goes straight to the door, which reads it in chunks. The form
// puts the kind before the file, so the kind is known when the file comes.

func init() { pageTypes["attachments"] = func() any { return &attachmentsPage{} } }

func (s *Server) attachmentRoutes() {
	s.handle("GET /persons/{id}/attachments", s.page(s.attachmentsShow))
	s.handle("POST /persons/{id}/attachments", s.page(s.attachmentsUpload))
	s.handle("GET /persons/{id}/attachments/{att}", s.page(s.attachmentDownload))
	s.handle("GET /api/v1/persons/{id}/attachments", s.api(s.apiAttachments))
	s.handle("POST /api/v1/persons/{id}/attachments", s.api(s.apiAttachmentUpload))
	s.handle("GET /api/v1/persons/{id}/attachments/{att}", s.api(s.apiAttachmentDownload))
}

// attachmentUploadRoute says the request is an attachment upload, whose
// body may be larger than MaxBody (up to MaxUpload; the door holds it to
// the configured attachment limit).
func attachmentUploadRoute(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	p := strings.TrimPrefix(r.URL.Path, "/api/v1")
	rest, ok := strings.CutPrefix(p, "/persons/")
	if !ok {
		return false
	}
	id, tail, _ := strings.Cut(rest, "/")
	return id != "" && tail == "attachments"
}

type attachmentsPage struct {
	Page
	PersonID, Code string
	Rows           []attachmentRow
	MayAdd         bool
	Content        bool
	Kinds          []Option
	MaxMB          int64
	Added          bool
}

// attachKindKeys and attachTypeKeys are the catalogue keys of the kinds
// and types, written out so the catalogue test finds them.
var (
	attachKindKeys = map[string]string{
		nrm.AttachIdentityDocument:   "attach.kind.identity_document",
		nrm.AttachMedicalCertificate: "attach.kind.medical_certificate",
		nrm.AttachConsentForm:        "attach.kind.consent_form",
		nrm.AttachOther:              "attach.kind.other",
	}
	attachTypeKeys = map[string]string{"application/pdf": "attach.type.pdf", "image/jpeg": "attach.type.jpeg", "image/png": "attach.type.png"}
)

// attachLabel is the words for a kind or type, the code when unknown.
func (s *Server) attachLabel(lang string, keys map[string]string, code string) string {
	if k, ok := keys[code]; ok {
		return s.cat.T(lang, k)
	}
	return code
}

type attachmentRow struct {
	ID, Kind, Type, Name, Date, AddedBy, Size string
	Download                                  bool
}

func (s *Server) attachmentsData(r *http.Request, st *reqState) (*attachmentsPage, error) {
	l, err := s.door.ListAttachments(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	pg := &attachmentsPage{Page: s.base(r), PersonID: l.PersonID, Code: l.Code, MayAdd: l.MayAdd, Content: l.Content,
		MaxMB: s.door.AttachmentMax() >> 20, Added: r.URL.Query().Get("added") != ""}
	for _, a := range l.Items {
		pg.Rows = append(pg.Rows, attachmentRow{ID: a.ID, Kind: s.attachLabel(st.lang, attachKindKeys, a.Kind), Type: s.attachLabel(st.lang, attachTypeKeys, a.ContentType),
			Name: a.Name, Date: s.day(a.CreatedAt), AddedBy: a.AddedByName, Size: sizeText(a.Size), Download: a.ContentShown})
	}
	pg.Kinds = []Option{{Value: "", Label: s.cat.T(st.lang, "attach.choose")}}
	for _, k := range nrm.AttachmentKinds {
		pg.Kinds = append(pg.Kinds, Option{Value: k, Label: s.attachLabel(st.lang, attachKindKeys, k)})
	}
	return pg, nil
}

// sizeText is a size in KB or MB, one decimal.
func sizeText(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	}
	return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
}

// attachmentsShow is GET /persons/{id}/attachments.
func (s *Server) attachmentsShow(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.attachmentsData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "attachments", pg)
}

// attachmentsUpload is POST /persons/{id}/attachments?csrf=…
func (s *Server) attachmentsUpload(w http.ResponseWriter, r *http.Request, st *reqState) {
	if !csrfMatches(r.URL.Query().Get("csrf"), st.sess) {
		s.fail(w, r, errCSRF)
		return
	}
	kind, err := s.readAttachmentForm(r, st)
	if err == nil {
		http.Redirect(w, r, "/persons/"+r.PathValue("id")+"/attachments?added=1", http.StatusSeeOther)
		return
	}
	summary, byField, ok := s.formErrors(r, err, st.lang)
	if !ok {
		s.fail(w, r, err)
		return
	}
	pg, derr := s.attachmentsData(r, st)
	if derr != nil {
		s.fail(w, r, derr)
		return
	}
	pg.Summary, pg.Errs = inFormOrder(summary, []string{"kind", "file"}), byField
	pg.Values = map[string]string{"kind": kind}
	status := http.StatusUnprocessableEntity
	if nrm.ErrorOf(err).Key == "error.attachment_size" {
		status = http.StatusRequestEntityTooLarge
	}
	s.render(w, r, status, "attachments", pg)
}

// readAttachmentForm reads the multipart form: the kind, then the file,
// which streams to the door. It returns the kind it read.
func (s *Server) readAttachmentForm(r *http.Request, st *reqState) (string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nrm.FieldError("file", "error.required")
	}
	kind := ""
	for n := 0; n < uploadParts; n++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return kind, s.attachBodyError(err)
		}
		switch p.FormName() {
		case "kind":
			b, err := io.ReadAll(io.LimitReader(p, uploadField))
			if err != nil {
				return kind, s.attachBodyError(err)
			}
			kind = string(b)
		case "file":
			if p.FileName() == "" {
				return kind, nrm.FieldError("file", "error.required")
			}
			in := nrm.AttachmentInput{Kind: kind, Name: fileBase(p.FileName())}
			if !cleanText(in.Name) {
				in.Name = ""
			}
			_, err := s.door.AddAttachment(r.Context(), st.actor, r.PathValue("id"), in, &attachBody{r: p, s: s})
			return kind, err
		}
		_ = p.Close()
	}
	if !slices.Contains(nrm.AttachmentKinds, kind) {
		return kind, nrm.FieldError("kind", "error.attachment_kind")
	}
	return kind, nrm.FieldError("file", "error.required")
}

// fileBase is the last element of a file name a browser sent (some send a
// path).
func fileBase(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// attachBody turns the body's read errors into the form's errors: over the
// request limit is the file's size error.
type attachBody struct {
	r io.Reader
	s *Server
}

func (b *attachBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = b.s.attachBodyError(err)
	}
	return n, err
}

func (s *Server) attachBodyError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return nrm.FieldError("file", "error.attachment_size", s.door.AttachmentMax()>>20)
	}
	return nrm.FieldError("file", "error.invalid")
}

// attachmentDownload is GET /persons/{id}/attachments/{att}.
func (s *Server) attachmentDownload(w http.ResponseWriter, r *http.Request, st *reqState) {
	c, err := s.door.OpenAttachment(r.Context(), st.actor, r.PathValue("id"), r.PathValue("att"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sendAttachment(w, c)
}

// sendAttachment streams an opened attachment as a download (never shown
// inline: the browser saves it).
func (s *Server) sendAttachment(w http.ResponseWriter, c *door.AttachmentContent) {
	name := c.Name
	if name == "" {
		name = c.Kind
	}
	h := w.Header()
	h.Set("Content-Type", c.ContentType)
	h.Set("Content-Length", strconv.FormatInt(c.Size, 10))
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" { // a name mime cannot carry: the browser names the file
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if _, err := c.WriteTo(w); err != nil {
		// The status is sent: the client sees a short body against
		// Content-Length. The log names the request, never the file.
		s.log.Warn("attachment download cut short", "err", err)
	}
}

type attachmentJSON struct {
	ID          string  `json:"id"`
	PersonID    string  `json:"person_id"`
	ReferralID  *string `json:"referral_id"`
	Kind        string  `json:"kind"`
	ContentType string  `json:"content_type"`
	Name        *string `json:"name"`
	Size        int64   `json:"size"`
	AddedBy     string  `json:"added_by"`
	AddedOrg    string  `json:"added_org"`
	CreatedAt   string  `json:"created_at"`
	Download    bool    `json:"download"`
}

func toAttachmentJSON(a nrm.Attachment) attachmentJSON {
	out := attachmentJSON{ID: a.ID, PersonID: a.PersonID, Kind: a.Kind, ContentType: a.ContentType, Size: a.Size,
		AddedBy: a.AddedBy, AddedOrg: a.AddedOrg, CreatedAt: a.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Download: a.ContentShown}
	if a.ReferralID != "" {
		out.ReferralID = &a.ReferralID
	}
	if a.ContentShown {
		out.Name = &a.Name
	}
	return out
}

type attachmentsJSON struct {
	Attachments []attachmentJSON `json:"attachments"`
	MayAdd      bool             `json:"may_add"`
}

// apiAttachments is GET /api/v1/persons/{id}/attachments.
func (s *Server) apiAttachments(w http.ResponseWriter, r *http.Request, st *reqState) {
	l, err := s.door.ListAttachments(r.Context(), st.actor, r.PathValue("id"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := attachmentsJSON{Attachments: []attachmentJSON{}, MayAdd: l.MayAdd}
	for _, a := range l.Items {
		out.Attachments = append(out.Attachments, toAttachmentJSON(a))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiAttachmentUpload is POST /api/v1/persons/{id}/attachments?kind=…&name=…
// with the file as the body (any Content-Type: the content decides).
func (s *Server) apiAttachmentUpload(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	in := nrm.AttachmentInput{Kind: q.Get("kind"), Name: q.Get("name")}
	if !cleanText(in.Name) {
		s.failJSON(w, r, nrm.FieldError("name", "error.input_chars"))
		return
	}
	a, err := s.door.AddAttachment(r.Context(), st.actor, r.PathValue("id"), in, &attachBody{r: r.Body, s: s})
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toAttachmentJSON(*a))
}

// apiAttachmentDownload is GET /api/v1/persons/{id}/attachments/{att}.
func (s *Server) apiAttachmentDownload(w http.ResponseWriter, r *http.Request, st *reqState) {
	c, err := s.door.OpenAttachment(r.Context(), st.actor, r.PathValue("id"), r.PathValue("att"))
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	s.sendAttachment(w, c)
}
