package door

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
)

// Voices: anonymous feedback from the persons the NRM helps, the
// professionals' questionnaire (guide §9.4) and the survivors' Advisory
// Board register (issue #6, points 5–7). None of it is a person's record,
// but it goes through the door all the same: the free-text comment is
// encrypted with a system key, and every read of results and every change
// is audited.
//
// One deliberate exception: an anonymous feedback answer writes NO audit
// entry. An audit entry carries the time to the microsecond and the client
// address, which together with a campaign could tell who answered; the
// stored answer keeps the date only.

// ErrFeedbackClosed is the answer for an unknown or closed feedback link.
var ErrFeedbackClosed = nrm.ErrNotFound

// feedbackCap bounds the anonymous answers one campaign takes per hour.
// The counter lives in memory only (never stored) and knows nothing of who
// sends: it throttles floods, not persons.
const feedbackCap = 120

type hourCounter struct {
	mu   sync.Mutex
	hour int64
	n    map[string]int
}

var feedbackCounter = &hourCounter{n: map[string]int{}}

// take counts one more for key in the current hour; false past the cap.
func (c *hourCounter) take(key string, now time.Time, limit int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := now.Unix() / 3600
	if h != c.hour {
		c.hour, c.n = h, map[string]int{}
	}
	if c.n[key] >= limit {
		return false
	}
	c.n[key]++
	return true
}

// newFeedbackCode returns a short code of 8 characters from an alphabet
// without look-alikes (no 0/o, 1/l/i), so it can be read out and typed.
func newFeedbackCode() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b [8]byte
	_, _ = rand.Read(b[:])
	out := make([]byte, len(b))
	for i, x := range b {
		out[i] = alphabet[int(x)%len(alphabet)]
	}
	return string(out)
}

// CreateFeedbackCampaign makes a short public feedback link for the actor's
// organisation.
func (s *Service) CreateFeedbackCampaign(ctx context.Context, a *nrm.Actor, title string) (*nrm.FeedbackCampaign, error) {
	if !nrm.CanRunFeedback(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	title = strings.TrimSpace(title)
	if title == "" {
		return nil, nrm.FieldError("title", "error.required")
	}
	if len([]rune(title)) > 200 {
		return nil, nrm.FieldError("title", "error.too_long", 200)
	}
	c := &nrm.FeedbackCampaign{ID: newID(), OrgID: a.OrgID, Title: title}
	err := s.access(ctx, a, ActFeedbackCampaign, func(tx *store.Tx) error {
		c.CreatedAt = tx.Now
		for range 5 { // a clash of 8 random characters is rare; try again
			c.Code = newFeedbackCode()
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM feedback_campaigns WHERE code = ?`, c.Code).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
		title, err := s.sealSystem(ctx, tx, "feedback_campaigns", "title", c.ID, []byte(c.Title))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO feedback_campaigns (id, code, org_id, title, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.ID, c.Code, c.OrgID, title, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActFeedbackCampaign, subject: c.ID, fields: []string{"title"}})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FeedbackCampaigns lists feedback links with their answer counts: every
// link for those who read results, the own organisation's for the others.
func (s *Service) FeedbackCampaigns(ctx context.Context, a *nrm.Actor) ([]nrm.FeedbackCampaign, error) {
	all := nrm.CanReadVoices(a)
	if !all && !nrm.CanRunFeedback(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out []nrm.FeedbackCampaign
	err := s.access(ctx, a, ActFeedbackList, func(tx *store.Tx) error {
		q := `SELECT c.id, c.code, c.org_id, c.title, c.created_at, c.closed_at, (SELECT COUNT(*) FROM feedback_answers f WHERE f.campaign_id = c.id)
			FROM feedback_campaigns c`
		var args []any
		if !all {
			q += ` WHERE c.org_id = ?`
			args = append(args, a.OrgID)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY c.created_at DESC, c.id`, args...)
		if err != nil {
			return err
		}
		var titles [][]byte
		for rows.Next() {
			var c nrm.FeedbackCampaign
			var title []byte
			var at, closed int64
			if err := rows.Scan(&c.ID, &c.Code, &c.OrgID, &title, &at, &closed, &c.Answers); err != nil {
				rows.Close()
				return err
			}
			c.CreatedAt, c.Closed = store.Time(at), closed != 0
			out, titles = append(out, c), append(titles, title)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Title, err = s.openSystemText(ctx, tx, "feedback_campaigns", "title", out[i].ID, titles[i]); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActFeedbackList})
	})
	return out, err
}

// FeedbackOpen reports whether code is an open feedback link. It is asked
// by the public form, without an actor, and records nothing.
func (s *Service) FeedbackOpen(ctx context.Context, code string) (bool, error) {
	if !nrm.ValidFeedbackCode(code) {
		return false, nil
	}
	var n int
	err := s.db.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM feedback_campaigns WHERE code = ? AND closed_at = 0`, code).Scan(&n)
	})
	return n > 0, fail(err)
}

// SubmitFeedback stores one anonymous answer set for the link code. It
// takes no actor and stores no identifier: the campaign, the language, the
// ratings, the comment (encrypted with the "feedback" system key) and the
// date in the jurisdiction's time zone — not the time of day. No audit
// entry is written (see the top of this file).
func (s *Service) SubmitFeedback(ctx context.Context, code string, in nrm.FeedbackInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if !nrm.ValidFeedbackCode(code) {
		return ErrFeedbackClosed
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		var cid string
		err := tx.QueryRow(ctx, `SELECT id FROM feedback_campaigns WHERE code = ? AND closed_at = 0`, code).Scan(&cid)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrFeedbackClosed
		} else if err != nil {
			return err
		}
		if !feedbackCounter.take(cid, tx.Now, feedbackCap) {
			return nrm.Errorf(nrm.ETooMany, "error.too_many")
		}
		id := newID()
		var comment []byte
		if in.Comment != "" {
			if comment, err = s.sealSystem(ctx, tx, "feedback", "comment", id, []byte(in.Comment)); err != nil {
				return err
			}
		}
		r := in.Ratings
		day := tx.Now.In(s.profile.Location()).Format(time.DateOnly)
		_, err = tx.Exec(ctx, `INSERT INTO feedback_answers (id, campaign_id, lang, answered_on, safe, listened, helped, understood, respected, comment)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, cid, in.Lang, day, r["safe"], r["listened"], r["helped"], r["understood"], r["respected"], comment)
		return err
	})
	return fail(err)
}

// FeedbackScope picks the answers to aggregate: one campaign, or every
// campaign of one organisation.
type FeedbackScope struct {
	CampaignID string
	OrgID      string
}

// FeedbackResult is the aggregate of a scope's answers. Each question's
// distribution is suppressed below k answers; the comments are given only
// when the scope has at least k answer sets, in no particular order.
type FeedbackResult struct {
	Scope     FeedbackScope
	Total     int // answer sets (a count is not suppressed; distributions are)
	K         int
	Questions []nrm.Distribution
	Langs     map[string]int // answer sets by form language; empty below k
	Comments  []string
}

// FeedbackResults aggregates anonymous feedback for the Responsible
// Authority, the coordinator and the monitors, with small-count suppression.
func (s *Service) FeedbackResults(ctx context.Context, a *nrm.Actor, sc FeedbackScope) (*FeedbackResult, error) {
	if !nrm.CanReadVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if (sc.CampaignID == "") == (sc.OrgID == "") {
		return nil, nrm.FieldError("scope", "error.required")
	}
	subject := sc.CampaignID + sc.OrgID
	if !validID(subject) && !validOrgID(subject) {
		return nil, nrm.ErrNotFound
	}
	k := nrm.MinGroup
	res := &FeedbackResult{Scope: sc, K: k, Langs: map[string]int{}}
	err := s.access(ctx, a, ActFeedbackRead, func(tx *store.Tx) error {
		where, arg := `a.campaign_id = ?`, sc.CampaignID
		if sc.OrgID != "" {
			where, arg = `a.campaign_id IN (SELECT id FROM feedback_campaigns WHERE org_id = ?)`, sc.OrgID
		}
		var counts [5][5]int
		rows, err := tx.Query(ctx, `SELECT a.id, a.lang, a.safe, a.listened, a.helped, a.understood, a.respected, a.comment FROM feedback_answers a WHERE `+where+` ORDER BY a.id`, arg)
		if err != nil {
			return err
		}
		type cm struct {
			id string
			ct []byte
		}
		var comments []cm
		for rows.Next() {
			var id, lang string
			var v [5]int
			var ct []byte
			if err := rows.Scan(&id, &lang, &v[0], &v[1], &v[2], &v[3], &v[4], &ct); err != nil {
				rows.Close()
				return err
			}
			res.Total++
			res.Langs[lang]++
			for q, x := range v {
				if x >= 1 && x <= 5 {
					counts[q][x-1]++
				}
			}
			if len(ct) > 0 {
				comments = append(comments, cm{id, ct})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for q, key := range nrm.FeedbackQuestions {
			res.Questions = append(res.Questions, nrm.Distribute(key, counts[q], k))
		}
		if res.Total < k {
			res.Langs, comments = map[string]int{}, nil
		}
		for _, c := range comments {
			pt, err := s.openSystem(ctx, tx, "feedback", "comment", c.id, c.ct)
			if err != nil {
				return err
			}
			res.Comments = append(res.Comments, string(pt))
		}
		return s.appendAudit(ctx, tx, a, event{action: ActFeedbackRead, subject: subject})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// validOrgID accepts the shape of organisation ids (short slugs or hex).
func validOrgID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// --- Advisory Board -------------------------------------------------------

// AddAdvisory registers a recommendation of a consultative meeting, status
// "proposed", with the first entry of its history.
func (s *Service) AddAdvisory(ctx context.Context, a *nrm.Actor, in nrm.AdvisoryInput) (*nrm.AdvisoryRec, error) {
	if !nrm.CanKeepVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	in.Body = strings.TrimSpace(in.Body)
	if err := in.Validate(s.Now().In(s.profile.Location())); err != nil {
		return nil, err
	}
	rec := &nrm.AdvisoryRec{ID: newID(), MeetingOn: in.MeetingOn, Theme: in.Theme, Body: in.Body, Status: nrm.AdvisoryProposed}
	err := s.access(ctx, a, ActAdvisoryAdd, func(tx *store.Tx) error {
		now := store.Micros(tx.Now)
		body, err := s.sealSystem(ctx, tx, "advisory_recs", "body", rec.ID, []byte(rec.Body))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO advisory_recs (id, meeting_on, theme, body, status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.MeetingOn, rec.Theme, body, rec.Status, a.UserID, now, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO advisory_history (id, rec_id, status, by_user, at) VALUES (?, ?, ?, ?, ?)`,
			newID(), rec.ID, rec.Status, a.UserID, now); err != nil {
			return err
		}
		rec.UpdatedAt = tx.Now
		rec.History = []nrm.AdvisoryChange{{Status: rec.Status, By: a.UserID, At: tx.Now}}
		return s.appendAudit(ctx, tx, a, event{action: ActAdvisoryAdd, subject: rec.ID, fields: []string{"meeting_on", "theme", "body"}})
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// UpdateAdvisory moves a recommendation to a new status, recording who
// presented it and when, and the members' response when given; each change
// is kept in its history.
func (s *Service) UpdateAdvisory(ctx context.Context, a *nrm.Actor, id string, in nrm.AdvisoryUpdate) (*nrm.AdvisoryRec, error) {
	if !nrm.CanKeepVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if err := in.Validate(s.Now().In(s.profile.Location())); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, nrm.ErrNotFound
	}
	var out *nrm.AdvisoryRec
	err := s.access(ctx, a, ActAdvisoryUpdate, func(tx *store.Tx) error {
		rec, err := s.advisoryRec(ctx, tx, id)
		if err != nil {
			return err
		}
		var fields []string
		set := func(dst *string, v, name string) {
			if v = strings.TrimSpace(v); v != "" && v != *dst {
				*dst = v
				fields = append(fields, name)
			}
		}
		set(&rec.PresentedBy, in.PresentedBy, "presented_by")
		set(&rec.PresentedOn, in.PresentedOn, "presented_on")
		set(&rec.Response, in.Response, "response")
		if in.Status != rec.Status {
			fields = append(fields, "status")
		}
		rec.Status = in.Status
		now := store.Micros(tx.Now)
		if _, err := tx.Exec(ctx, `UPDATE advisory_recs SET status = ?, presented_by = ?, presented_on = ?, response = ?, updated_at = ? WHERE id = ?`,
			rec.Status, rec.PresentedBy, rec.PresentedOn, rec.Response, now, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO advisory_history (id, rec_id, status, note, by_user, at) VALUES (?, ?, ?, ?, ?, ?)`,
			newID(), id, rec.Status, strings.TrimSpace(in.Note), a.UserID, now); err != nil {
			return err
		}
		if strings.TrimSpace(in.Note) != "" {
			fields = append(fields, "note")
		}
		if out, err = s.advisoryRec(ctx, tx, id); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActAdvisoryUpdate, subject: id, fields: fields})
	})
	return out, err
}

// AdvisoryRecs lists the register, newest meeting first, with each
// recommendation's history.
func (s *Service) AdvisoryRecs(ctx context.Context, a *nrm.Actor) ([]nrm.AdvisoryRec, error) {
	if !nrm.CanReadVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var out []nrm.AdvisoryRec
	err := s.access(ctx, a, ActAdvisoryRead, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, meeting_on, theme, body, presented_by, presented_on, response, status, updated_at FROM advisory_recs ORDER BY meeting_on DESC, created_at DESC, id`)
		if err != nil {
			return err
		}
		idx := map[string]int{}
		var bodies [][]byte
		for rows.Next() {
			var r nrm.AdvisoryRec
			var body []byte
			var up int64
			if err := rows.Scan(&r.ID, &r.MeetingOn, &r.Theme, &body, &r.PresentedBy, &r.PresentedOn, &r.Response, &r.Status, &up); err != nil {
				rows.Close()
				return err
			}
			r.UpdatedAt = store.Time(up)
			idx[r.ID] = len(out)
			out, bodies = append(out, r), append(bodies, body)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Body, err = s.openSystemText(ctx, tx, "advisory_recs", "body", out[i].ID, bodies[i]); err != nil {
				return err
			}
		}
		hs, err := tx.Query(ctx, `SELECT rec_id, status, note, by_user, at FROM advisory_history ORDER BY at, id`)
		if err != nil {
			return err
		}
		defer hs.Close()
		for hs.Next() {
			var rid string
			var c nrm.AdvisoryChange
			var at int64
			if err := hs.Scan(&rid, &c.Status, &c.Note, &c.By, &at); err != nil {
				return err
			}
			c.At = store.Time(at)
			if i, ok := idx[rid]; ok {
				out[i].History = append(out[i].History, c)
			}
		}
		if err := hs.Err(); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActAdvisoryRead})
	})
	return out, err
}

func (s *Service) advisoryRec(ctx context.Context, tx *store.Tx, id string) (*nrm.AdvisoryRec, error) {
	var r nrm.AdvisoryRec
	var body []byte
	var up int64
	err := tx.QueryRow(ctx, `SELECT id, meeting_on, theme, body, presented_by, presented_on, response, status, updated_at FROM advisory_recs WHERE id = ?`, id).
		Scan(&r.ID, &r.MeetingOn, &r.Theme, &body, &r.PresentedBy, &r.PresentedOn, &r.Response, &r.Status, &up)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nrm.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	if r.Body, err = s.openSystemText(ctx, tx, "advisory_recs", "body", r.ID, body); err != nil {
		return nil, err
	}
	r.UpdatedAt = store.Time(up)
	rows, err := tx.Query(ctx, `SELECT status, note, by_user, at FROM advisory_history WHERE rec_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c nrm.AdvisoryChange
		var at int64
		if err := rows.Scan(&c.Status, &c.Note, &c.By, &at); err != nil {
			return nil, err
		}
		c.At = store.Time(at)
		r.History = append(r.History, c)
	}
	return &r, rows.Err()
}

// --- The professionals' questionnaire ------------------------------------

// SaveQuestionnaire stores a new version of the questionnaire; earlier
// versions are kept (campaigns point at the version they sent).
func (s *Service) SaveQuestionnaire(ctx context.Context, a *nrm.Actor, q nrm.Questionnaire, note string) (*nrm.Questionnaire, error) {
	if !nrm.CanKeepVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	q.ID = newID()
	err = s.access(ctx, a, ActQuestionnaireSave, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM questionnaire_versions`).Scan(&q.Version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO questionnaire_versions (id, version, body, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			q.ID, q.Version, string(body), strings.TrimSpace(note), a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActQuestionnaireSave, subject: q.ID, fields: []string{fmt.Sprint(q.Version)}})
	})
	if err != nil {
		return nil, err
	}
	return &q, nil
}

// Questionnaire returns one version (0: the latest) to those who keep it
// and to every signed-in member who may answer it.
func (s *Service) Questionnaire(ctx context.Context, a *nrm.Actor, version int) (*nrm.Questionnaire, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	var q *nrm.Questionnaire
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		q, err = loadQuestionnaire(ctx, tx, `version = (SELECT MAX(version) FROM questionnaire_versions)`, nil, version)
		return err
	})
	return q, fail(err)
}

func loadQuestionnaire(ctx context.Context, tx *store.Tx, latest string, byID *string, version int) (*nrm.Questionnaire, error) {
	where, args := latest, []any{}
	switch {
	case byID != nil:
		where, args = `id = ?`, []any{*byID}
	case version > 0:
		where, args = `version = ?`, []any{version}
	}
	var q nrm.Questionnaire
	var body string
	err := tx.QueryRow(ctx, `SELECT id, version, body FROM questionnaire_versions WHERE `+where, args...).Scan(&q.ID, &q.Version, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nrm.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &q); err != nil {
		return nil, err
	}
	return &q, nil
}

// CreateQuestionnaireCampaign sends a questionnaire version to NRM member
// organisations for a period.
func (s *Service) CreateQuestionnaireCampaign(ctx context.Context, a *nrm.Actor, c nrm.QuestionnaireCampaign) (*nrm.QuestionnaireCampaign, error) {
	if !nrm.CanKeepVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return nil, err
	}
	c.Title = strings.TrimSpace(c.Title)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	slices.Sort(c.Orgs)
	c.Orgs = slices.Compact(c.Orgs)
	c.ID = newID()
	err := s.access(ctx, a, ActQuestionnaireCampaign, func(tx *store.Tx) error {
		q, err := loadQuestionnaire(ctx, tx, `version = (SELECT MAX(version) FROM questionnaire_versions)`, nil, c.Version)
		if err != nil {
			if errors.Is(err, nrm.ErrNotFound) {
				return nrm.FieldError("version", "error.unknown_value")
			}
			return err
		}
		c.VersionID, c.Version = q.ID, q.Version
		dir, err := s.orgDir(ctx, tx)
		if err != nil {
			return err
		}
		for _, o := range c.Orgs {
			if _, ok := dir.byID[o]; !ok {
				return nrm.FieldError("orgs", "error.unknown_org")
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO questionnaire_campaigns (id, version_id, title, opens_on, closes_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.VersionID, c.Title, c.OpensOn, c.ClosesOn, a.UserID, store.Micros(tx.Now)); err != nil {
			return err
		}
		for _, o := range c.Orgs {
			if _, err := tx.Exec(ctx, `INSERT INTO questionnaire_campaign_orgs (campaign_id, org_id) VALUES (?, ?)`, c.ID, o); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActQuestionnaireCampaign, subject: c.ID, fields: []string{"orgs"}})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// QuestionnaireCampaigns lists campaigns: all of them for those who keep or
// read the questionnaire, those sent to the actor's organisation for others.
func (s *Service) QuestionnaireCampaigns(ctx context.Context, a *nrm.Actor) ([]nrm.QuestionnaireCampaign, error) {
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	all := nrm.CanReadVoices(a)
	var out []nrm.QuestionnaireCampaign
	err := s.db.View(ctx, func(tx *store.Tx) error {
		q := `SELECT c.id, c.version_id, v.version, c.title, c.opens_on, c.closes_on FROM questionnaire_campaigns c JOIN questionnaire_versions v ON v.id = c.version_id`
		var args []any
		if !all {
			q += ` WHERE c.id IN (SELECT campaign_id FROM questionnaire_campaign_orgs WHERE org_id = ?)`
			args = append(args, a.OrgID)
		}
		rows, err := tx.Query(ctx, q+` ORDER BY c.opens_on DESC, c.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c nrm.QuestionnaireCampaign
			if err := rows.Scan(&c.ID, &c.VersionID, &c.Version, &c.Title, &c.OpensOn, &c.ClosesOn); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, fail(err)
}

// AnswerQuestionnaire records the actor's answers to a campaign (1–5 per
// question, by section). One answer set per user per campaign: answering
// again before the campaign closes replaces it.
func (s *Service) AnswerQuestionnaire(ctx context.Context, a *nrm.Actor, campaignID string, answers map[string]map[string]int) error {
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if !validID(campaignID) {
		return nrm.ErrNotFound
	}
	return s.access(ctx, a, ActQuestionnaireAnswer, func(tx *store.Tx) error {
		var versionID, opens, closes string
		err := tx.QueryRow(ctx, `SELECT c.version_id, c.opens_on, c.closes_on FROM questionnaire_campaigns c JOIN questionnaire_campaign_orgs o ON o.campaign_id = c.id
			WHERE c.id = ? AND o.org_id = ?`, campaignID, a.OrgID).Scan(&versionID, &opens, &closes)
		if errors.Is(err, sql.ErrNoRows) {
			return &denied{subject: campaignID}
		} else if err != nil {
			return err
		}
		today := tx.Now.In(s.profile.Location()).Format(time.DateOnly)
		if today < opens || today > closes {
			return nrm.Errorf(nrm.EConflict, "error.campaign_closed")
		}
		q, err := loadQuestionnaire(ctx, tx, "", &versionID, 0)
		if err != nil {
			return err
		}
		clean := map[string]map[string]int{}
		n := 0
		for sec, qs := range answers {
			known := q.Sections[sec]
			for key, v := range qs {
				if !slices.ContainsFunc(known, func(x nrm.Question) bool { return x.Key == key }) || v < 1 || v > 5 {
					return nrm.FieldError("answers", "error.unknown_value")
				}
				if clean[sec] == nil {
					clean[sec] = map[string]int{}
				}
				clean[sec][key] = v
				n++
			}
		}
		if n == 0 {
			return nrm.FieldError("answers", "error.required")
		}
		body, _ := json.Marshal(clean)
		if _, err := tx.Exec(ctx, `DELETE FROM questionnaire_answers WHERE campaign_id = ? AND user_id = ?`, campaignID, a.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO questionnaire_answers (campaign_id, user_id, org_id, org_type, answers, submitted_at) VALUES (?, ?, ?, ?, ?, ?)`,
			campaignID, a.UserID, a.OrgID, string(a.OrgType), string(body), store.Micros(tx.Now)); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActQuestionnaireAnswer, subject: campaignID})
	})
}

// QuestionnaireResults aggregates a campaign per section, for all answers
// and per organisation type: the mean of each answer set's section mean and
// the count; a group of fewer than k answer sets is suppressed.
func (s *Service) QuestionnaireResults(ctx context.Context, a *nrm.Actor, campaignID string) ([]nrm.SectionResult, error) {
	if !nrm.CanReadVoices(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if !validID(campaignID) {
		return nil, nrm.ErrNotFound
	}
	k := nrm.MinGroup
	var out []nrm.SectionResult
	err := s.access(ctx, a, ActQuestionnaireRead, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM questionnaire_campaigns WHERE id = ?`, campaignID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return &denied{subject: campaignID}
		}
		rows, err := tx.Query(ctx, `SELECT org_type, answers FROM questionnaire_answers WHERE campaign_id = ?`, campaignID)
		if err != nil {
			return err
		}
		type acc struct {
			n   int
			sum float64
		}
		groups := map[[2]string]*acc{}
		types := map[string]bool{}
		for rows.Next() {
			var ot, body string
			if err := rows.Scan(&ot, &body); err != nil {
				rows.Close()
				return err
			}
			var ans map[string]map[string]int
			if err := json.Unmarshal([]byte(body), &ans); err != nil {
				rows.Close()
				return err
			}
			types[ot] = true
			for sec, qs := range ans {
				if len(qs) == 0 {
					continue
				}
				t := 0
				for _, v := range qs {
					t += v
				}
				m := float64(t) / float64(len(qs))
				for _, g := range [][2]string{{sec, ""}, {sec, ot}} {
					if groups[g] == nil {
						groups[g] = &acc{}
					}
					groups[g].n++
					groups[g].sum += m
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ots := []string{""}
		for t := range types {
			ots = append(ots, t)
		}
		sort.Strings(ots[1:])
		for _, sec := range nrm.QuestionnaireSections {
			for _, ot := range ots {
				g := groups[[2]string{sec, ot}]
				r := nrm.SectionResult{Section: sec, OrgType: ot}
				switch {
				case g == nil:
					if ot != "" {
						continue
					}
				case g.n < k:
					r.Suppressed = true
				default:
					r.N, r.Mean = g.n, g.sum/float64(g.n)
				}
				out = append(out, r)
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActQuestionnaireRead, subject: campaignID})
	})
	return out, err
}
