package web

// serviceRoutes registers the service directory, service referrals and the
// emergency protocol (issue #5, sections 1, 2 and 7). The record page's
// "refer to a service" is an action (action_service.go).
func (s *Server) serviceRoutes() {
	s.handle("GET /services", s.page(s.servicesList))
	s.handle("GET /services/new", s.page(s.serviceNew))
	s.handle("POST /services", s.page(s.serviceSave))
	s.handle("GET /services/{id}/edit", s.page(s.serviceEdit))
	s.handle("POST /services/{id}/edit", s.page(s.serviceSave))
	s.handle("GET /service-referrals", s.page(s.serviceInbox))
	s.handle("GET /service-referrals/{id}/step", s.page(s.serviceStepShow))
	s.handle("POST /service-referrals/{id}/step", s.page(s.serviceStepDo))
	s.handle("GET /emergency", s.page(s.emergencyShow))
	s.handle("POST /emergency", s.page(s.emergencySwitch))
	s.handle("GET /api/v1/services", s.api(s.apiServices))
	s.handle("POST /api/v1/services", s.api(s.apiSaveService))
	s.handle("PUT /api/v1/services/{id}", s.api(s.apiSaveService))
	s.handle("GET /api/v1/persons/{id}/service-referrals", s.api(s.apiPersonServiceReferrals))
	s.handle("POST /api/v1/persons/{id}/service-referrals", s.api(s.apiReferService))
	s.handle("GET /api/v1/service-referrals", s.api(s.apiServiceInbox))
	s.handle("POST /api/v1/service-referrals/{id}/steps", s.api(s.apiServiceStep))
	s.handle("GET /api/v1/emergency", s.api(s.apiEmergency))
	s.handle("POST /api/v1/emergency", s.api(s.apiSetEmergency))
}
