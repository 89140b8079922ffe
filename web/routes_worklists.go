package web

// worklistRoutes registers the queues' pages and API (issue 14 part 2) and
// the account's e-mail preferences (part 6).
func (s *Server) worklistRoutes() {
	s.handle("GET /work/{queue}", s.page(s.work))
	s.handle("GET /api/v1/worklists", s.api(s.apiWorklists))
	s.handle("GET /api/v1/worklists/{queue}", s.api(s.apiQueue))
	s.handle("GET /account/mail", s.page(s.accountMail))
	s.handle("POST /account/mail", s.page(s.accountMailSave))
}
