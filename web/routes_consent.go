package web

// consentRoutes registers the consent ledger, the child-measure actions and
// the person's own view (disclosure log, own file): issue #4.
func (s *Server) consentRoutes() {
	s.handle("GET /persons/export.csv", s.page(s.personsExport))
	s.handle("GET /api/v1/persons/{id}/consents", s.api(s.apiConsents))
	s.handle("POST /api/v1/persons/{id}/consents", s.api(s.apiRecordConsent))
	s.handle("POST /api/v1/persons/{id}/consents/{consent}/withdrawal", s.api(s.apiWithdrawConsent))
	s.handle("POST /api/v1/persons/{id}/measures", s.api(s.apiRecordMeasure))
	s.handle("POST /api/v1/persons/{id}/measures/{measure}/court-ruling", s.api(s.apiCourtRuling))
	s.handle("GET /api/v1/persons/{id}/disclosures", s.api(s.apiDisclosures))
	s.handle("GET /persons/{id}/disclosures", s.page(s.disclosuresShow))
	s.handle("GET /persons/{id}/own-file", s.page(s.ownFileDownload))
}
