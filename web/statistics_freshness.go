package web

import "github.com/nrm-org/nrm/stats"

// freshness is the dashboard's line on how fresh the figures are: after a
// restart or a bulk load they come from the stored rollup at once while a
// background job catches up, and the reader is told as of when.
func (s *Server) freshness(lang string, rep *stats.Report) string {
	switch {
	case rep.Current:
		return s.cat.T(lang, "stats.fresh_current", s.when(rep.AsOf))
	case rep.AsOf.IsZero():
		return s.cat.T(lang, "stats.fresh_none")
	}
	return s.cat.T(lang, "stats.fresh_as_of", s.when(rep.AsOf))
}
