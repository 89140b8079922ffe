package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/htcds"
	"github.com/nrm-org/nrm/report"
	"github.com/nrm-org/nrm/stats"
)

// MaxUpload is the largest statistics file accepted (a CTDC CSV, an HTCDS
// workbook); every other request keeps MaxBody.
const MaxUpload = 64 << 20

// uploadRoute reports whether a request may carry a statistics file.
func uploadRoute(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/statistics/datasets" || r.URL.Path == "/api/v1/statistics/datasets")
}

func (s *Server) statisticsPageRoutes() {
	s.handle("GET /statistics", s.page(s.statisticsPage))
	for _, ext := range []string{"xlsx", "csv", "pdf"} {
		s.handle("GET /statistics/report."+ext, s.page(s.statisticsReport))
	}
	s.handle("GET /statistics/ctdc.csv", s.page(s.statisticsCTDC))
	s.handle("GET /statistics/datasets", s.page(s.datasetsPage))
	s.handle("POST /statistics/datasets", s.page(s.datasetsImport))
	s.handle("POST /statistics/datasets/{id}/delete", s.page(s.datasetsDelete))
	s.handle("GET /statistics/htcds.xlsx", s.page(s.htcdsExport))
	s.handle("POST /api/v1/statistics/datasets", s.api(s.apiDatasetImport))
}

type statisticsPage struct {
	Page
	Report                  reportViewModel
	HasReport               bool
	Datasets, Regions       []Option
	Query                   string // the filter, for the download links
	Heading                 string
	CanImport, CanHTCDS     bool
	DatasetName, RegionName string
	K                       int
	Freshness               string // as of when the figures are true
}

// statisticsPage is GET /statistics: the dashboard.
func (s *Server) statisticsPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg := &statisticsPage{Page: s.base(r), CanImport: nrm.CanImportStatistics(st.actor), CanHTCDS: st.actor.Has(nrm.RoleRAOfficer)}
	q := r.URL.Query()
	for _, k := range []string{"dataset", "period", "from", "to", "region", "k"} {
		pg.Values[k] = q.Get(k)
	}
	ds, err := s.door.Datasets(r.Context(), st.actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, d := range ds {
		label := d.Name
		if d.ID == door.DatasetNRM {
			label = s.cat.T(pg.Lang, "stats.register")
		}
		pg.Datasets = append(pg.Datasets, Option{Value: d.ID, Label: label})
	}
	pg.Regions = []Option{{Value: "", Label: s.cat.T(pg.Lang, "report.all_regions")}}
	for _, rg := range nrm.Regions {
		pg.Regions = append(pg.Regions, Option{Value: rg, Label: s.cat.T(pg.Lang, "region."+rg)})
	}
	f, err := statFilter(q)
	var rep *stats.Report
	if err == nil {
		rep, err = s.door.Statistics(r.Context(), st.actor, f)
	}
	if err != nil {
		summary, byField, ok := s.formErrors(r, err, pg.Lang)
		if !ok {
			s.fail(w, r, err)
			return
		}
		pg.Summary, pg.Errs = summary, byField
		s.render(w, r, http.StatusUnprocessableEntity, "statistics", pg)
		return
	}
	if pg.Report, err = s.reportView(pg.Lang, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	pg.HasReport, pg.Query, pg.K = true, statQuery(f), rep.K
	pg.Freshness = s.freshness(pg.Lang, rep)
	pg.DatasetName = rep.Dataset
	if rep.Filter.Dataset == door.DatasetNRM {
		pg.DatasetName = s.cat.T(pg.Lang, "stats.register")
	}
	pg.RegionName = s.cat.T(pg.Lang, "report.all_regions")
	if f.Region != "" {
		pg.RegionName = s.cat.T(pg.Lang, "region."+f.Region)
	}
	pg.Heading = periodText(s.cat.T(pg.Lang, "stats.all_periods"), f)
	s.render(w, r, http.StatusOK, "statistics", pg)
}

// periodText writes the filter's period for a heading.
func periodText(all string, f stats.Filter) string {
	switch {
	case f.From == 0 && f.To == 0:
		return all
	case f.From == 0:
		return "– " + f.To.String()
	case f.To == 0:
		return f.From.String() + " –"
	}
	return stats.PeriodLabel(f.From, f.To)
}

// statQuery writes a filter back as a query string.
func statQuery(f stats.Filter) string {
	v := url.Values{}
	if f.Dataset != "" {
		v.Set("dataset", f.Dataset)
	}
	if f.From != 0 {
		v.Set("from", f.From.String())
	}
	if f.To != 0 {
		v.Set("to", f.To.String())
	}
	if f.Region != "" {
		v.Set("region", f.Region)
	}
	if f.K != 0 {
		v.Set("k", strconv.Itoa(f.K))
	}
	return v.Encode()
}

// statisticsReport is GET /statistics/report.xlsx, .csv and .pdf: the periodic
// report of the filter, in the reader's language. Every number in it has
// passed the same disclosure control as the dashboard.
func (s *Server) statisticsReport(w http.ResponseWriter, r *http.Request, st *reqState) {
	ext := path.Ext(r.URL.Path)[1:]
	render, ctype := map[string]func(io.Writer, *stats.Report, report.Translator) error{
		"xlsx": report.XLSX, "csv": report.CSV, "pdf": report.PDF,
	}[ext], map[string]string{
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
	}[ext]
	if render == nil {
		s.fail(w, r, nrm.ErrNotFound)
		return
	}
	rep, ok := s.statisticsFor(w, r, st)
	if !ok {
		return
	}
	lang := s.langOf(r)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+report.Filename(rep, ext)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := render(w, rep, func(k string, a ...any) string { return s.cat.T(lang, k, a...) }); err != nil {
		panic(http.ErrAbortHandler) // part of the file may have gone: fail the download visibly
	}
}

// statisticsCTDC is GET /statistics/ctdc.csv: the filter's figures as a
// CTDC-compatible aggregate (long form, small cells withheld).
func (s *Server) statisticsCTDC(w http.ResponseWriter, r *http.Request, st *reqState) {
	rep, ok := s.statisticsFor(w, r, st)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.TrimSuffix(report.Filename(rep, "csv"), ".csv")+`-ctdc.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := stats.WriteCTDCAggregate(w, rep); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// statisticsFor reads the filter and asks the door for the figures; on a
// bad filter or a refusal it answers and returns false.
func (s *Server) statisticsFor(w http.ResponseWriter, r *http.Request, st *reqState) (*stats.Report, bool) {
	f, err := statFilter(r.URL.Query())
	if err == nil {
		var rep *stats.Report
		if rep, err = s.door.Statistics(r.Context(), st.actor, f); err == nil {
			return rep, true
		}
	}
	s.fail(w, r, err)
	return nil, false
}

type datasetRow struct {
	ID, Name, Source, Imported, DashboardHref string
	Rows                                      int
	Register                                  bool
}

type datasetsPage struct {
	Page
	Rows      []datasetRow
	CanImport bool
	Sources   []Option
	Imported  string
	// The import limits, for the form's hint.
	MaxRows, MaxUnpackedMB int64
}

func (s *Server) datasetsData(r *http.Request, st *reqState) (*datasetsPage, error) {
	ds, err := s.door.Datasets(r.Context(), st.actor)
	if err != nil {
		return nil, err
	}
	pg := &datasetsPage{Page: s.base(r), CanImport: nrm.CanImportStatistics(st.actor),
		MaxRows: int64(stats.DefaultImportLimits.Rows), MaxUnpackedMB: stats.DefaultImportLimits.Unpacked >> 20}
	for _, d := range ds {
		row := datasetRow{ID: d.ID, Name: d.Name, Source: s.cat.T(pg.Lang, "stats.source."+d.Source), Rows: d.Rows,
			DashboardHref: "/statistics?dataset=" + url.QueryEscape(d.ID), Register: d.ID == door.DatasetNRM}
		if row.Register {
			row.Name = s.cat.T(pg.Lang, "stats.register")
		} else {
			row.Imported = s.when(d.ImportedAt)
		}
		pg.Rows = append(pg.Rows, row)
	}
	for _, src := range []string{"ctdc", "htcds"} {
		pg.Sources = append(pg.Sources, Option{Value: src, Label: s.cat.T(pg.Lang, "stats.source."+src)})
	}
	return pg, nil
}

// datasetsPage is GET /statistics/datasets.
func (s *Server) datasetsPage(w http.ResponseWriter, r *http.Request, st *reqState) {
	pg, err := s.datasetsData(r, st)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Imported = r.URL.Query().Get("imported")
	s.render(w, r, http.StatusOK, "statisticsdatasets", pg)
}

// datasetsDelete is POST /statistics/datasets/{id}/delete.
func (s *Server) datasetsDelete(w http.ResponseWriter, r *http.Request, st *reqState) {
	if err := s.form(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.door.DeleteDataset(r.Context(), st.actor, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/statistics/datasets", http.StatusSeeOther)
}

// htcdsExport is GET /statistics/htcds.xlsx: the records the reader's
// organisation may take away whose person agreed to statistics, as IOM's
// HTCDS v2.0 workbook, identity stripped. The workbook is written once the
// door has streamed every record (each audited before it left the door).
func (s *Server) htcdsExport(w http.ResponseWriter, r *http.Request, st *reqState) {
	q := r.URL.Query()
	f := door.PersonFilter{}
	f.Status, f.Region = statusRegionOf(q)
	var derr error
	records := func(yield func(map[string]string) bool) {
		_, derr = s.door.ExportHTCDS(r.Context(), st.actor, f, func(rec map[string]string) error {
			if !yield(rec) {
				return errors.New("stop")
			}
			return nil
		})
	}
	lw := &lazyWriter{w: w, start: func() {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="nrm-htcds-`+s.door.Now().Format("2006-01-02")+`.xlsx"`)
		w.Header().Set("Cache-Control", "no-store")
	}}
	err := htcds.WriteTemplate(&hold{lw: lw, err: &derr}, records)
	switch {
	case derr != nil && !lw.started:
		s.fail(w, r, derr)
	case err != nil || derr != nil:
		panic(http.ErrAbortHandler)
	}
}

// lazyWriter sets the answer's headers on the first byte written.
type lazyWriter struct {
	w       http.ResponseWriter
	start   func()
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.start()
	}
	return l.w.Write(p)
}

// hold refuses to write once the door has failed, so a refused export sends
// an error page instead of an empty workbook.
type hold struct {
	lw  *lazyWriter
	err *error
}

func (h *hold) Write(p []byte) (int, error) {
	if *h.err != nil {
		return 0, *h.err
	}
	return h.lw.Write(p)
}
