package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/i18n"
)

type homePage struct {
	Page
	Name  string
	Org   string
	Roles []RoleLabel
	Refer bool // may refer a person
	// The worker's unfinished referrals and when they expire.
	Drafts      []draftRow
	DraftExpire string
	Persons     bool // works records: the list of persons they may see
	Register    bool // the register (Responsible Authority, coordinator)
	Monitor     bool
	Audit       bool
	Admin       bool
	// Support services (issue #5): the directory, the organisation's inbox
	// of referrals to it, and the emergency protocol's switch.
	Inbox, Emergency bool
	// Voices (issue #6): anonymous feedback links, the Advisory Board.
	Feedback, Advisory bool
	// Monitoring (issue #6): the dashboard and periodic reports.
	Statistics bool

	List           []personRow
	More           string // link to the next page of the list
	AuditRows      []auditRow
	BreakGlassOnly bool
	Subject        string // the audit trail of one record (a break-glass opening to review)
	UserRows       []userRow
	// Queues are the reader's worklists (worklists.go): what waits, per
	// role, each with its count and first lines.
	Queues []*queueView
}

// RoleLabel is a role and its translated name.
type RoleLabel struct{ Role, Label string }

type personRow struct {
	ID, Code, Status, AgeGroup, Region, Updated string
}

type userRow struct {
	Username, Name, Roles, Factor, Disabled string
}

// label translates an enumerated value (status, region…), "not recorded"
// for none.
func (s *Server) label(lang, prefix, value string) string {
	if value == "" {
		return s.cat.T(lang, "common.not_recorded")
	}
	if _, ok := s.cat.Lookup(lang, prefix+"."+value); ok {
		return s.cat.T(lang, prefix+"."+value)
	}
	if _, ok := s.cat.Lookup(i18n.Default, prefix+"."+value); ok {
		return s.cat.T(lang, prefix+"."+value)
	}
	return value
}

func (s *Server) yesNo(lang string, b bool) string {
	if b {
		return s.cat.T(lang, "common.yes")
	}
	return s.cat.T(lang, "common.no")
}

func (s *Server) personRows(lang string, ps []nrm.Person) []personRow {
	out := make([]personRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, personRow{
			ID: p.ID, Code: p.Code, Status: s.label(lang, "status", string(p.Status)),
			AgeGroup: s.label(lang, "agegroup", string(p.AgeGroup)), Region: s.label(lang, "region", p.Region),
			Updated: s.when(p.UpdatedAt),
		})
	}
	return out
}

// listsPersons reports whether any of the actor's roles reads persons'
// summaries (own, disclosed or the register).
func listsPersons(a *nrm.Actor) bool {
	for _, r := range a.Roles {
		for _, sc := range []nrm.Scope{nrm.ScopeOwn, nrm.ScopeGranted, nrm.ScopeRegister} {
			if nrm.Allows(r, sc, nrm.PartSummary, nrm.Read) {
				return true
			}
		}
	}
	return false
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, st *reqState) {
	a, lang := st.actor, st.lang
	pg := &homePage{Page: s.base(r), Name: st.sess.Display}
	if pg.User != nil {
		pg.Org = pg.User.Org
	}
	for _, role := range a.Roles {
		pg.Roles = append(pg.Roles, RoleLabel{Role: string(role), Label: s.label(lang, "role", string(role))})
		switch role {
		case nrm.RoleRAOfficer, nrm.RoleCoordinator:
			pg.Register = true
		case nrm.RoleMonitor:
			pg.Monitor = true
		case nrm.RoleDPO:
			pg.Audit = true
		case nrm.RoleSysAdmin:
			pg.Admin = true
		}
	}
	pg.Refer = nrm.CanCreatePerson(a)
	if pg.Refer {
		// The worker's unfinished referrals, with their age.
		ds, err := s.door.Drafts(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pg.Drafts, pg.DraftExpire = s.draftRows(lang, ds), s.draftExpiry(lang)
	}
	pg.Inbox, pg.Emergency = nrm.CanActOnServiceReferrals(a), nrm.CanSwitchEmergency(a)
	pg.Feedback, pg.Advisory = nrm.CanRunFeedback(a), nrm.CanReadVoices(a)
	pg.Statistics = nrm.CanReadStatistics(a)
	pg.Persons = listsPersons(a) && !pg.Register
	ctx := r.Context()
	if pg.Persons || pg.Register {
		const n = 20
		ps, err := s.door.ListPersons(ctx, a, door.PersonFilter{Limit: n})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pg.List = s.personRows(lang, ps)
		if len(ps) == n {
			pg.More = "/persons?before=" + ps[n-1].ID
		}
	}
	if len(nrm.Queues(a)) > 0 {
		qs, err := s.homeQueues(r, st, pg.CSRF)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pg.Queues = qs
	}
	if pg.Audit {
		pg.BreakGlassOnly = r.URL.Query().Get("breakglass") == "1"
		pg.Subject = r.URL.Query().Get("subject")
		rows, err := s.auditRows(ctx, a, lang, door.AuditFilter{BreakGlassOnly: pg.BreakGlassOnly, Subject: pg.Subject})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		pg.AuditRows = rows
	}
	if pg.Admin {
		us, err := s.door.Users(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, u := range us {
			var roles []string
			for _, role := range u.Roles {
				roles = append(roles, s.label(lang, "role", string(role)))
			}
			pg.UserRows = append(pg.UserRows, userRow{
				Username: u.Username, Name: u.DisplayName, Roles: strings.Join(roles, ", "),
				Factor: s.yesNo(lang, u.HasTOTP), Disabled: s.yesNo(lang, u.Disabled),
			})
		}
	}
	s.render(w, r, http.StatusOK, "home", pg)
}

func (s *Server) auditRows(ctx context.Context, a *nrm.Actor, lang string, f door.AuditFilter) ([]auditRow, error) {
	f.Limit = 100
	es, err := s.door.ListAudit(ctx, a, f)
	if err != nil {
		return nil, err
	}
	out := make([]auditRow, 0, len(es))
	for _, e := range es {
		out = append(out, s.auditSentence(lang, e))
	}
	return out, nil
}

// limitParam reads a page size from a query, within 1..200.
func limitParam(v string, def int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, nrm.FieldError("limit", "error.unknown_value")
	}
	return n, nil
}
