package door

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Worklists (issue 14, part 2): the home page of every role is its queue of
// work. Each queue is one query here, on a partial index in the order it
// pages (migration 0016), with keyset paging on (the queue's time, the row
// id) and a count that stops at nrm.QueueCountCap: a queue costs the page
// it shows, never a scan of the register. What is in a queue is decided
// here and only here — the home page, the queue pages, the register's
// state filter and the e-mail job (mail.go) all read these queries.
//
// What never appears: another organisation's items (every org-scoped queue
// is narrowed to the reader's organisation); records merged into another,
// erased, or closed; and items whose access ended — a task, clock,
// notification, panel seat or service referral of an organisation that
// reached the record through a consent or a legal basis that has since
// been withdrawn, expired or revoked (reaches, below).

// Record conditions on persons p.
const (
	// live: the record stands on its own (not merged into another, not
	// erased). The unary plus keeps SQLite, which plans without statistics,
	// from walking the retention index (erased_at first) for it: the queue's
	// own index must drive.
	recLive = `p.merged_into = '' AND +p.erased_at = 0`
	// recOpen: live and not closed.
	recOpen = recLive + ` AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.person_id = p.id AND cl.reopened_at = 0)`
	// everDisclosed: the organisation was once given the record through a
	// legal basis or a consent (arguments: org, org, org type).
	everDisclosed = `(EXISTS (SELECT 1 FROM grants eg WHERE eg.person_id = p.id AND eg.org_id = ?)
	OR EXISTS (SELECT 1 FROM consent_recipients er WHERE er.person_id = p.id AND (er.org_id = ? OR (er.org_type <> '' AND er.org_type = ?))))`
	// reaches: the reader's organisation still reaches the record: it owns
	// it, the reader is assigned, it is disclosed to it now, or it never came
	// to it through a basis that can end (a service referral sent without
	// one). Arguments: reachesArgs.
	reaches = `(p.owner_org = ? OR EXISTS (SELECT 1 FROM assignments x WHERE x.person_id = p.id AND x.user_id = ?) OR ` + disclosedTo + `
	OR NOT ` + everDisclosed + `)`

	// breakGlassUnreviewed is the one condition, on breakglass b, of an
	// opening the data protection officer has not reviewed yet. The review
	// (issue 14 part 3) sets reviewed_at; any other mark of a review must
	// be added here, and only here.
	breakGlassUnreviewed = `b.reviewed_at = 0`

	// openServiceStates are the states of a service referral the receiver
	// still has to act on (acknowledge, accept or decline, deliver).
	openServiceStates = `r.state IN ('sent', 'received', 'accepted', 'in_progress')`
)

func reachesArgs(a *nrm.Actor, now time.Time) []any {
	return append(append([]any{a.OrgID, a.UserID}, disclosedArgs(a, now)...), a.OrgID, a.OrgID, string(a.OrgType))
}

// queueQuery is one queue's query without its keyset and order: the
// select list in the shape every queue shares (the keyset: key, then one or
// two ids; then person_id, code, other_id, other_code, what, org_id, ref,
// since, due, escalated), the FROM and WHERE, their arguments,
// and the keyset columns (time, then ids) it pages on.
type queueQuery struct {
	sel, from string
	args      []any
	keyset    []string
	detail    bool // sel has one more column: the item's Detail
}

// personFilter narrows a queue by the record's summary (the register's
// other filters, on persons p).
type personFilter struct {
	status   nrm.Status
	region   string
	children bool
	missed   bool
	now      time.Time
}

func (f personFilter) where(q *queueQuery) {
	if f.missed {
		q.from += ` AND EXISTS (SELECT 1 FROM deadlines md WHERE md.person_id = p.id AND +md.met_at = 0 AND md.due_at < ?)`
		q.args = append(q.args, store.Micros(f.now))
	}
	if f.status != "" {
		q.from += ` AND p.status = ?`
		q.args = append(q.args, f.status)
	}
	if f.region != "" {
		q.from += ` AND p.region = ?`
		q.args = append(q.args, f.region)
	}
	if f.children {
		q.from += ` AND (p.age_group = 'child' OR p.presumed_child = 1)`
	}
}

// readsRegister reports whether any of the actor's roles reads the register:
// such a reader reaches every live record, so its queues need no reaches.
func readsRegister(a *nrm.Actor) bool {
	for _, r := range a.Roles {
		if nrm.Allows(r, nrm.ScopeRegister, nrm.PartSummary, nrm.Read) {
			return true
		}
	}
	return false
}

// dueElsewhere leaves out of the due queue the clocks that show on a line
// of their own in another queue, with their due time: an immediate need's
// in tasks, an acknowledgement's in services, registration's in
// registration, the panel's in decide. Literal, so that the partial index
// deadlines_due (the same condition) serves the queue.
const dueElsewhere = `d.rule NOT IN ('immediate_needs', 'referral_acknowledgement', 'referral_acknowledgement_emergency', 'ra_registration',
	'identification_decision', 'reconsideration_decision')`

// likeEscape escapes a value for LIKE … ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// clockOf is the select expression of the earliest open clock of a record
// with the given ref column (the plus: found by the record, not by walking
// every open clock in due order for the MIN).
func clockOf(ref string) string {
	return `COALESCE((SELECT MIN(d.due_at) FROM deadlines d WHERE d.person_id = p.id AND +d.met_at = 0 AND d.ref = ` + ref + `), 0)`
}

// queueSQL builds a queue's query for the actor at now.
func (s *Service) queueSQL(a *nrm.Actor, q nrm.Queue, now time.Time) (*queueQuery, bool) {
	reach, rargs := ` AND `+reaches, reachesArgs(a, now)
	if readsRegister(a) {
		reach, rargs = "", nil
	}
	panelSeat := `(',' || r.panel_orgs || ',') LIKE ? ESCAPE '\'`
	seat := "%," + likeEscape(a.OrgID) + ",%"
	switch q {
	case nrm.QueueRegistration:
		return &queueQuery{
			sel: `p.created_at, p.id, p.id, p.code, '', '', 'ra_registration', '', '', p.created_at,
				COALESCE((SELECT MIN(d.due_at) FROM deadlines d WHERE d.person_id = p.id AND +d.met_at = 0 AND d.rule = 'ra_registration'), 0), 0`,
			from:   `persons p WHERE p.registered_at = 0 AND ` + recLive,
			keyset: []string{"p.created_at", "p.id"},
		}, true
	case nrm.QueueDuplicates:
		return &queueQuery{
			sel: `l.created_at, l.a, l.b, p.id, p.code, o.id, o.code, 'possible', '', '', l.created_at, 0, 0`,
			from: `duplicate_links l JOIN persons p ON p.id = l.b JOIN persons o ON o.id = l.a
				WHERE l.state = 'possible' AND ` + recLive + ` AND o.merged_into = '' AND +o.erased_at = 0`,
			keyset: []string{"l.created_at", "l.a", "l.b"},
		}, true
	case nrm.QueueIdentification:
		return &queueQuery{
			sel: `r.created_at, r.id, p.id, p.code, '', '',
				CASE WHEN EXISTS (SELECT 1 FROM decisions x WHERE x.request_id = r.id AND x.state = 'signing') THEN 'signing' ELSE 'open' END,
				'', r.id, r.created_at, ` + clockOf("r.id") + `, 0`,
			from:   `identification_requests r JOIN persons p ON p.id = r.person_id WHERE r.state = 'open' AND ` + recOpen,
			keyset: []string{"r.created_at", "r.id"},
		}, true
	case nrm.QueueEscalations:
		return &queueQuery{
			sel:    `d.escalated_at, d.id, p.id, p.code, '', '', d.rule, d.org_id, d.ref, d.escalated_at, d.due_at, d.escalated_at`,
			from:   `deadlines d JOIN persons p ON p.id = d.person_id WHERE d.met_at = 0 AND d.escalated_at > 0 AND ` + recOpen,
			keyset: []string{"d.escalated_at", "d.id"},
		}, true
	case nrm.QueueDue:
		return &queueQuery{
			sel: `d.due_at, d.id, p.id, p.code, '', '', d.rule, d.org_id, d.ref, d.started_at, d.due_at, d.escalated_at`,
			from: `deadlines d JOIN persons p ON p.id = d.person_id WHERE d.org_id = ? AND d.met_at = 0 AND ` + dueElsewhere + `
				AND d.due_at <= ? AND ` + recOpen + reach,
			args:   append([]any{a.OrgID, store.Micros(now.Add(NearWindow))}, rargs...),
			keyset: []string{"d.due_at", "d.id"},
		}, true
	case nrm.QueueTasks:
		return &queueQuery{
			sel:    `t.created_at, t.id, p.id, p.code, '', '', t.kind, t.org_id, t.id, t.created_at, ` + clockOf("t.id") + `, 0`,
			from:   `tasks t JOIN persons p ON p.id = t.person_id WHERE t.org_id = ? AND t.state = 'open' AND ` + recOpen + reach,
			args:   append([]any{a.OrgID}, rargs...),
			keyset: []string{"t.created_at", "t.id"},
		}, true
	case nrm.QueueNew:
		return &queueQuery{
			sel: `n.created_at, n.id, p.id, p.code, '', '', n.kind, n.org_id, n.ref, n.created_at, 0, 0`,
			from: `notifications n JOIN persons p ON p.id = n.person_id WHERE n.org_id = ? AND n.read_at = 0 AND n.kind IN ('child_referred', 'task')
				AND ` + recOpen + reach,
			args:   append([]any{a.OrgID}, rargs...),
			keyset: []string{"n.created_at", "n.id"},
		}, true
	case nrm.QueueNotices:
		// News that leads to the record, while the organisation reaches it;
		// and the statements that work ended (access_end.go), which lead
		// nowhere and stay until read, reached or not.
		return &queueQuery{
			sel: `n.created_at, n.id, p.id, p.code, '', '', n.kind, n.org_id, n.ref, n.created_at, 0, 0,
				COALESCE((SELECT t.kind FROM tasks t WHERE t.id = n.ref), '')`,
			from: `notifications n JOIN persons p ON p.id = n.person_id WHERE n.org_id = ? AND n.read_at = 0
				AND ((n.kind IN ('decision', 'service_referral_step', 'interim_decision', '` + NoteBreakGlass + `') AND ` + recOpen + reach + `)
				OR (` + inList("n.kind", EndingKinds) + ` AND ` + recLive + `))`,
			args:   append([]any{a.OrgID}, rargs...),
			keyset: []string{"n.created_at", "n.id"},
			detail: true,
		}, true
	case nrm.QueueDecide:
		return &queueQuery{
			sel: `r.created_at, r.id, p.id, p.code, '', '', r.requested_by, '', r.id, r.created_at, ` + clockOf("r.id") + `, 0`,
			from: `identification_requests r JOIN persons p ON p.id = r.person_id WHERE r.state = 'open' AND ` + panelSeat + `
				AND NOT EXISTS (SELECT 1 FROM decisions x WHERE x.request_id = r.id AND x.state = 'signing') AND ` + recOpen + reach,
			args:   append([]any{seat}, rargs...),
			keyset: []string{"r.created_at", "r.id"},
		}, true
	case nrm.QueueSign:
		return &queueQuery{
			sel: `x.created_at, x.id, p.id, p.code, '', '', x.outcome, '', r.id, x.created_at, ` + clockOf("r.id") + `, 0`,
			from: `decisions x JOIN identification_requests r ON r.id = x.request_id JOIN persons p ON p.id = x.person_id
				WHERE x.state = 'signing' AND ` + panelSeat + `
				AND NOT EXISTS (SELECT 1 FROM decision_signatures sg WHERE sg.decision_id = x.id AND sg.user_id = ?) AND ` + recOpen + reach,
			args:   append([]any{seat, a.UserID}, rargs...),
			keyset: []string{"x.created_at", "x.id"},
		}, true
	case nrm.QueueServices:
		return &queueQuery{
			sel:    `r.sent_at, r.id, p.id, p.code, '', '', r.state, r.from_org, r.id, r.sent_at, ` + clockOf("r.id") + `, 0`,
			from:   `service_referrals r JOIN persons p ON p.id = r.person_id WHERE r.to_org = ? AND ` + openServiceStates + ` AND ` + recOpen + reach,
			args:   append([]any{a.OrgID}, rargs...),
			keyset: []string{"r.sent_at", "r.id"},
		}, true
	case nrm.QueueBreakGlass:
		return &queueQuery{
			sel:    `b.opened_at, b.id, p.id, p.code, '', '', 'breakglass', u.org_id, b.user_id, b.opened_at, 0, 0`,
			from:   `breakglass b JOIN persons p ON p.id = b.person_id JOIN users u ON u.id = b.user_id WHERE ` + breakGlassUnreviewed,
			keyset: []string{"b.opened_at", "b.id"},
		}, true
	}
	return nil, false
}

// Cursor is where a queue page ends: the keyset of its last line.
type cursor struct {
	key int64
	ids []string
}

func (c cursor) String() string { return strconv.FormatInt(c.key, 10) + "." + strings.Join(c.ids, ".") }

// parseCursor reads a cursor made by String; n is the number of ids.
func parseCursor(s string, n int) (cursor, error) {
	parts := strings.Split(s, ".")
	bad := nrm.FieldError("after", "error.unknown_value")
	if len(parts) != n+1 || len(s) > 200 {
		return cursor{}, bad
	}
	k, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return cursor{}, bad
	}
	for _, id := range parts[1:] {
		if id == "" || len(id) > 64 {
			return cursor{}, bad
		}
	}
	return cursor{key: k, ids: parts[1:]}, nil
}

// queueRow is one scanned line with its keyset.
type queueRow struct {
	item nrm.QueueItem
	cur  cursor
}

// items reads up to limit lines of a queue after the cursor (nil: from the
// start), in the queue's order. No audit: the caller audits.
func (s *Service) queueItems(ctx context.Context, tx *store.Tx, q nrm.Queue, qq *queueQuery, after *cursor, limit int) ([]queueRow, error) {
	from, args := qq.from, slices.Clone(qq.args)
	if after != nil {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(qq.keyset)), ", ")
		from += ` AND (` + strings.Join(qq.keyset, ", ") + `) > (` + ph + `)`
		args = append(args, after.key)
		for _, id := range after.ids {
			args = append(args, id)
		}
	}
	nIDs := len(qq.keyset) - 1
	query := `SELECT ` + qq.sel + ` FROM ` + from + ` ORDER BY ` + strings.Join(qq.keyset, ", ") + ` LIMIT ?`
	args = append(args, limit)
	return collect(ctx, tx, func(rows *sql.Rows) (queueRow, error) {
		var r queueRow
		var ids [2]string
		var since, due, esc int64
		it := &r.item
		dest := []any{&r.cur.key, &ids[0]}
		if nIDs == 2 {
			dest = append(dest, &ids[1])
		}
		dest = append(dest, &it.PersonID, &it.Code, &it.OtherID, &it.OtherCode, &it.What, &it.OrgName, &it.Ref, &since, &due, &esc)
		if qq.detail {
			dest = append(dest, &it.Detail)
		}
		if err := rows.Scan(dest...); err != nil {
			return r, err
		}
		r.cur.ids = slices.Clone(ids[:nIDs])
		it.Queue, it.ID = q, ids[nIDs-1]
		it.Since, it.Due, it.Escalated = store.Time(since), store.Time(due), esc != 0
		return r, nil
	}, query, args...)
}

// queueCount counts a queue up to nrm.QueueCountCap.
func (s *Service) queueCount(ctx context.Context, tx *store.Tx, qq *queueQuery) (nrm.QueueCount, error) {
	var n int
	err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+qq.from+` LIMIT ?) c`, append(slices.Clone(qq.args), nrm.QueueCountCap+1)...).Scan(&n)
	if n > nrm.QueueCountCap {
		return nrm.QueueCount{N: nrm.QueueCountCap, More: true}, err
	}
	return nrm.QueueCount{N: n}, err
}

// QueueView is one queue as a page shows it: its count, its lines, and the
// cursor of the next page ("" on the last).
type QueueView struct {
	Queue nrm.Queue
	Count nrm.QueueCount
	Items []nrm.QueueItem
	Next  string
}

// lateness names organisations and works out lateness, in the jurisdiction's
// working days.
func (s *Service) lateness(rows []queueRow, dir *orgDir, now time.Time) []nrm.QueueItem {
	out := make([]nrm.QueueItem, 0, len(rows))
	for _, r := range rows {
		it := r.item
		it.OrgName = dir.byID[it.OrgName].Name
		if !it.Due.IsZero() && now.After(it.Due) {
			it.Late, it.LateDays = true, s.profile.WorkingDaysLate(it.Due, now)
		}
		out = append(out, it)
	}
	return out
}

// queuePage reads one page of a queue and its count inside tx.
func (s *Service) queuePage(ctx context.Context, tx *store.Tx, a *nrm.Actor, q nrm.Queue, pf personFilter, after string, limit int, dir *orgDir) (*QueueView, error) {
	qq, ok := s.queueSQL(a, q, tx.Now)
	if !ok {
		return nil, nrm.FieldError("queue", "error.unknown_value")
	}
	pf.where(qq)
	var cur *cursor
	if after != "" {
		c, err := parseCursor(after, len(qq.keyset)-1)
		if err != nil {
			return nil, err
		}
		cur = &c
	}
	v := &QueueView{Queue: q}
	var err error
	if v.Count, err = s.queueCount(ctx, tx, qq); err != nil {
		return nil, err
	}
	if limit == 0 {
		return v, nil
	}
	rows, err := s.queueItems(ctx, tx, q, qq, cur, limit+1)
	if err != nil {
		return nil, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		v.Next = rows[limit-1].cur.String()
	}
	v.Items = s.lateness(rows, dir, tx.Now)
	return v, nil
}

// WorklistsRequest says how much of the queues to read: the first Lines
// lines of each (0: counts only), and, when Focus names one of them, Limit
// lines of it after the cursor After instead.
type WorklistsRequest struct {
	Lines int
	Focus nrm.Queue
	After string
	Limit int
}

// Worklists reads every queue of the actor's roles, each with its count and
// the lines asked for, in one audited read.
func (s *Service) Worklists(ctx context.Context, a *nrm.Actor, req WorklistsRequest) ([]QueueView, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	qs := nrm.Queues(a)
	if req.Focus != "" && !req.Focus.Works(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if len(qs) == 0 {
		return nil, nil
	}
	req.Lines = min(max(req.Lines, 0), 50)
	if req.Limit <= 0 || req.Limit > 200 {
		req.Limit = 50
	}
	var out []QueueView
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		fields := []string{"summary"}
		for _, q := range qs {
			lines, after := req.Lines, ""
			if q == req.Focus {
				lines, after = req.Limit, req.After
			}
			v, err := s.queuePage(ctx, tx, a, q, personFilter{}, after, lines, dir)
			if err != nil {
				return err
			}
			out = append(out, *v)
			if lines > 0 {
				fields = append(fields, "queue:"+string(q))
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActWorkList, fields: fields})
	})
	return out, fail(err)
}

// QueuePage reads one page of one of the actor's queues after the cursor
// ("" for the first page), with its count, in one audited read.
func (s *Service) QueuePage(ctx context.Context, a *nrm.Actor, q nrm.Queue, after string, limit int) (*QueueView, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !q.Works(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out *QueueView
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		if out, err = s.queuePage(ctx, tx, a, q, personFilter{}, after, limit, dir); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActWorkList, fields: []string{"summary", "queue:" + string(q)}})
	})
	return out, fail(err)
}

// RegisterStates are the queues the register can be filtered by: the
// Responsible Authority's own.
var RegisterStates = []nrm.Queue{nrm.QueueRegistration, nrm.QueueDuplicates, nrm.QueueIdentification, nrm.QueueEscalations}

// RegisterCounts counts the register's states (each up to
// nrm.QueueCountCap), for the register's filter.
func (s *Service) RegisterCounts(ctx context.Context, a *nrm.Actor) (map[nrm.Queue]nrm.QueueCount, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !readsRegister(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	out := map[nrm.Queue]nrm.QueueCount{}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		fields := []string{"summary"}
		for _, q := range RegisterStates {
			qq, _ := s.queueSQL(a, q, tx.Now)
			c, err := s.queueCount(ctx, tx, qq)
			if err != nil {
				return err
			}
			out[q] = c
			fields = append(fields, "count:"+string(q))
		}
		return s.appendAudit(ctx, tx, a, event{action: ActRegisterRead, fields: fields})
	})
	return out, fail(err)
}

// RegisterState lists the register's lines of the records in one of its
// states (RegisterStates), in the state's queue order, narrowed by the
// register's other filters, after the cursor ("" for the first page). It
// returns the next page's cursor ("" on the last).
func (s *Service) RegisterState(ctx context.Context, a *nrm.Actor, q nrm.Queue, f RegisterFilter, after string) ([]nrm.RegisterRow, string, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, "", err
	}
	if !readsRegister(a) {
		return nil, "", nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if !slices.Contains(RegisterStates, q) {
		return nil, "", nrm.FieldError("state", "error.unknown_value")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var out []nrm.RegisterRow
	next := ""
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		qq, _ := s.queueSQL(a, q, tx.Now)
		personFilter{status: f.Status, region: f.Region, children: f.Children, missed: f.Missed, now: tx.Now}.where(qq)
		var cur *cursor
		if after != "" {
			c, err := parseCursor(after, len(qq.keyset)-1)
			if err != nil {
				return err
			}
			cur = &c
		}
		rows, err := s.queueItems(ctx, tx, q, qq, cur, f.Limit+1)
		if err != nil {
			return err
		}
		if len(rows) > f.Limit {
			rows = rows[:f.Limit]
			next = rows[f.Limit-1].cur.String()
		}
		if len(rows) > 0 {
			ids := make([]any, 0, len(rows))
			for _, r := range rows {
				ids = append(ids, r.item.PersonID)
			}
			got, err := s.registerRows(ctx, tx, ` WHERE p.id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, ids...)
			if err != nil {
				return err
			}
			byID := make(map[string]nrm.RegisterRow, len(got))
			for _, g := range got {
				byID[g.PersonID] = g
			}
			for _, r := range rows { // the queue's order; a record twice in a queue shows once
				if g, ok := byID[r.item.PersonID]; ok {
					out = append(out, g)
					delete(byID, r.item.PersonID)
				}
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActRegisterRead, fields: []string{"summary", "state:" + string(q)}})
	})
	return out, next, fail(err)
}
