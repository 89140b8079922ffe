package door_test

// Benchmarks for "make bench": the door's login, authorised record read and
// record write, each beside a raw-driver baseline that does the same
// database work, and a table of the ratios.
//
// The door does four things per access: policy (how the actor stands to
// the record, nrm.Decide), encryption (the person's data key, unwrapped by
// the vault, opening or sealing the identity fields and narrative), the
// database work, and a hash-chained audit entry. A baseline does the
// database work only: through the same *store.DB pools (so the same
// SQLite pragmas, synchronous setting and single writer, or the same
// PostgreSQL pool), in one write transaction of the same kind, it reads the
// same rows (the person row with its ciphertext columns, the data-key row,
// the assignment, grant and break-glass rows the policy needs), writes the
// same rows (ciphertext-sized random bytes in place of ciphertext) and
// appends the same audit row, chained with the same audit.Entry.Seal
// hashing, so baseline entries are real links of the audit chain
// (BenchmarkZZRatios verifies the chain before it drops the fixture).
//
// The target: on 2 cores with 1M records, on both engines, the
// door's read and write each run at ≥ 50 % of their baseline's rate. Login
// has no target: it is dominated by argon2id (46 MiB) by design, and
// BenchmarkArgon2 shows that split.
//
// Records: NRM_BENCH_RECORDS (default 10000, so that a plain run is quick);
// NRM_BENCH_RECORDS=1000000 gives the figure. The fixture (one per
// engine per process, built through door.CreatePersons in batches of 1000,
// as app.Generate does) is built by the first benchmark that needs it and
// dropped after the last one that the -bench pattern selects.
//
// Run (PostgreSQL too when NRM_TEST_PG_URL is set; rates are the best of
// -count runs, ratios door/raw):
//
//	go test ./door/ -run '^$' -bench . -benchtime 2s
//	NRM_BENCH_RECORDS=1000000 go test ./door/ -run '^$' -bench . -benchtime 2s -timeout 0
//
// (-timeout 0 at 1M: building the fixture takes minutes per engine.)

import (
	"context"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/audit"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

const (
	benchDefaultRecords = 10000
	benchBatch          = 1000
	benchUser           = "bench-cm"
	benchOrg            = "bench-a"
	benchRemote         = "127.0.0.1"
)

// benchFixtureUsers are the benchmarks of this file that use the fixture,
// in file order, then the one that prints the ratios: the fixture is
// dropped after the last of them that runs.
var benchFixtureUsers = []string{
	"BenchmarkDoorRead", "BenchmarkRawRead",
	"BenchmarkDoorWrite", "BenchmarkRawWrite",
	"BenchmarkDoorLogin", "BenchmarkRawLogin",
	"BenchmarkZZRatios",
}

// ---------------------------------------------------------------------------
// Fixture

// benchFixture is a door over a fresh database of one engine, with N persons
// owned by the case manager's organisation.
type benchFixture struct {
	engine  string
	env     *testenv.Env
	life    *benchLife
	cm      *nrm.Actor // case manager of the owning organisation
	ids     []string
	version map[string]int64 // current version of each record, kept by the write benchmarks
	q       benchSQL

	readFields []string // the parts the door's read records in its audit entry
	overhead   int      // ciphertext size minus plaintext size
	idxSize    [2]int   // sizes of the door's name and duplicate blind index values
	loginStage string   // the stage the door's login opens for benchUser
}

// benchLife is the fixture's testing.TB: it outlives the benchmark that
// built it. Cleanups and temporary directories are kept until close;
// failures while building go to the benchmark that asked.
type benchLife struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

func (l *benchLife) Helper() {}

func (l *benchLife) Cleanup(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanups = append(l.cleanups, f)
}

func (l *benchLife) TempDir() string {
	dir, err := os.MkdirTemp("", "nrm-bench-")
	if err != nil {
		l.TB.Fatal(err)
	}
	l.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func (l *benchLife) close() {
	l.mu.Lock()
	fs := l.cleanups
	l.cleanups = nil
	l.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

var benchFixtures struct {
	sync.Mutex
	m map[string]*benchFixture
}

func benchRecords(b *testing.B) int {
	s := os.Getenv("NRM_BENCH_RECORDS")
	if s == "" {
		return benchDefaultRecords
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("NRM_BENCH_RECORDS=%q: want a positive number", s)
	}
	return n
}

// fixture returns the engine's fixture, building it on first use.
func fixture(b *testing.B, engine string) *benchFixture {
	b.Helper()
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	if f := benchFixtures.m[engine]; f != nil {
		return f
	}
	life := &benchLife{TB: b}
	built := false
	defer func() {
		if !built { // b.Fatal while building: drop what was made, a later benchmark retries
			life.close()
		}
	}()
	f := buildFixture(b, life, engine)
	life.TB = nil // the benchmark that built it ends before the fixture does
	built = true
	if benchFixtures.m == nil {
		benchFixtures.m = map[string]*benchFixture{}
	}
	benchFixtures.m[engine] = f
	return f
}

func buildFixture(b *testing.B, life *benchLife, engine string) *benchFixture {
	ctx := context.Background()
	n := benchRecords(b)
	start := time.Now()
	env := testenv.Door(life, engine)
	env.Org(life, benchOrg, nrm.OrgSocialService)
	env.Org(life, "bench-b", nrm.OrgNGOShelter)
	f := &benchFixture{
		engine: engine, env: env, life: life,
		cm:      env.User(life, benchUser, benchOrg, nrm.OrgSocialService, nrm.RoleCaseManager),
		ids:     make([]string, 0, n),
		version: make(map[string]int64, n),
		q:       newBenchSQL(engine),
	}
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	for done := 0; done < n; {
		ins := make([]nrm.PersonInput, min(benchBatch, n-done))
		for i := range ins {
			ins[i] = benchPerson(rng)
		}
		ps, err := env.Door.CreatePersons(ctx, f.cm, ins)
		if err != nil {
			b.Fatalf("fixture %s: CreatePersons after %d: %v", engine, done, err)
		}
		for _, p := range ps {
			f.ids = append(f.ids, p.ID)
			f.version[p.ID] = p.Version
		}
		done += len(ins)
		if n >= 100000 && done%100000 == 0 {
			fmt.Fprintf(os.Stderr, "bench fixture %s: %d/%d persons in %s\n", engine, done, n, time.Since(start).Round(time.Second))
		}
	}

	// What the baselines need to do the door's work byte for byte: the
	// parts the door's read audits, the ciphertext overhead and blind index
	// size, and the login stage.
	p, err := env.Door.GetPerson(ctx, f.cm, f.ids[0])
	if err != nil || p.Identity == nil || p.Narrative == nil {
		b.Fatalf("fixture %s: the case manager cannot read identity and narrative: %v", engine, err)
	}
	for _, pt := range p.Parts {
		f.readFields = append(f.readFields, string(pt))
	}
	_, dek, err := env.Vault.NewDEK("bench:overhead")
	if err != nil {
		b.Fatal(err)
	}
	ct, err := dek.Seal([]byte("x"), "persons", "given_name", "bench:overhead")
	if err != nil {
		b.Fatal(err)
	}
	f.overhead = len(ct) - 1
	f.idxSize = [2]int{len(env.Vault.BlindIndex("person.name", "bench")), len(env.Vault.BlindIndex("person.dup", "bench|1990|ALB"))}
	_, sess, err := env.Door.Login(ctx, benchUser, testenv.TestPassword, benchRemote)
	if err != nil {
		b.Fatalf("fixture %s: login: %v", engine, err)
	}
	f.loginStage = sess.Stage
	b.Logf("fixture %s: %d persons in %s", engine, n, time.Since(start).Round(time.Millisecond))
	return f
}

var (
	benchGiven  = []string{"Arta", "Blerina", "Drita", "Elira", "Fatjona", "Gentiana", "Mirela", "Ardit", "Besnik", "Dritan"}
	benchFamily = []string{"Hoxha", "Shehu", "Leka", "Gjoka", "Marku", "Dervishi", "Kola", "Basha", "Prifti", "Zeqiri"}
	// A case narrative of a few hundred characters.
	benchStory = "Referred by outreach workers at the bus station. She says she was promised work in a restaurant abroad, " +
		"that her passport was kept by the man who arranged the travel, and that she still owes him money for it. " +
		"She was moved between three flats in two months and worked without pay. She agreed to a shelter place " +
		"and to a medical check; interpreter needed for the interview."
)

func benchPerson(rng *rand.Rand) nrm.PersonInput {
	region := nrm.Regions[rng.IntN(len(nrm.Regions))]
	status := nrm.StatusReferred
	age, sex, nat := nrm.AgeAdult, "female", "ALB"
	child := false
	narrative := benchStory
	return nrm.PersonInput{
		Region: &region, Status: &status, AgeGroup: &age, PresumedChild: &child, Sex: &sex, Nationality: &nat,
		Identity: &nrm.Identity{
			GivenName: benchGiven[rng.IntN(len(benchGiven))], FamilyName: benchFamily[rng.IntN(len(benchFamily))],
			BirthDate: fmt.Sprintf("%04d-%02d-%02d", 1970+rng.IntN(35), 1+rng.IntN(12), 1+rng.IntN(28)),
			Phone:     fmt.Sprintf("+355 6%d %03d %04d", 7+rng.IntN(3), rng.IntN(1000), rng.IntN(10000)),
		},
		Narrative: &narrative,
	}
}

// benchUpdate is the write both sides perform: a new given name and narrative.
func benchUpdate(i int) nrm.PersonInput {
	narrative := benchStory + " Update " + strconv.Itoa(i) + "."
	return nrm.PersonInput{
		Identity: &nrm.Identity{
			GivenName: benchGiven[i%len(benchGiven)] + "-" + strconv.Itoa(i%1000), FamilyName: benchFamily[i%len(benchFamily)],
			BirthDate: "1990-04-12", Phone: "+355 69 123 4567",
		},
		Narrative: &narrative,
	}
}

// releaseFixtures drops every fixture (closes the pools, drops the
// PostgreSQL schema, removes the SQLite directory).
func releaseFixtures() {
	benchFixtures.Lock()
	defer benchFixtures.Unlock()
	for e, f := range benchFixtures.m {
		f.life.close()
		delete(benchFixtures.m, e)
	}
}

// releaseAfter registers, on a fixture-using benchmark, the drop of the
// fixtures if no later one of them is selected by -bench (and -skip).
func releaseAfter(b *testing.B) {
	name := b.Name()
	b.Cleanup(func() {
		later := false
		for i, n := range benchFixtureUsers {
			if n == name {
				for _, m := range benchFixtureUsers[i+1:] {
					later = later || benchSelected(m)
				}
			}
		}
		if !later {
			releaseFixtures()
		}
	})
}

// benchSelected reports whether the top-level benchmark name is selected by
// the -test.bench pattern and not skipped by -test.skip, as package testing
// matches the first element of a slash-separated pattern.
func benchSelected(name string) bool {
	get := func(n string) string {
		if f := flag.Lookup(n); f != nil {
			return f.Value.String()
		}
		return ""
	}
	match := func(pat string) bool {
		ok, err := regexp.MatchString(pat, name)
		return ok && err == nil
	}
	run := get("test.bench")
	if run == "" || !match(splitBenchPattern(run)[0]) {
		return false
	}
	if skip := get("test.skip"); skip != "" {
		if els := splitBenchPattern(skip); len(els) == 1 && match(els[0]) {
			return false
		}
	}
	return true
}

// splitBenchPattern splits a pattern at slashes outside brackets and
// parentheses, as package testing does.
func splitBenchPattern(s string) []string {
	var out []string
	cs, cp := 0, 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '[':
			cs++
		case ']':
			if cs--; cs < 0 {
				cs = 0
			}
		case '(':
			if cs == 0 {
				cp++
			}
		case ')':
			if cs == 0 {
				cp--
			}
		case '\\':
			i++
		case '/':
			if cs == 0 && cp == 0 {
				out = append(out, s[:i])
				s, i = s[i+1:], 0
				continue
			}
		}
		i++
	}
	return append(out, s)
}

// ---------------------------------------------------------------------------
// Measured rates, for the ratio table

const (
	sideDoor = 0
	sideRaw  = 1
)

var benchRates struct {
	sync.Mutex
	m map[string]*[2]float64 // "engine op" → door/s, raw/s
}

// record reports a benchmark's rate and keeps it for the table: the best of
// the runs with -count, the usual filter for interference on a shared host.
func record(b *testing.B, engine, op string, side int) {
	if b.N == 0 || b.Elapsed() <= 0 {
		return
	}
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "ops/s")
	benchRates.Lock()
	defer benchRates.Unlock()
	if benchRates.m == nil {
		benchRates.m = map[string]*[2]float64{}
	}
	k := engine + " " + op
	if benchRates.m[k] == nil {
		benchRates.m[k] = &[2]float64{}
	}
	benchRates.m[k][side] = max(benchRates.m[k][side], rate)
}

func rate(engine, op string, side int) float64 {
	benchRates.Lock()
	defer benchRates.Unlock()
	if r := benchRates.m[engine+" "+op]; r != nil {
		return r[side]
	}
	return 0
}

// eachEngine runs fn as a sub-benchmark per engine (PostgreSQL when
// NRM_TEST_PG_URL is set), with the engine's fixture.
func eachEngine(b *testing.B, fn func(b *testing.B, f *benchFixture)) {
	releaseAfter(b)
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) { fn(b, fixture(b, engine)) })
	}
}

// ---------------------------------------------------------------------------
// The raw-driver baseline's SQL: the door's statements, with the engine's
// placeholders and row lock.

type benchSQL struct {
	person, key, assigned, grants, glass string
	head, auditInsert, headUpdate        string
	update                               string
	user, sessionInsert, sessionSweep    string
}

func newBenchSQL(engine string) benchSQL {
	forUpdate := ""
	if engine == store.Postgres {
		forUpdate = " FOR UPDATE"
	}
	bind := func(q string) string {
		if engine != store.Postgres {
			return q
		}
		var sb strings.Builder
		n := 0
		for _, c := range q {
			if c == '?' {
				n++
				sb.WriteString("$" + strconv.Itoa(n))
				continue
			}
			sb.WriteRune(c)
		}
		return sb.String()
	}
	return benchSQL{
		person: bind(`SELECT id, code, owner_org, region, status, age_group, presumed_child, sex, nationality, created_by, created_at, updated_at, version,
			given_name, family_name, aliases, birth_date, doc_number, phone, address, narrative FROM persons WHERE id = ?`),
		key:      bind(`SELECT wrapped FROM subject_keys WHERE subject_id = ?`),
		assigned: bind(`SELECT COUNT(*) FROM assignments WHERE person_id = ? AND user_id = ?`),
		grants:   bind(`SELECT parts FROM grants WHERE person_id = ? AND org_id = ? AND revoked_at = 0 AND (expires_at = 0 OR expires_at > ?)`),
		glass:    bind(`SELECT COUNT(*) FROM breakglass WHERE user_id = ? AND person_id = ? AND expires_at > ?`),
		head:     `SELECT seq, hash FROM audit_head WHERE id = 1` + forUpdate,
		auditInsert: bind(`INSERT INTO audit_log (seq, at, actor_user, actor_org, actor_role, action, subject, fields, outcome, break_glass, reason, remote, request_id, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		headUpdate: bind(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`),
		update: bind(`UPDATE persons SET region = ?, status = ?, age_group = ?, presumed_child = ?, sex = ?, nationality = ?, updated_at = ?, version = version + 1,
			given_name = ?, family_name = ?, aliases = ?, birth_date = ?, doc_number = ?, phone = ?, address = ?, narrative = ?, name_bidx = ?, dup_bidx = ?
			WHERE id = ? AND version = ?`),
		user: bind(`SELECT u.id, u.org_id, u.username, u.display_name, u.roles, u.lang, u.disabled, u.password_hash, u.totp_secret, u.totp_last_step, u.recovery_hashes, u.version
			FROM users u WHERE u.username = ?`),
		sessionInsert: bind(`INSERT INTO sessions (id_hash, user_id, stage, csrf, lang, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		sessionSweep:  bind(`DELETE FROM sessions WHERE expires_at < ? OR last_seen < ?`),
	}
}

// rawTx runs fn in a transaction on the door's writer pool, as store.Update
// does (BEGIN IMMEDIATE on SQLite), with a clock reading like store.Tx.Now.
func (f *benchFixture) rawTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	tx, err := f.env.DB.W.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		return err
	}
	if err := fn(tx, f.env.DB.Now().Truncate(time.Microsecond)); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// rawAudit appends the audit row the door would: lock and read the head,
// chain with audit.Entry.Seal, insert, move the head.
func (f *benchFixture) rawAudit(ctx context.Context, tx *sql.Tx, now time.Time, a *nrm.Actor, action, subject string, fields []string) error {
	var seq int64
	var prev []byte
	if err := tx.QueryRowContext(ctx, f.q.head).Scan(&seq, &prev); err != nil {
		return err
	}
	e := audit.Entry{
		Seq: seq + 1, At: now, Action: action, Subject: subject, Fields: fields, Outcome: "ok",
		ActorUser: a.UserID, ActorOrg: a.OrgID, ActorRole: a.PrimaryRole(), Remote: a.Remote, RequestID: a.RequestID,
	}
	e.Seal(prev)
	if _, err := tx.ExecContext(ctx, f.q.auditInsert,
		e.Seq, store.Micros(e.At), e.ActorUser, e.ActorOrg, e.ActorRole, e.Action, e.Subject,
		strings.Join(e.Fields, ","), e.Outcome, store.Int(e.BreakGlass), e.Reason, e.Remote, e.RequestID,
		e.PrevHash, e.Hash); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, f.q.headUpdate, e.Seq, e.Hash)
	return err
}

// benchRow is the person row as the door scans it.
type benchRow struct {
	id, code, owner, region, status, age, sex, nat, createdBy string
	child, createdAt, updatedAt, version                      int64
	ct                                                        [8][]byte
}

// rawLoad reads the person row and the rows the policy needs (assignment,
// grants, break-glass), in the door's order.
func (f *benchFixture) rawLoad(ctx context.Context, tx *sql.Tx, now time.Time, a *nrm.Actor, id string) (*benchRow, error) {
	var r benchRow
	if err := tx.QueryRowContext(ctx, f.q.person, id).Scan(&r.id, &r.code, &r.owner, &r.region, &r.status, &r.age, &r.child,
		&r.sex, &r.nat, &r.createdBy, &r.createdAt, &r.updatedAt, &r.version,
		&r.ct[0], &r.ct[1], &r.ct[2], &r.ct[3], &r.ct[4], &r.ct[5], &r.ct[6], &r.ct[7]); err != nil {
		return nil, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, f.q.assigned, id, a.UserID).Scan(&n); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, f.q.grants, id, a.OrgID, store.Micros(now))
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var parts string
		if err := rows.Scan(&parts); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := tx.QueryRowContext(ctx, f.q.glass, a.UserID, id, store.Micros(now)).Scan(&n); err != nil {
		return nil, err
	}
	return &r, nil
}

func (f *benchFixture) rawKey(ctx context.Context, tx *sql.Tx, id string) error {
	var wrapped []byte
	return tx.QueryRowContext(ctx, f.q.key, id).Scan(&wrapped)
}

// ---------------------------------------------------------------------------
// Read

// BenchmarkDoorRead: door.GetPerson of a random record by a case manager of
// the owning organisation (summary, identity and narrative decrypted).
// Statements: person row, assignment count, grants, break-glass count,
// data-key row, audit head/insert/head update: 8, in one write transaction.
func BenchmarkDoorRead(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(11, 0))
		for b.Loop() {
			p, err := f.env.Door.GetPerson(ctx, f.cm, f.ids[rng.IntN(len(f.ids))])
			if err != nil || p.Narrative == nil {
				b.Fatalf("GetPerson: %v", err)
			}
		}
		record(b, f.engine, "read", sideDoor)
	})
}

// BenchmarkRawRead: the same 8 statements with the raw driver.
func BenchmarkRawRead(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(12, 0))
		for b.Loop() {
			id := f.ids[rng.IntN(len(f.ids))]
			err := f.rawTx(ctx, func(tx *sql.Tx, now time.Time) error {
				if _, err := f.rawLoad(ctx, tx, now, f.cm, id); err != nil {
					return err
				}
				if err := f.rawKey(ctx, tx, id); err != nil {
					return err
				}
				return f.rawAudit(ctx, tx, now, f.cm, door.ActPersonRead, id, f.readFields)
			})
			if err != nil {
				b.Fatalf("raw read: %v", err)
			}
		}
		record(b, f.engine, "read", sideRaw)
	})
}

// ---------------------------------------------------------------------------
// Write

// BenchmarkDoorWrite: door.UpdatePerson of a random record, a new given name
// (the identity is rewritten whole) and narrative, from its current version.
// Besides the baseline's 9 statements the door reads the policy rows and the
// data-key row a second time (13 in all).
func BenchmarkDoorWrite(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(21, 0))
		i := 0
		for b.Loop() {
			id := f.ids[rng.IntN(len(f.ids))]
			p, err := f.env.Door.UpdatePerson(ctx, f.cm, id, f.version[id], benchUpdate(i))
			if err != nil {
				b.Fatalf("UpdatePerson: %v", err)
			}
			f.version[id] = p.Version
			i++
		}
		record(b, f.engine, "write", sideDoor)
	})
}

// BenchmarkRawWrite: in one transaction, the person row and policy rows,
// the data-key row, an UPDATE of the same columns (ciphertext-sized random
// bytes, new blind index values of the same size, version + 1, guarded by the
// version read), the audit row: 9 statements.
func BenchmarkRawWrite(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(22, 0))
		fill := rand.NewChaCha8([32]byte{22})
		sealed := func(s string) []byte { // what the door stores for s: NULL when empty
			if s == "" {
				return nil
			}
			ct := make([]byte, len(s)+f.overhead)
			_, _ = fill.Read(ct)
			return ct
		}
		index := func(n int) string { // a fresh blind index value of the door's size
			b := make([]byte, (n+1)/2)
			_, _ = fill.Read(b)
			return hex.EncodeToString(b)[:n]
		}
		fields := []string{"identity", "narrative"}
		i := 0
		for b.Loop() {
			id := f.ids[rng.IntN(len(f.ids))]
			in := benchUpdate(i)
			var version int64
			err := f.rawTx(ctx, func(tx *sql.Tx, now time.Time) error {
				r, err := f.rawLoad(ctx, tx, now, f.cm, id)
				if err != nil {
					return err
				}
				if err := f.rawKey(ctx, tx, id); err != nil {
					return err
				}
				version = r.version
				res, err := tx.ExecContext(ctx, f.q.update, r.region, r.status, r.age, r.child, r.sex, r.nat, store.Micros(now),
					sealed(in.Identity.GivenName), sealed(in.Identity.FamilyName), sealed(""), sealed(in.Identity.BirthDate),
					sealed(in.Identity.DocNumber), sealed(in.Identity.Phone), sealed(in.Identity.Address), sealed(*in.Narrative),
					index(f.idxSize[0]), index(f.idxSize[1]), id, version)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return fmt.Errorf("conflict on %s", id)
				}
				return f.rawAudit(ctx, tx, now, f.cm, door.ActPersonUpdate, id, fields)
			})
			if err != nil {
				b.Fatalf("raw write: %v", err)
			}
			f.version[id] = version + 1
			i++
		}
		record(b, f.engine, "write", sideRaw)
	})
}

// ---------------------------------------------------------------------------
// Login

// clearSessions empties the sessions table before a login benchmark: the
// door sweeps expired sessions at every sign-in with a scan of the table,
// so each login benchmark starts from the same table.
func clearSessions(b *testing.B, f *benchFixture) {
	if err := f.env.DB.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec(context.Background(), `DELETE FROM sessions`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkDoorLogin: door.Login with the right password (argon2id, 46 MiB).
// The door reads the user in a read transaction, then inserts the session,
// sweeps stale sessions and appends the audit row in a write transaction.
func BenchmarkDoorLogin(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		clearSessions(b, f)
		for b.Loop() {
			if _, _, err := f.env.Door.Login(ctx, benchUser, testenv.TestPassword, benchRemote); err != nil {
				b.Fatalf("Login: %v", err)
			}
		}
		record(b, f.engine, "login", sideDoor)
	})
}

// BenchmarkRawLogin: the login's database work without the password hash,
// in one write transaction: the user row, the session row, the sweep, the
// audit row.
func BenchmarkRawLogin(b *testing.B) {
	eachEngine(b, func(b *testing.B, f *benchFixture) {
		ctx := context.Background()
		clearSessions(b, f)
		fields := []string{"stage:" + f.loginStage}
		idle := f.env.Door.Settings().SessionIdle
		absolute := f.env.Door.Settings().SessionAbsolute
		for b.Loop() {
			err := f.rawTx(ctx, func(tx *sql.Tx, now time.Time) error {
				var id, org, username, display, roles, lang, pwHash, rec string
				var disabled, lastStep, version int64
				var totp []byte
				if err := tx.QueryRowContext(ctx, f.q.user, benchUser).Scan(&id, &org, &username, &display, &roles, &lang,
					&disabled, &pwHash, &totp, &lastStep, &rec, &version); err != nil {
					return err
				}
				_, hash := auth.NewSecret()
				csrf, _ := auth.NewSecret()
				if _, err := tx.ExecContext(ctx, f.q.sessionInsert, hash, id, f.loginStage, csrf, lang,
					store.Micros(now), store.Micros(now), store.Micros(now.Add(absolute))); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, f.q.sessionSweep, store.Micros(now), store.Micros(now.Add(-idle))); err != nil {
					return err
				}
				a := &nrm.Actor{UserID: id, OrgID: org, Roles: nrm.ParseRoles(roles), Remote: benchRemote}
				return f.rawAudit(ctx, tx, now, a, door.ActLoginOK, "", fields)
			})
			if err != nil {
				b.Fatalf("raw login: %v", err)
			}
		}
		record(b, f.engine, "login", sideRaw)
	})
}

// BenchmarkArgon2: one password check alone (the door's parameters), to
// show where a login's time goes.
func BenchmarkArgon2(b *testing.B) {
	h := auth.NewHasher(2)
	enc, err := h.Hash(testenv.TestPassword)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := h.Check(enc, testenv.TestPassword); !ok || err != nil {
			b.Fatalf("check: %v %v", ok, err)
		}
	}
	record(b, "-", "argon2", sideDoor)
}

// ---------------------------------------------------------------------------
// Ratios

var benchPrinted bool

// BenchmarkZZRatios (last in this file) prints the table of measured rates
// and ratios of the benchmarks that ran, reports the ratios as metrics,
// verifies the audit chain the door and the baselines wrote together, and
// drops the fixtures.
func BenchmarkZZRatios(b *testing.B) {
	ops := []string{"read", "write", "login"}
	engines := []string{store.SQLite, store.Postgres}
	for _, e := range engines {
		for _, op := range ops {
			if d, r := rate(e, op, sideDoor), rate(e, op, sideRaw); d > 0 && r > 0 {
				b.ReportMetric(d/r, e+"-"+op+"-ratio")
			}
		}
	}
	if b.N != 1 || benchPrinted { // once per process, not at every b.N nor every -count
		return
	}
	benchPrinted = true
	ctx := context.Background()
	benchFixtures.Lock()
	for e, f := range benchFixtures.m {
		n, err := f.env.Door.VerifyAudit(ctx)
		if err != nil {
			b.Errorf("%s: audit chain written by door and baselines does not verify: %v", e, err)
		} else {
			fmt.Printf("audit chain %s: %d entries verified (door and baseline entries)\n", e, n)
		}
	}
	benchFixtures.Unlock()
	releaseFixtures()

	f := func(x float64) string {
		if x <= 0 {
			return "-"
		}
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nnrm door vs raw driver (GOMAXPROCS=%s, NRM_BENCH_RECORDS=%d)\n", strconv.Itoa(runtime.GOMAXPROCS(0)), benchRecords(b))
	fmt.Fprintf(&sb, "%-9s %-6s %12s %12s %7s  %s\n", "engine", "op", "door/s", "raw/s", "ratio", "target")
	rows := 0
	for _, e := range engines {
		for _, op := range ops {
			d, r := rate(e, op, sideDoor), rate(e, op, sideRaw)
			if d == 0 && r == 0 {
				continue
			}
			rows++
			ratio, verdict := "-", "-"
			if d > 0 && r > 0 {
				ratio = strconv.FormatFloat(d/r, 'f', 3, 64)
				verdict = "none (argon2id by design)"
				if op != "login" {
					verdict = "≥ 0.50: met"
					if d/r < 0.5 {
						verdict = "≥ 0.50: NOT MET"
					}
				}
			}
			fmt.Fprintf(&sb, "%-9s %-6s %12s %12s %7s  %s\n", e, op, f(d), f(r), ratio, verdict)
		}
	}
	if a := rate("-", "argon2", sideDoor); a > 0 {
		fmt.Fprintf(&sb, "argon2id check alone: %s/s (%.1f ms)", f(a), 1000/a)
		for _, e := range engines {
			if r := rate(e, "login", sideRaw); r > 0 {
				fmt.Fprintf(&sb, "; %s raw login + argon2 ≈ %s/s", e, f(1/(1/r+1/a)))
			}
		}
		sb.WriteString("\n")
		rows++
	}
	if rows == 0 {
		sb.WriteString("(no door or raw benchmark ran: select them with -bench, e.g. -bench .)\n")
	}
	fmt.Print(sb.String())
}
