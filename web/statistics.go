package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/stats"
)

// Monitoring (issue #6 points 1–4): the dashboard, its figures in the API,
// periodic reports and the statistics datasets. Every figure comes from
// door.Statistics, already through disclosure control; nothing here counts.
func (s *Server) statisticsRoutes() {
	s.handle("GET /api/v1/statistics", s.api(s.apiStatistics))
	s.handle("GET /api/v1/statistics/datasets", s.api(s.apiDatasets))
}

// statFilter reads the filter of a dashboard, report or API call:
// period=2026 (a year), period=2026-Q2 (a quarter), or from/to as YYYY-MM;
// region; dataset; k (which may only raise the jurisdiction's).
func statFilter(q url.Values) (stats.Filter, error) {
	f := stats.Filter{Dataset: strings.TrimSpace(q.Get("dataset")), Region: strings.TrimSpace(q.Get("region"))}
	var es nrm.Errors
	if p := strings.TrimSpace(q.Get("period")); p != "" {
		from, to, ok := periodBounds(p)
		if !ok {
			es = append(es, nrm.FieldError("period", "error.stats_period_format"))
		}
		f.From, f.To = from, to
	} else {
		if v := q.Get("from"); v != "" {
			m, err := stats.ParseMonth(v)
			if err != nil {
				es = append(es, nrm.FieldError("from", "error.stats_month"))
			}
			f.From = m
		}
		if v := q.Get("to"); v != "" {
			m, err := stats.ParseMonthEnd(v)
			if err != nil {
				es = append(es, nrm.FieldError("to", "error.stats_month"))
			}
			f.To = m
		}
	}
	if f.Region != "" && !slices.Contains(nrm.Regions, f.Region) {
		es = append(es, nrm.FieldError("region", "error.unknown_value"))
	}
	if v := strings.TrimSpace(q.Get("k")); v != "" {
		k, err := strconv.Atoi(v)
		if err != nil || k < 1 || k > 1000 {
			es = append(es, nrm.FieldError("k", "error.stats_k"))
		}
		f.K = k
	}
	return f, es.Err()
}

// periodBounds reads 2026 or 2026-Q3.
func periodBounds(p string) (stats.Month, stats.Month, bool) {
	y, qs, hasQ := strings.Cut(strings.ToUpper(p), "-Q")
	yy, err := strconv.Atoi(y)
	if err != nil || yy < 1900 || yy > 9999 {
		return 0, 0, false
	}
	if !hasQ {
		return stats.MonthOf(yy, 1), stats.MonthOf(yy, 12), true
	}
	qq, err := strconv.Atoi(qs)
	if err != nil || qq < 1 || qq > 4 {
		return 0, 0, false
	}
	return stats.MonthOf(yy, 3*qq-2), stats.MonthOf(yy, 3*qq), true
}

// --- JSON ---------------------------------------------------------------

// statValueJSON is one published number: null when withheld.
type statValueJSON struct {
	Code     string `json:"code,omitempty"`
	Label    string `json:"label,omitempty"`
	Value    *int   `json:"value"`
	Withheld bool   `json:"withheld"`
	// Why is "primary" (the count itself is small) or "secondary" (withheld so that a
	// small one cannot be worked out from the totals).
	Why string `json:"why,omitempty"`
}

func cellJSON(c stats.Cell) statValueJSON {
	v := statValueJSON{Withheld: c.Suppressed}
	switch {
	case !c.Suppressed:
		n := c.Count
		v.Value = &n
	case c.Why == stats.Secondary:
		v.Why = "secondary"
	default:
		v.Why = "primary"
	}
	return v
}

type figureJSON struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	NotAdditive bool              `json:"not_additive,omitempty"`
	Items       []statValueJSON   `json:"items,omitempty"`
	Total       *statValueJSON    `json:"total,omitempty"`
	Rows        []statValueJSON   `json:"rows,omitempty"` // a table's row labels with their totals
	Cols        []statValueJSON   `json:"cols,omitempty"` // its column labels with their totals
	Cells       [][]statValueJSON `json:"cells,omitempty"`
}

type kpiJSON struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Definition   string          `json:"definition"`
	Label        string          `json:"label,omitempty"`
	Unit         string          `json:"unit"`
	Base         statValueJSON   `json:"base"`
	Shown        bool            `json:"shown"`
	Value        *float64        `json:"value,omitempty"`
	Median       *float64        `json:"median,omitempty"`
	Mean         *float64        `json:"mean,omitempty"`
	Distribution []statValueJSON `json:"distribution,omitempty"`
	Parts        []kpiJSON       `json:"parts,omitempty"`
}

type statisticsJSON struct {
	Dataset       string        `json:"dataset"`
	DatasetName   string        `json:"dataset_name"`
	From          string        `json:"from,omitempty"`
	To            string        `json:"to,omitempty"`
	Region        string        `json:"region,omitempty"`
	K             int           `json:"k"`
	GeneratedAt   time.Time     `json:"generated_at"`
	FiguresAsOf   *time.Time    `json:"figures_as_of"` // every change recorded up to then is counted; null before the first count
	Current       bool          `json:"current"`       // nothing recorded since is left out
	Persons       statValueJSON `json:"persons"`
	Uncounted     statValueJSON `json:"not_counted"`
	Figures       []figureJSON  `json:"figures"`
	KPIs          []kpiJSON     `json:"kpis"`
	EmergencyKPIs []kpiJSON     `json:"emergency_kpis"`
}

// label translates a code under a catalogue prefix, or shows it as it is.
func (s *Server) statLabel(lang, prefix, code string) string {
	if code == "" {
		return s.cat.T(lang, "stats.not_recorded")
	}
	if prefix == "" {
		return code
	}
	if v, ok := s.cat.Lookup(lang, prefix+code); ok {
		return v
	}
	return code
}

func (s *Server) toStatisticsJSON(lang string, r *stats.Report) statisticsJSON {
	out := statisticsJSON{
		Dataset: r.Filter.Dataset, DatasetName: r.Dataset, Region: r.Filter.Region, K: r.K, GeneratedAt: r.GeneratedAt.UTC(),
		FiguresAsOf: tjson(r.AsOf), Current: r.Current,
		Persons: cellJSON(r.Persons), Uncounted: cellJSON(r.Uncounted), Figures: []figureJSON{}, KPIs: []kpiJSON{}, EmergencyKPIs: []kpiJSON{},
	}
	if r.Filter.From != 0 {
		out.From = r.Filter.From.String()
	}
	if r.Filter.To != 0 {
		out.To = r.Filter.To.String()
	}
	for _, f := range r.Figures {
		fj := figureJSON{ID: f.ID, Title: s.cat.T(lang, "figure."+f.ID), NotAdditive: f.NotAdditive}
		if l := f.List; l != nil {
			for i, code := range l.Labels {
				v := cellJSON(l.Cells[i])
				v.Code, v.Label = code, s.statLabel(lang, f.Labels, code)
				fj.Items = append(fj.Items, v)
			}
			t := cellJSON(l.Total)
			fj.Total = &t
		}
		if t := f.Table; t != nil {
			for i, code := range t.Rows {
				v := cellJSON(t.RowTotals[i])
				v.Code, v.Label = code, s.statLabel(lang, f.Labels, code)
				fj.Rows = append(fj.Rows, v)
			}
			for j, code := range t.Cols {
				v := cellJSON(t.ColTotals[j])
				v.Code, v.Label = code, s.statLabel(lang, f.ColLabels, code)
				fj.Cols = append(fj.Cols, v)
			}
			for _, row := range t.Cells {
				var cs []statValueJSON
				for _, c := range row {
					cs = append(cs, cellJSON(c))
				}
				fj.Cells = append(fj.Cells, cs)
			}
			tt := cellJSON(t.Total)
			fj.Total = &tt
		}
		out.Figures = append(out.Figures, fj)
	}
	for _, k := range r.KPIs {
		out.KPIs = append(out.KPIs, s.kpiJSON(lang, k))
	}
	for _, k := range r.EmergencyKPIs {
		out.EmergencyKPIs = append(out.EmergencyKPIs, s.kpiJSON(lang, k))
	}
	return out
}

func (s *Server) kpiJSON(lang string, k stats.KPI) kpiJSON {
	out := kpiJSON{ID: k.ID, Name: s.cat.T(lang, "kpi."+k.ID), Definition: s.cat.T(lang, "kpi."+k.ID+".def"), Unit: k.Unit, Base: cellJSON(k.N), Shown: k.Shown}
	if k.Label != "" {
		out.Label = s.statLabel(lang, k.LabelPrefix, k.Label)
	}
	if k.Shown {
		v, md, mn := k.Value, k.Median, k.Mean
		out.Value = &v
		if k.Unit == "days" || k.ID == "timeliness" {
			out.Median, out.Mean = &md, &mn
		}
		if d := k.Distribution; d != nil {
			for i, l := range d.Labels {
				c := cellJSON(d.Cells[i])
				c.Code, c.Label = l, l
				out.Distribution = append(out.Distribution, c)
			}
		}
	}
	for _, p := range k.Parts {
		out.Parts = append(out.Parts, s.kpiJSON(lang, p))
	}
	return out
}

// apiStatistics is GET /api/v1/statistics: the dashboard's figures.
func (s *Server) apiStatistics(w http.ResponseWriter, r *http.Request, st *reqState) {
	f, err := statFilter(r.URL.Query())
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	rep, err := s.door.Statistics(r.Context(), st.actor, f)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.toStatisticsJSON(st.lang, rep))
}

type datasetJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Source     string     `json:"source"`
	Rows       int        `json:"rows"`
	ImportedAt *time.Time `json:"imported_at"`
}

// apiDatasets is GET /api/v1/statistics/datasets.
func (s *Server) apiDatasets(w http.ResponseWriter, r *http.Request, st *reqState) {
	ds, err := s.door.Datasets(r.Context(), st.actor)
	if err != nil {
		s.failJSON(w, r, err)
		return
	}
	out := []datasetJSON{}
	for _, d := range ds {
		out = append(out, datasetJSON{ID: d.ID, Name: d.Name, Source: d.Source, Rows: d.Rows, ImportedAt: tjson(d.ImportedAt)})
	}
	writeJSON(w, http.StatusOK, out)
}
