package web

// supportRoutes registers individual support and closure: issue #5 §3–4.
func (s *Server) supportRoutes() {
	s.handle("GET /api/v1/persons/{id}/support", s.api(s.apiSupport))
	s.handle("POST /api/v1/persons/{id}/advocate", s.api(s.apiAdvocate))
	s.handle("POST /api/v1/persons/{id}/needs", s.api(s.apiNeeds))
	s.handle("POST /api/v1/persons/{id}/plan", s.api(s.apiPlan))
	s.handle("POST /api/v1/persons/{id}/safety-plan", s.api(s.apiSafetyPlan))
	s.handle("POST /api/v1/persons/{id}/closure", s.api(s.apiClose))
	s.handle("POST /api/v1/persons/{id}/reopening", s.api(s.apiReopen))
	s.handle("POST /api/v1/persons/{id}/follow-ups", s.api(s.apiFollowUp))
}
