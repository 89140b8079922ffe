package door

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/store"
)

// Audit actions.
const (
	ActPersonCreate    = "person.create"
	ActPersonRead      = "person.read"
	ActPersonUpdate    = "person.update"
	ActPersonList      = "person.list"
	ActPersonSearch    = "person.search"
	ActGrant           = "grant.create"
	ActGrantRevoke     = "grant.revoke"
	ActBreakGlass      = "breakglass.open"
	ActLoginOK         = "login.success"
	ActLoginFail       = "login.failure"
	ActThrottled       = "login.throttled" // a sign-in or second-factor attempt refused by the throttle (one entry per counter and minute)
	ActRefused         = "access.refused"  // a request refused for the actor's role (403)
	ActSecondFactorOK  = "mfa.success"
	ActSecondFactorNo  = "mfa.failure"
	ActLogout          = "logout"
	ActUserCreate      = "user.create"
	ActUserDisable     = "user.disable"
	ActUserRoles       = "permission.change"
	ActMFAReset        = "mfa.reset"
	ActMFAEnrol        = "mfa.enrol"
	ActTokenMint       = "token.mint"
	ActExport          = "export"
	ActKeysRotate      = "keys.rotate"
	ActAuditRead       = "audit.read"
	ActRefer           = "referral.create"
	ActGuardian        = "guardian.record"
	ActAgeAssess       = "age.assess"
	ActStatus          = "status.change"
	ActIDRequest       = "identification.request"
	ActDecide          = "decision.create"
	ActSign            = "decision.sign"
	ActReturn          = "return.record"
	ActNonPunish       = "nonpunishment.flag"
	ActRegister        = "register.confirm"
	ActRegisterRead    = "register.read"
	ActDuplicate       = "duplicate.resolve"
	ActWorkList        = "work.list"
	ActTaskDone        = "task.done"
	ActNotice          = "notification.read"
	ActEscalate        = "deadline.escalate"
	ActCaseRead        = "case.read"
	ActDraftSave       = "draft.save"
	ActDraftRead       = "draft.read"
	ActDraftDelete     = "draft.delete"
	ActConsent         = "consent.record"
	ActConsentWithdraw = "consent.withdraw"
	ActConsentRead     = "consent.read"
	ActMeasure         = "measure.record"
	ActCourtRuling     = "measure.court_ruling"
	ActDisclosureLog   = "disclosure.read"
	ActOwnFile         = "person.own_file"
	ActLegalHold       = "retention.hold"
	ActErase           = "retention.erase"
	ActInterview       = "interview.record"
	ActInterviewPlan   = "interview.plan"
	ActReassign        = "assignment.reassign"
	ActServiceSave     = "service.save"
	ActServiceRefer    = "service_referral.send"
	ActServiceStep     = "service_referral.step"
	ActServiceRead     = "service_referral.read"
	ActServiceInbox    = "service_referral.inbox"
	ActEmergency       = "emergency.switch"
	ActAdvocate        = "support.advocate"
	ActNeeds           = "support.needs"
	ActPlan            = "support.plan"
	ActSafetyPlan      = "support.safety_plan"
	ActSupportRead     = "support.read"
	ActClose           = "record.close"
	ActReopen          = "record.reopen"
	ActFollowUp        = "record.follow_up"
	// Return and reintegration, linked persons, justice (issue #5 §5–6).
	ActReturnRisk       = "return.risk"
	ActChildAssessment  = "return.child_assessment"
	ActReceivingContact = "return.contact"
	ActLink             = "link.record"
	ActLinkRefer        = "link.refer"
	ActReturnRead       = "return.read"
	ActJusticeReport    = "justice.report"
	ActJusticeStage     = "justice.stage"
	ActProtective       = "justice.protective"
	ActCompensation     = "justice.compensation"
	ActPermit           = "justice.permit"
	ActJusticeRead      = "justice.read"

	// Voices (issue #6, points 5–7).
	ActFeedbackCampaign      = "feedback.campaign"
	ActFeedbackList          = "feedback.list"
	ActFeedbackRead          = "feedback.results"
	ActAdvisoryAdd           = "advisory.add"
	ActAdvisoryUpdate        = "advisory.update"
	ActAdvisoryRead          = "advisory.read"
	ActQuestionnaireSave     = "questionnaire.save"
	ActQuestionnaireCampaign = "questionnaire.campaign"
	ActQuestionnaireAnswer   = "questionnaire.answer"
	ActQuestionnaireRead     = "questionnaire.results"
	// Exchange in IOM's Human Trafficking Case Data Standard (issue #6 §4).
	ActHTCDSExport = "export.htcds"
)

// event is what a door method wants recorded.
type event struct {
	action     string
	subject    string
	fields     []string
	outcome    string
	breakGlass bool
	reason     string // encrypted before it is stored: reasons may themselves be sensitive
}

type requestIDKey struct{}

// WithRequestID returns a context that carries the id of the request it
// serves. Every audit entry written under it names that request, including
// the sign-in events, which have no actor yet to carry it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RecordRefusal audits a request refused for the actor's role or token
// (403): the route pattern it was refused at and the reason's message key.
// Record-level refusals are audited by the door method itself (access).
func (s *Service) RecordRefusal(ctx context.Context, a *nrm.Actor, route, reason string) error {
	fields := []string{"route:" + strings.ReplaceAll(route, ",", " "), "reason:" + strings.ReplaceAll(reason, ",", " ")}
	return fail(s.db.Update(ctx, func(tx *store.Tx) error {
		return s.appendAudit(ctx, tx, a, event{action: ActRefused, outcome: "denied", fields: fields})
	}))
}

// appendAudit chains and writes one audit entry inside tx. The head row is
// locked (PostgreSQL) or the single writer holds the database (SQLite), so
// entries are strictly sequential. Any failure aborts the caller's access.
func (s *Service) appendAudit(ctx context.Context, tx *store.Tx, a *nrm.Actor, ev event) error {
	if s.auditHook != nil {
		if err := s.auditHook(tx); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	var seq int64
	var prev []byte
	if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+tx.ForUpdate()).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if ev.outcome == "" {
		ev.outcome = "ok"
	}
	e := audit.Entry{
		Seq: seq + 1, At: tx.Now, Action: ev.action, Subject: ev.subject, Fields: ev.fields,
		Outcome: ev.outcome, BreakGlass: ev.breakGlass,
	}
	if ev.reason != "" {
		ct, err := s.sealSystem(ctx, tx, "audit", "reason", fmt.Sprint(e.Seq), []byte(ev.reason))
		if err != nil {
			return fmt.Errorf("audit reason: %w", err)
		}
		e.Reason = ct
	}
	if a != nil {
		e.ActorUser, e.ActorOrg, e.ActorRole = a.UserID, a.OrgID, a.PrimaryRole()
		e.Remote, e.RequestID = a.Remote, a.RequestID
	}
	if e.RequestID == "" {
		e.RequestID, _ = ctx.Value(requestIDKey{}).(string)
	}
	e.Seal(prev)
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor_user, actor_org, actor_role, action, subject, fields, outcome, break_glass, reason, remote, request_id, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, store.Micros(e.At), e.ActorUser, e.ActorOrg, e.ActorRole, e.Action, e.Subject,
		strings.Join(e.Fields, ","), e.Outcome, store.Int(e.BreakGlass), e.Reason, e.Remote, e.RequestID,
		e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit insert: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	return nil
}

// scanEntry reads one audit_log row.
func scanEntry(rows *sql.Rows) (audit.Entry, error) {
	var e audit.Entry
	var at, bg int64
	var fields string
	err := rows.Scan(&e.Seq, &at, &e.ActorUser, &e.ActorOrg, &e.ActorRole, &e.Action, &e.Subject, &fields,
		&e.Outcome, &bg, &e.Reason, &e.Remote, &e.RequestID, &e.PrevHash, &e.Hash)
	e.At, e.BreakGlass = store.Time(at), store.Bool(bg)
	if fields != "" {
		e.Fields = strings.Split(fields, ",")
	}
	return e, err
}

const auditCols = `seq, at, actor_user, actor_org, actor_role, action, subject, fields, outcome, break_glass, reason, remote, request_id, prev_hash, hash`

// Checkpoints lists the signed checkpoints, oldest first.
func (s *Service) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	var cps []audit.Checkpoint
	err := s.db.View(ctx, func(tx *store.Tx) (err error) {
		cps, err = checkpoints(ctx, tx)
		return err
	})
	return cps, err
}

func checkpoints(ctx context.Context, tx *store.Tx) ([]audit.Checkpoint, error) {
	return collect(ctx, tx, func(r *sql.Rows) (audit.Checkpoint, error) {
		var c audit.Checkpoint
		var at int64
		err := r.Scan(&c.Size, &c.Root, &at, &c.KeyID, &c.Sig)
		c.At = store.Time(at)
		return c, err
	}, `SELECT size, root, at, key_id, sig FROM audit_checkpoints ORDER BY size`)
}

// VerifyAudit recomputes the whole chain and every checkpoint. It returns
// the number of entries checked, and an *audit.Problem naming the first bad
// entry when anything was edited, deleted, inserted or reordered.
//
// It reads the checkpoints, the log and its head in one snapshot, so it
// can run while the service writes: entries committed meanwhile are simply
// not part of the view it judges (they are checked by the next run).
func (s *Service) VerifyAudit(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Snapshot(ctx, func(tx *store.Tx) error {
		cps, err := checkpoints(ctx, tx)
		if err != nil {
			return err
		}
		stored, err := loadTree(ctx, tx)
		if err != nil {
			return err
		}
		tc := treeCheck{stored: stored}
		rows, err := tx.Query(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var last []byte
		var seq iter.Seq2[audit.Entry, error] = func(yield func(audit.Entry, error) bool) {
			for rows.Next() {
				e, err := scanEntry(rows)
				last = e.Hash
				tc.see(&e)
				if !yield(e, err) {
					return
				}
			}
			if err := rows.Err(); err != nil {
				yield(audit.Entry{}, err)
			}
		}
		if n, err = audit.Verify(seq, cps, s.PublicKey()); err != nil {
			return err
		}
		rows.Close()
		// The head must agree with the last entry: a deleted tail shows here.
		var head int64
		var hash []byte
		if err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head, &hash); err != nil {
			return err
		}
		if head != n {
			return &audit.Problem{Seq: n + 1, Kind: audit.KindTruncated, Detail: fmt.Sprintf("the log ends at %d but its head says %d", n, head)}
		}
		if n > 0 && !bytes.Equal(hash, last) {
			return &audit.Problem{Seq: n, Kind: audit.KindLink, Detail: "the head's hash is not the last entry's hash (the head or the last entry was altered)"}
		}
		if p := tc.result(n); p != nil {
			return p
		}
		return nil
	})
	return n, err
}

// treeCheck compares the stored Merkle tree state, from which the next
// checkpoints are signed, with the tree of the log's first entries as
// VerifyAudit streams them: a tampered state is named before it signs a
// wrong checkpoint.
type treeCheck struct {
	stored *audit.Tree
	tree   audit.CompactTree
	bad    *audit.Problem
}

func (c *treeCheck) see(e *audit.Entry) {
	size := c.stored.Size()
	if e.Seq != c.tree.Size()+1 || e.Seq > size {
		return
	}
	c.tree.Append(e.Hash)
	if e.Seq == size && (!bytes.Equal(c.tree.Root(), c.stored.Root()) || !bytes.Equal(e.Hash, c.stored.Last())) {
		c.bad = &audit.Problem{Seq: size, Kind: audit.KindCheckpoint, Detail: fmt.Sprintf(
			"the stored Merkle tree state over entries 1..%d does not match the log (the state was altered; the next checkpoint would sign a wrong root)", size)}
	}
}

// result is the state's problem once the log's n entries verified.
func (c *treeCheck) result(n int64) *audit.Problem {
	if size := c.stored.Size(); size > n {
		return &audit.Problem{Seq: n + 1, Kind: audit.KindTruncated, Detail: fmt.Sprintf(
			"log truncated: it ends after entry %d, but the stored Merkle tree state covers %d entries", n, size)}
	}
	return c.bad
}

// AuditEntry is an audit record as the DPO and the person's disclosure log see it.
type AuditEntry struct {
	audit.Entry
	ReasonText string
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	Subject        string
	ActorUser      string
	Action         string
	BreakGlassOnly bool
	Limit          int
}

// ListAudit returns audit entries for the data protection officer. Reading
// the audit trail is itself audited.
func (s *Service) ListAudit(ctx context.Context, a *nrm.Actor, f AuditFilter) ([]AuditEntry, error) {
	if !a.Has(nrm.RoleDPO) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	var out []AuditEntry
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		q := `SELECT ` + auditCols + ` FROM audit_log WHERE 1=1`
		var args []any
		if f.Subject != "" {
			q += ` AND subject = ?`
			args = append(args, f.Subject)
		}
		if f.ActorUser != "" {
			q += ` AND actor_user = ?`
			args = append(args, f.ActorUser)
		}
		if f.Action != "" {
			q += ` AND action = ?`
			args = append(args, f.Action)
		}
		if f.BreakGlassOnly {
			q += ` AND break_glass = 1`
		}
		q += ` ORDER BY seq DESC LIMIT ?`
		args = append(args, f.Limit)
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, AuditEntry{Entry: e})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Decrypt reasons once the rows are closed (one query at a time per connection).
		for i := range out {
			if len(out[i].Reason) > 0 {
				if pt, err := s.openSystem(ctx, tx, "audit", "reason", fmt.Sprint(out[i].Seq), out[i].Reason); err == nil {
					out[i].ReasonText = string(pt)
				}
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActAuditRead, fields: []string{"audit"}})
	})
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return out, fail(err)
}
