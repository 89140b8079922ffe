package web

import (
	"fmt"
	"net/http"
	"strings"
)

// The referrer's receipt (issue 15, part 6): after sending, the referrer can
// print the receipt page or download it as a text file: their organisation,
// the time, the record's code, and the deadlines that started with the
// referral and who is responsible for each, in the reader's language. It
// never names the person (door.Receipt carries no identity).

type receiptPage struct {
	Page
	ReferralID, Code, Org, SentAt string
	Child                         bool
	Deadlines                     []answerRow // label, due · organisation
}

// loadReceipt reads the receipt named in the path for its sender (anyone
// else: not found), or answers the request with the error.
func (s *Server) loadReceipt(w http.ResponseWriter, r *http.Request, st *reqState) (*receiptPage, bool) {
	if !s.mayRefer(w, r, st) {
		return nil, false
	}
	rc, err := s.door.Receipt(r.Context(), st.actor, r.PathValue("referral"))
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	pg := &receiptPage{Page: s.base(r), ReferralID: rc.ReferralID, Code: rc.Code, Org: rc.OrgName, SentAt: s.when(rc.SentAt), Child: rc.Child}
	for _, dl := range rc.Deadlines {
		pg.Deadlines = append(pg.Deadlines, answerRow{Label: s.deadlineLabel(st.lang, dl.Rule), Value: s.day(dl.DueAt) + " · " + dl.OrgName})
	}
	return pg, true
}

// referReceipt shows the receipt, ready to print.
func (s *Server) referReceipt(w http.ResponseWriter, r *http.Request, st *reqState) {
	if pg, ok := s.loadReceipt(w, r, st); ok {
		s.render(w, r, http.StatusOK, "referreceipt", pg)
	}
}

// referReceiptText downloads the receipt as a plain text file, readable on
// any phone without the service.
func (s *Server) referReceiptText(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, ok := s.loadReceipt(w, r, st)
	if !ok {
		return
	}
	T := func(k string, args ...any) string { return s.cat.T(st.lang, k, args...) }
	var b strings.Builder
	line := func(label, value string) { fmt.Fprintf(&b, "%s: %s\n", label, value) }
	fmt.Fprintf(&b, "%s\n%s\n\n", T("app.name"), T("receipt.title"))
	line(T("receipt.org"), pg.Org)
	line(T("receipt.sent_at"), pg.SentAt)
	line(T("receipt.code"), pg.Code)
	if pg.Child {
		line(T("refer.child"), T("refer.child_notified"))
	}
	if len(pg.Deadlines) > 0 {
		fmt.Fprintf(&b, "\n%s\n", T("receipt.deadlines"))
		for _, d := range pg.Deadlines {
			fmt.Fprintf(&b, "- %s: %s\n", d.Label, d.Value)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", T("receipt.no_identity"))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+receiptFile(pg.Code)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}

// receiptFile names the downloaded file after the record's code (letters,
// digits and dashes only).
func receiptFile(code string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, code)
	return "receipt-" + clean + ".txt"
}
