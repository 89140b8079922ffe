package web

// evidenceRoutes registers the pages of issue 14 parts 1, 3 and 4 beyond
// the record's own: duplicates side by side, and the DPO's review of
// break-glass openings. (Signing a decision is with the panel's routes in
// actions.go.)
func (s *Server) evidenceRoutes() {
	s.handle("GET /persons/{id}/duplicates/{other}", s.page(s.duplicateCompareShow))
	s.handle("POST /persons/{id}/duplicates/{other}", s.page(s.duplicateCompareDo))
	s.handle("GET /breakglass", s.page(s.breakGlassReviews))
	s.handle("GET /breakglass/{id}", s.page(s.breakGlassReviewShow))
	s.handle("POST /breakglass/{id}", s.page(s.breakGlassReviewDo))
}
