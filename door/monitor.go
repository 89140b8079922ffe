package door

// Monitoring (issue #6): the statistics side of the door. Each person has a
// fact — codes and durations, no identity — and the facts are summed into a
// small rollup by dataset, period, region and emergency flag. Dashboards,
// the API and periodic reports read the rollup, never the register, and
// every figure they return has passed disclosure control (stats.Build).
//
// The facts follow the register through the audit log: every write of case
// data leaves an audit entry naming the person in the same transaction, so
// RefreshStats recomputes the persons named since its watermark. Nothing in
// the write paths has to remember the statistics.

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/rules"
	"github.com/nrm-org/nrm/stats"
	"github.com/nrm-org/nrm/store"
)

// DatasetNRM is the live register's dataset.
const DatasetNRM = "nrm"

// Audit actions of the statistics.
const (
	ActStatsRefresh = "stats.refresh"
	ActStatsRead    = "stats.read"
	ActStatsImport  = "stats.import"
	ActStatsDelete  = "stats.delete"
)

// refreshBatch is how many audit entries one refresh round reads (on the
// reader side) to list the persons to recompute.
const refreshBatch = 2000

// refreshPerWrite is how many persons one refresh write transaction
// recomputes: a few milliseconds of holding the writer.
const refreshPerWrite = 25

// inlineRefresh is how many waiting persons a dashboard recomputes before
// answering; beyond it, it answers from the stored rollup, says how fresh
// that is, and leaves the catching up to the background job.
const inlineRefresh = 200

// inlineEntries bounds the audit entries a dashboard reads to list those
// persons (ten rounds, a few milliseconds on the reader side): a busy
// service writes thousands of entries a minute that name no person.
const inlineEntries = 10 * refreshBatch

// factPage is how many persons a rebuild computes per round of queries.
const factPage = 2000

// day is a civil date as a day number (days since 1970-01-01).
func day(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// yyyymmdd writes a day number as 20261126.
func yyyymmdd(n int) int {
	y, m, d := time.Unix(int64(n)*86400, 0).UTC().Date()
	return y*10000 + int(m)*100 + d
}

// dayOf reads 20261126 back as a day number.
func dayOf(v int) int {
	return int(time.Date(v/10000, time.Month(v/100%100), v%100, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// workingBetween counts the working days d with from < d ≤ to (day numbers).
func workingBetween(p *rules.Profile, from, to int) int {
	n := 0
	for d := from + 1; d <= to; d++ {
		if p.IsWorkingDay(time.Unix(int64(d)*86400+12*3600, 0).In(time.UTC)) {
			n++
		}
	}
	return n
}

// factRow is what a fact is computed from: the person's codes and times.
type factRow struct {
	id, region, status, ageGroup, sex, nationality, nationalities, forms, merged string
	presumed                                                                     bool
	ageYears                                                                     int
	firstContact, created, potential, decided                                    int64
}

// referralPlace is how a person's first referral came and where it happened.
type referralPlace struct {
	channel, scope, platform, recruitC, recruitR, exploitC, exploitR string
}

// factSources is everything the facts of one page of persons need.
type factSources struct {
	by        map[string]string        // person → who referred first
	place     map[string]referralPlace // person → how the first referral came, where it happened
	deadlines map[string][]stats.Phase // person → deadlines
	referred  map[string][]string      // person → service kinds referred (chain ends only)
	delivered map[string][]string      // person → kinds delivered
	consented map[string]bool          // person → active statistics consent
	emergency [][2]int64               // emergency periods [start, end) (end 0: still running)
}

// loadFacts computes the facts of the persons selected by where (a condition
// on persons p.id, written for each table's person column through col) — a
// page of the register or a list of persons. Persons merged into another
// record have no fact.
func (s *Service) loadFacts(ctx context.Context, tx *store.Tx, where func(col string) string, args []any) ([]stats.Fact, error) {
	loc := s.profile.Location()
	rows, err := collect(ctx, tx, func(r *sql.Rows) (factRow, error) {
		var f factRow
		var presumed int64
		err := r.Scan(&f.id, &f.region, &f.status, &f.ageGroup, &presumed, &f.ageYears, &f.sex, &f.nationality, &f.nationalities,
			&f.forms, &f.firstContact, &f.created, &f.potential, &f.decided, &f.merged)
		f.presumed = presumed != 0
		return f, err
	}, `SELECT p.id, p.region, p.status, p.age_group, p.presumed_child, p.age_years, p.sex, p.nationality, p.nationalities,
		p.forms, p.first_contact_at, p.created_at, p.potential_at, p.decided_at, p.merged_into
		FROM persons p WHERE `+where("p.id")+` ORDER BY p.id`, args...)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	src, err := s.factSources(ctx, tx, where, args)
	if err != nil {
		return nil, err
	}
	facts := make([]stats.Fact, 0, len(rows))
	for _, r := range rows {
		if r.merged != "" {
			continue
		}
		facts = append(facts, s.fact(r, src, loc))
	}
	return facts, nil
}

// factSources reads the referrals, deadlines, service referrals, consents
// and emergency periods of the selected persons.
func (s *Service) factSources(ctx context.Context, tx *store.Tx, where func(string) string, args []any) (*factSources, error) {
	loc := s.profile.Location()
	src := &factSources{by: map[string]string{}, place: map[string]referralPlace{}, deadlines: map[string][]stats.Phase{}, referred: map[string][]string{},
		delivered: map[string][]string{}, consented: map[string]bool{}}
	q := func(query string, scan func(*sql.Rows) error, extra ...any) error {
		rs, err := tx.Query(ctx, query, withArg(args, extra...)...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			if err := scan(rs); err != nil {
				return err
			}
		}
		return rs.Err()
	}
	// Who referred: the first referral's referrer type, or its organisation's type;
	// how that referral came and where it happened.
	if err := q(`SELECT r.person_id, r.referrer_type, o.type, r.channel, r.scope, r.online_platform, r.recruit_country, r.recruit_region,
		r.exploit_country, r.exploit_region FROM referrals r JOIN orgs o ON o.id = r.org_id
		WHERE `+where("r.person_id")+` ORDER BY r.person_id, r.created_at`, func(rs *sql.Rows) error {
		var pid, rt, ot string
		var pl referralPlace
		if err := rs.Scan(&pid, &rt, &ot, &pl.channel, &pl.scope, &pl.platform, &pl.recruitC, &pl.recruitR, &pl.exploitC, &pl.exploitR); err != nil {
			return err
		}
		if _, seen := src.by[pid]; !seen {
			if rt == "" {
				rt = ot
			}
			src.by[pid] = rt
			src.place[pid] = pl
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// A clock that ended with its work (access_end.go) was neither met nor missed.
	if err := q(`SELECT d.person_id, d.rule, d.due_at, d.met_at FROM deadlines d WHERE d.ended_at = 0 AND `+where("d.person_id")+` ORDER BY d.person_id, d.started_at`, func(rs *sql.Rows) error {
		var pid, rule string
		var due, met int64
		if err := rs.Scan(&pid, &rule, &due, &met); err != nil {
			return err
		}
		dueDay := day(store.Time(due), loc)
		ph := stats.Phase{Rule: rule, Met: met != 0}
		switch {
		case met == 0:
			ph.Due = yyyymmdd(dueDay)
		case met <= due:
			ph.OnTime = true
		default:
			ph.Late = workingBetween(s.profile, dueDay, day(store.Time(met), loc))
		}
		src.deadlines[pid] = append(src.deadlines[pid], ph)
		return nil
	}); err != nil {
		return nil, err
	}
	// A declined referral replaced by another is one attempt of a chain: only the
	// chain's last referral counts, so a re-referral is not a failure twice.
	if err := q(`SELECT sr.person_id, sv.kind, sr.state FROM service_referrals sr JOIN services sv ON sv.id = sr.service_id
		WHERE `+where("sr.person_id")+` AND sr.replaced_by = '' AND sr.state <> ? ORDER BY sr.person_id, sr.sent_at`, func(rs *sql.Rows) error {
		var pid, kind, state string
		if err := rs.Scan(&pid, &kind, &state); err != nil {
			return err
		}
		src.referred[pid] = append(src.referred[pid], kind)
		if state == nrm.SRDelivered {
			src.delivered[pid] = append(src.delivered[pid], kind)
		}
		return nil
	}, nrm.SRCancelled); err != nil {
		return nil, err
	}
	if s.profile.Statistics.RequiresConsent {
		if err := q(`SELECT p.id FROM persons p WHERE `+where("p.id")+` AND `+statisticsConsent, func(rs *sql.Rows) error {
			var pid string
			if err := rs.Scan(&pid); err != nil {
				return err
			}
			src.consented[pid] = true
			return nil
		}, store.Micros(tx.Now)); err != nil {
			return nil, err
		}
	}
	rs, err := tx.Query(ctx, `SELECT started_at, ended_at FROM emergencies ORDER BY started_at`)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	for rs.Next() {
		var e [2]int64
		if err := rs.Scan(&e[0], &e[1]); err != nil {
			return nil, err
		}
		src.emergency = append(src.emergency, e)
	}
	return src, rs.Err()
}

// withArg appends extra arguments after the selection's.
func withArg(args []any, extra ...any) []any {
	return append(slices.Clone(args), extra...)
}

// fact is the pure part: one person's fact from their row and sources.
func (s *Service) fact(r factRow, src *factSources, loc *time.Location) stats.Fact {
	first := r.firstContact
	if first == 0 {
		first = r.created
	}
	ft := store.Time(first)
	m := stats.MonthOf(ft.In(loc).Year(), int(ft.In(loc).Month()))
	nat := r.nationality
	if nat == "" {
		if ns := splitList(r.nationalities); len(ns) > 0 {
			nat = ns[0]
		}
	}
	child := r.ageGroup == string(nrm.AgeChild) || r.presumed
	f := stats.Fact{
		Key: r.id, From: m, To: m, Region: r.region,
		Counted:     !s.profile.Statistics.RequiresConsent || src.consented[r.id],
		Status:      r.status,
		Forms:       splitList(r.forms),
		By:          src.by[r.id],
		Nationality: nat,
		Sex:         r.sex,
		Age:         stats.AgeBand(r.ageYears, child, r.ageGroup == string(nrm.AgeAdult)),
		DaysToPot:   -1, DaysToDecide: -1,
		Channel:           src.place[r.id].channel,
		Scope:             splitList(src.place[r.id].scope),
		Platform:          src.place[r.id].platform,
		RecruitNation:     src.place[r.id].recruitC,
		RecruitRegion:     src.place[r.id].recruitR,
		ExploitNation:     src.place[r.id].exploitC,
		ExploitRegion:     src.place[r.id].exploitR,
		ServicesReferred:  src.referred[r.id],
		ServicesDelivered: src.delivered[r.id],
		Phases:            src.deadlines[r.id],
	}
	if f.Sex == "" {
		f.Sex = "unknown"
	}
	for _, e := range src.emergency {
		if first >= e[0] && (e[1] == 0 || first < e[1]) {
			f.Emergency = true
		}
	}
	if r.potential != 0 {
		f.DaysToPot = max(0, day(store.Time(r.potential), loc)-day(ft, loc))
	}
	if r.decided != 0 {
		f.DaysToDecide = max(0, day(store.Time(r.decided), loc)-day(ft, loc))
	}
	return f
}

// encodeItems writes a fact's items for stat_facts.items ("dim\tval" lines).
func encodeItems(items []stats.Item) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.Dim)
		b.WriteByte('\t')
		b.WriteString(it.Val)
		b.WriteByte('\n')
	}
	return b.String()
}

func decodeItems(s string) []stats.Item {
	var out []stats.Item
	for line := range strings.SplitSeq(s, "\n") {
		if dim, val, ok := strings.Cut(line, "\t"); ok {
			out = append(out, stats.Item{Dim: dim, Val: val})
		}
	}
	return out
}

// rollKey is one row of stat_counts.
type rollKey struct {
	from, to  stats.Month
	region    string
	emergency bool
	dim, val  string
}

// rollup accumulates additions to stat_counts before they are written.
type rollup map[rollKey]int

func (r rollup) add(f *stats.Fact, items []stats.Item, sign int) {
	for _, it := range items {
		r[rollKey{f.From, f.To, f.Region, f.Emergency, it.Dim, it.Val}] += sign
	}
}

// write adds the accumulated counts to stat_counts and drops the rows that
// reached zero — only rows that went down can, so only those are looked at
// (a sweep of the dataset's rows made every refresh cost the rollup's size).
func (r rollup) write(ctx context.Context, tx *store.Tx, dataset string) error {
	for k, n := range r {
		if n == 0 {
			continue
		}
		args := []any{dataset, int(k.from), int(k.to), k.region, store.Int(k.emergency), k.dim, k.val}
		if _, err := tx.Exec(ctx, `INSERT INTO stat_counts (dataset, p_from, p_to, region, emergency, dim, val, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (dataset, p_from, p_to, region, emergency, dim, val) DO UPDATE SET n = stat_counts.n + excluded.n`,
			append(args, n)...); err != nil {
			return fmt.Errorf("stat_counts: %w", err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM stat_counts WHERE dataset = ? AND p_from = ? AND p_to = ? AND region = ? AND emergency = ?
			AND dim = ? AND val = ? AND n = 0`, args...); err != nil {
			return fmt.Errorf("stat_counts: %w", err)
		}
	}
	return nil
}

// takeOld removes a stored fact's items from the rollup (r collects the
// change) and reports whether there was one.
func takeOld(ctx context.Context, tx *store.Tx, r rollup, dataset, key string) (bool, error) {
	var old, region string
	var from, to int
	var emergency int64
	err := tx.QueryRow(ctx, `SELECT p_from, p_to, region, emergency, items FROM stat_facts WHERE dataset = ? AND fact_key = ?`, dataset, key).
		Scan(&from, &to, &region, &emergency, &old)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	of := stats.Fact{From: stats.Month(from), To: stats.Month(to), Region: region, Emergency: emergency != 0}
	r.add(&of, decodeItems(old), -1)
	return true, nil
}

// putFact replaces a fact: its old items leave the rollup, its new ones
// enter (r collects both).
func putFact(ctx context.Context, tx *store.Tx, r rollup, dataset string, f stats.Fact) error {
	if _, err := takeOld(ctx, tx, r, dataset, f.Key); err != nil {
		return err
	}
	items := f.Items()
	r.add(&f, items, +1)
	_, err := tx.Exec(ctx, `INSERT INTO stat_facts (dataset, fact_key, p_from, p_to, region, emergency, items) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dataset, fact_key) DO UPDATE SET p_from = excluded.p_from, p_to = excluded.p_to, region = excluded.region,
		emergency = excluded.emergency, items = excluded.items`,
		dataset, f.Key, int(f.From), int(f.To), f.Region, store.Int(f.Emergency), encodeItems(items))
	return err
}

// dropFact removes a fact (a record merged into another) from the rollup.
func dropFact(ctx context.Context, tx *store.Tx, r rollup, dataset, key string) error {
	if had, err := takeOld(ctx, tx, r, dataset, key); !had || err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM stat_facts WHERE dataset = ? AND fact_key = ?`, dataset, key)
	return err
}

// RefreshRun is what one refresh did, counted: the audit entries read as
// the change feed, the persons recomputed, and the write transactions it
// took (each recomputes at most refreshPerWrite persons). Longest is the
// longest of those transactions from its first statement to its commit (how
// long it held the writer), for the benchmarks.
type RefreshRun struct {
	Entries     int64
	Persons     int
	Writes      int
	MaxPerWrite int
	Longest     time.Duration
	Held        time.Duration // all the writes together, from first statement to commit
	Caught      bool          // the facts reached the audit head read last
}

// RefreshStats brings the register's facts up to date with the audit log:
// the persons named by audit entries since the watermark are recomputed.
// It returns the number of persons recomputed. See RunRefresh.
func (s *Service) RefreshStats(ctx context.Context) (int, error) {
	run, err := s.RunRefresh(ctx, 0)
	return run.Persons, err
}

// RunRefresh brings the facts up to date in short transactions: the
// persons named by the next refreshBatch audit entries are listed on the
// reader side, then recomputed refreshPerWrite at a time, each write with
// its audit entry; the last write of a round moves the watermark. A
// background refresh (limit 0) never holds the writer for more than one
// such write, and between two writes leaves it free at least as long as
// the last one held it.
// With limit > 0 it stops, leaving the rest to the background job, before
// it would recompute more than limit persons in all or read more than
// inlineEntries audit entries (the dashboard's inline catch-up).
func (s *Service) RunRefresh(ctx context.Context, limit int) (RefreshRun, error) {
	var run RefreshRun
	for {
		var mark, head, upto int64
		var ids []string
		err := s.db.Snapshot(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT s.audit_seq, h.seq FROM stat_state s, audit_head h WHERE s.id = 1 AND h.id = 1`).Scan(&mark, &head); err != nil {
				return err
			}
			upto = min(head, mark+refreshBatch)
			if upto <= mark || (limit > 0 && run.Entries+upto-mark > inlineEntries) {
				return nil
			}
			var err error
			ids, err = collect(ctx, tx, func(r *sql.Rows) (string, error) {
				var id string
				return id, r.Scan(&id)
			}, `SELECT DISTINCT a.subject FROM audit_log a JOIN persons p ON p.id = a.subject WHERE a.seq > ? AND a.seq <= ?`, mark, upto)
			return err
		})
		if err != nil {
			return run, fail(err)
		}
		run.Caught = head <= mark
		if run.Caught || (limit > 0 && (run.Entries+upto-mark > inlineEntries || run.Persons+len(ids) > limit)) {
			return run, nil
		}
		run.Entries += upto - mark
		// Whether this round moved the watermark or another refresh did
		// first, the next round reads it again.
		if err := s.refreshRound(ctx, ids, mark, upto, limit == 0, &run); err != nil {
			return run, fail(err)
		}
	}
}

// refreshRound recomputes the persons of one round, refreshPerWrite per
// write transaction; the last moves the watermark from mark to upto unless
// another refresh moved it (what was recomputed stays right, being computed
// from the records as they are).
func (s *Service) refreshRound(ctx context.Context, ids []string, mark, upto int64, pace bool, run *RefreshRun) error {
	a := nrm.SystemActor("statistics")
	per := refreshPerWrite
	if s.refreshPer > 0 {
		per = s.refreshPer
	}
	chunks := slices.Collect(slices.Chunk(ids, per))
	if len(chunks) == 0 {
		chunks = [][]string{nil}
	}
	for i, chunk := range chunks {
		last := i == len(chunks)-1
		var start time.Time
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			start = time.Now() // the writer is held from here to the commit
			// One refresh writes at a time: the lock orders the facts' old
			// and new values (PostgreSQL; SQLite has one writer).
			var now int64
			if err := tx.QueryRow(ctx, `SELECT audit_seq FROM stat_state WHERE id = 1`+tx.ForUpdate()).Scan(&now); err != nil {
				return err
			}
			if err := s.refreshPersons(ctx, tx, chunk); err != nil {
				return err
			}
			if last && now == mark {
				if _, err := tx.Exec(ctx, `UPDATE stat_state SET audit_seq = ? WHERE id = 1`, upto); err != nil {
					return err
				}
			}
			if len(chunk) == 0 {
				return nil
			}
			return s.appendAudit(ctx, tx, a, event{action: ActStatsRefresh, fields: []string{fmt.Sprintf("persons:%d", len(chunk))}})
		})
		if err != nil {
			return err
		}
		run.Writes++
		run.Persons += len(chunk)
		run.MaxPerWrite = max(run.MaxPerWrite, len(chunk))
		held := time.Since(start)
		run.Longest, run.Held = max(run.Longest, held), run.Held+held
		if pace {
			// In the background, leave the writer (and the processor) to
			// requests at least as long as the write held it.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(min(held, 50*time.Millisecond)):
			}
		}
	}
	return nil
}

// refreshPersons recomputes the facts of the listed persons inside tx.
func (s *Service) refreshPersons(ctx context.Context, tx *store.Tx, ids []string) error {
	r := rollup{}
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		in := strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")
		facts, err := s.loadFacts(ctx, tx, func(col string) string { return col + " IN (" + in + ")" }, args)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, f := range facts {
			have[f.Key] = true
			if err := putFact(ctx, tx, r, DatasetNRM, f); err != nil {
				return err
			}
		}
		for _, id := range chunk {
			if !have[id] { // merged into another record: counted there
				if err := dropFact(ctx, tx, r, DatasetNRM, id); err != nil {
					return err
				}
			}
		}
	}
	return r.write(ctx, tx, DatasetNRM)
}

// RebuildStats recomputes every fact of the register from scratch, a page
// of persons at a time, and sets the watermark to the audit head — all in
// one transaction, so the figures are never half rebuilt. Used once after
// the statistics migration and by operators who want to check the rollup.
func (s *Service) RebuildStats(ctx context.Context) (int, error) {
	a := nrm.SystemActor("statistics")
	n := 0
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		n = 0
		var mark int64 // taken so that no refresh writes facts meanwhile
		if err := tx.QueryRow(ctx, `SELECT audit_seq FROM stat_state WHERE id = 1`+tx.ForUpdate()).Scan(&mark); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM stat_facts WHERE dataset = ?`, `DELETE FROM stat_counts WHERE dataset = ?`} {
			if _, err := tx.Exec(ctx, q, DatasetNRM); err != nil {
				return err
			}
		}
		r := rollup{}
		last := ""
		for {
			var hi sql.NullString
			if err := tx.QueryRow(ctx, `SELECT MAX(id) FROM (SELECT id FROM persons WHERE id > ? ORDER BY id LIMIT ?) page`, last, factPage).Scan(&hi); err != nil {
				return err
			}
			if !hi.Valid {
				break
			}
			facts, err := s.loadFacts(ctx, tx, func(col string) string { return col + " > ? AND " + col + " <= ?" }, []any{last, hi.String})
			if err != nil {
				return err
			}
			for _, f := range facts {
				items := f.Items()
				r.add(&f, items, +1)
				if _, err := tx.Exec(ctx, `INSERT INTO stat_facts (dataset, fact_key, p_from, p_to, region, emergency, items) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					DatasetNRM, f.Key, int(f.From), int(f.To), f.Region, store.Int(f.Emergency), encodeItems(items)); err != nil {
					return err
				}
			}
			n += len(facts)
			last = hi.String
		}
		if err := r.write(ctx, tx, DatasetNRM); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE stat_state SET audit_seq = (SELECT seq FROM audit_head WHERE id = 1) WHERE id = 1`); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, a, event{action: ActStatsRefresh, fields: []string{fmt.Sprintf("rebuild:%d", n)}})
	})
	return n, fail(err)
}

// Dataset is a body of statistics: the register, or an imported file.
type Dataset struct {
	ID, Name, Source string
	Rows             int
	ImportedAt       time.Time
}

// Datasets lists the register and the imported datasets.
func (s *Service) Datasets(ctx context.Context, a *nrm.Actor) ([]Dataset, error) {
	if !nrm.CanReadStatistics(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	out := []Dataset{{ID: DatasetNRM, Name: DatasetNRM, Source: DatasetNRM}}
	err := s.db.View(ctx, func(tx *store.Tx) error {
		ds, err := collect(ctx, tx, func(r *sql.Rows) (Dataset, error) {
			var d Dataset
			var at int64
			err := r.Scan(&d.ID, &d.Name, &d.Source, &d.Rows, &at)
			d.ImportedAt = store.Time(at)
			return d, err
		}, `SELECT id, name, source, rows_read, imported_at FROM stat_datasets ORDER BY imported_at, id`)
		out = append(out, ds...)
		return err
	})
	return out, fail(err)
}

// DeleteDataset removes an imported dataset.
func (s *Service) DeleteDataset(ctx context.Context, a *nrm.Actor, id string) error {
	if !nrm.CanImportStatistics(a) {
		return nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Write); err != nil {
		return err
	}
	if id == DatasetNRM {
		return nrm.FieldError("dataset", "error.stats_register")
	}
	return s.access(ctx, a, ActStatsDelete, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM stat_datasets WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nrm.ErrNotFound
		}
		for _, q := range []string{`DELETE FROM stat_facts WHERE dataset = ?`, `DELETE FROM stat_counts WHERE dataset = ?`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, a, event{action: ActStatsDelete, subject: id})
	})
}

// Statistics returns the figures and indicators of one dataset for the
// filter, after disclosure control. The register's facts are brought up to
// date first. The actor sees aggregates only.
func (s *Service) Statistics(ctx context.Context, a *nrm.Actor, f stats.Filter) (*stats.Report, error) {
	if !nrm.CanReadStatistics(a) {
		return nil, nrm.Errorf(nrm.EForbidden, "error.forbidden")
	}
	if err := scoped(a, nrm.Read); err != nil {
		return nil, err
	}
	if f.Dataset == "" {
		f.Dataset = DatasetNRM
	}
	if f.From != 0 && f.To != 0 && f.From > f.To {
		return nil, nrm.FieldError("to", "error.stats_period")
	}
	if f.Dataset == DatasetNRM {
		// Catch up inline only when little waits: after a restart or a bulk
		// load the figures come from the stored rollup at once, saying how
		// fresh they are, while the background job catches up.
		if _, err := s.RunRefresh(ctx, inlineRefresh); err != nil {
			return nil, err
		}
	}
	var rep *stats.Report
	err := s.access(ctx, a, ActStatsRead, func(tx *store.Tx) error {
		name := DatasetNRM
		if f.Dataset != DatasetNRM {
			if err := tx.QueryRow(ctx, `SELECT name FROM stat_datasets WHERE id = ?`, f.Dataset).Scan(&name); err == sql.ErrNoRows {
				return nrm.FieldError("dataset", "error.unknown_value")
			} else if err != nil {
				return err
			}
		}
		t, err := s.totals(ctx, tx, f)
		if err != nil {
			return err
		}
		rep = stats.Build(t, f, s.statOptions(tx.Now, name))
		rep.AsOf, rep.Current = tx.Now, true // an imported dataset does not change
		if f.Dataset == DatasetNRM {
			if rep.AsOf, rep.Current, err = statsFreshness(ctx, tx); err != nil {
				return err
			}
		}
		rep.GeneratedAt, rep.AsOf = s.local(rep.GeneratedAt), s.local(rep.AsOf)
		return s.appendAudit(ctx, tx, a, event{action: ActStatsRead, subject: f.Dataset, fields: []string{"aggregates"}})
	})
	return rep, err
}

// statsFreshness says how fresh the register's figures are: current when
// no audit entry after the watermark names a person (the log is the change
// feed), else as of the time of the last entry counted (zero when nothing
// was counted yet). The look for a named person is made only over a short
// backlog; a long one is not current.
func statsFreshness(ctx context.Context, tx *store.Tx) (asOf time.Time, current bool, err error) {
	var mark, head int64
	if err := tx.QueryRow(ctx, `SELECT s.audit_seq, h.seq FROM stat_state s, audit_head h WHERE s.id = 1 AND h.id = 1`).Scan(&mark, &head); err != nil {
		return asOf, false, err
	}
	current = head <= mark
	if !current && head-mark <= refreshBatch {
		var named int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log a JOIN persons p ON p.id = a.subject WHERE a.seq > ? AND a.seq <= ?`, mark, head).Scan(&named); err != nil {
			return asOf, false, err
		}
		current = named == 0
	}
	if current {
		return tx.Now, true, nil
	}
	if mark == 0 {
		return asOf, false, nil
	}
	var at int64
	if err := tx.QueryRow(ctx, `SELECT at FROM audit_log WHERE seq = ?`, mark).Scan(&at); err != nil {
		return asOf, false, err
	}
	return store.Time(at), false, nil
}

// totals sums the rollup rows the filter selects, in the database: one
// query for the items (by emergency flag), one for the persons per period
// and region. The conditions are stats.Filter.Selects written in SQL.
func (s *Service) totals(ctx context.Context, tx *store.Tx, f stats.Filter) (*stats.Totals, error) {
	where := ` FROM stat_counts WHERE dataset = ?`
	args := []any{f.Dataset}
	if f.From != 0 {
		where += ` AND p_from >= ?`
		args = append(args, int(f.From))
	}
	if f.To != 0 {
		where += ` AND p_to <= ? AND p_to > 0`
		args = append(args, int(f.To))
	}
	if f.Region != "" {
		where += ` AND region = ?`
		args = append(args, f.Region)
	}
	t := stats.NewTotals()
	rows, err := tx.Query(ctx, `SELECT emergency, dim, val, SUM(n)`+where+` GROUP BY emergency, dim, val`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e int64
		var it stats.Item
		var n int
		if err := rows.Scan(&e, &it.Dim, &it.Val, &n); err != nil {
			return nil, err
		}
		t.Items[min(e, 1)][it] += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prs, err := tx.Query(ctx, `SELECT p_from, p_to, region, SUM(n)`+where+` AND dim = ? GROUP BY p_from, p_to, region`, append(args, stats.DimAll)...)
	if err != nil {
		return nil, err
	}
	defer prs.Close()
	for prs.Next() {
		var from, to, n int
		var region string
		if err := prs.Scan(&from, &to, &region, &n); err != nil {
			return nil, err
		}
		t.Periods[[2]stats.Month{stats.Month(from), stats.Month(to)}] += n
		t.Regions[region] += n
	}
	return t, prs.Err()
}

// statOptions are the jurisdiction's settings for stats.Build.
func (s *Service) statOptions(now time.Time, dataset string) stats.Options {
	var by []string
	for _, t := range nrm.OrgTypes {
		by = append(by, string(t))
	}
	by = append(by, nrm.ReferrerMIU, nrm.ReferrerOutside)
	var statuses, forms []string
	for _, st := range nrm.Statuses {
		statuses = append(statuses, string(st))
	}
	for _, fm := range rules.Forms() {
		forms = append(forms, string(fm))
	}
	return stats.Options{
		K: s.profile.Statistics.K, Now: now, Dataset: dataset,
		Codes: stats.Codes{Statuses: statuses, Forms: forms, By: by, Sexes: nrm.Sexes, ServiceKinds: nrm.ServiceKinds,
			Rules: s.profile.DeadlineKeys(), Channels: nrm.ReferralChannels, Scopes: nrm.Scopes, Platforms: nrm.OnlinePlatforms},
		LateBy: s.lateBy(now),
	}
}

// lateBy judges open deadlines on now's day: overdue when the due day has
// passed, late by the working days since. Working days are counted once
// over the last ten years and looked up, so a dashboard over many due days
// stays fast.
func (s *Service) lateBy(now time.Time) func(int, time.Time) (int, bool) {
	loc := s.profile.Location()
	today := day(now, loc)
	const span = 3660
	var cum []int // cum[i]: working days in (today-span, today-span+i]
	return func(due int, _ time.Time) (int, bool) {
		d := dayOf(due)
		if d >= today {
			return 0, false
		}
		if today-d > span {
			return workingBetween(s.profile, d, today), true
		}
		if cum == nil {
			cum = make([]int, span+1)
			for i := 1; i <= span; i++ {
				cum[i] = cum[i-1]
				if s.profile.IsWorkingDay(time.Unix(int64(today-span+i)*86400+12*3600, 0).In(time.UTC)) {
					cum[i]++
				}
			}
		}
		return cum[span] - cum[d-(today-span)], true
	}
}
