package web

// referralRoutes registers the pages of referral, the worklist and the
// register (kept apart from routes() so the two can grow independently).
func (s *Server) referralRoutes() {
	s.handle("GET /refer", s.page(s.referStart))
	s.handle("POST /refer", s.page(s.referNew))
	s.handle("GET /refer/{draft}/{step}", s.page(s.referStepShow))
	s.handle("POST /refer/{draft}/{step}", s.page(s.referStepSave))
	s.handle("POST /refer/{draft}/send", s.page(s.referSubmit))
	s.handle("POST /refer/{draft}/discard", s.page(s.referDiscard))
	s.handle("GET /refer/receipt/{referral}", s.page(s.referReceipt))
	s.handle("GET /refer/receipt/{referral}/text", s.page(s.referReceiptText))
	s.handle("GET /register", s.page(s.register))
	s.handle("POST /notifications/{id}/read", s.page(s.notificationRead))
	s.handle("POST /tasks/{id}/done", s.page(s.taskDone))
}
