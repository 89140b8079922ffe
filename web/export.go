package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
)

// GET /persons/export.csv: the records the reader's organisation may take
// away, through door.ExportPersons — each row carries exactly the parts a
// page would show at this moment, and never a child's identity. Rows are
// streamed chunk by chunk, with no cap. Cells that a spreadsheet would run
// as a formula are neutralised.
func (s *Server) personsExport(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	f := door.PersonFilter{}
	f.Status, f.Region = statusRegionOf(q)
	var cw *csv.Writer
	n, err := s.door.ExportPersons(r.Context(), st.actor, f, func(p nrm.Person) error {
		if cw == nil { // the first record: the answer starts
			cw = s.exportStart(w)
		}
		row := []string{p.Code, string(p.Status), string(p.AgeGroup), map[bool]string{true: "yes", false: "no"}[p.IsChild()], p.Sex, p.Nationality, p.Region, p.CreatedAt.In(s.loc).Format(time.RFC3339),
			"", "", "", "", ""}
		if id := p.Identity; id != nil {
			row[8], row[9], row[10], row[11] = id.GivenName, id.FamilyName, strings.Join(id.Aliases, "; "), id.BirthDate
		}
		if p.Narrative != nil {
			row[12] = *p.Narrative
		}
		for i, c := range row {
			row[i] = safeCell(c)
		}
		return cw.Write(row) // an error: the client went away; the audit already holds what was read
	})
	switch {
	case err != nil && n == 0 && cw == nil:
		s.fail(w, r, err)
		return
	case err != nil:
		// Part of the file has gone: abort the connection rather than
		// end it cleanly, so the download shows as failed, not complete.
		panic(http.ErrAbortHandler)
	case cw == nil:
		cw = s.exportStart(w)
	}
	cw.Flush()
}

// exportStart writes the export's headers and its header row.
func (s *Server) exportStart(w http.ResponseWriter) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="nrm-export-`+s.door.Now().In(s.loc).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"code", "status", "age_group", "treated_as_child", "sex", "nationality", "region", "created_at",
		"given_name", "family_name", "aliases", "birth_date", "account"})
	return cw
}

// safeCell keeps a spreadsheet from running a cell as a formula.
func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
