package door_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// parallel runs f(0..n-1) on n goroutines released together and returns
// their errors.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = f(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

// burst signs in once per password, all at once, each from its own address
// so only the account's counter is in play.
func burst(e *testenv.Env, username string, passwords []string) []error {
	return parallel(len(passwords), func(i int) error {
		_, _, err := e.Door.Login(ctx, username, passwords[i], ownAddr(i))
		return err
	})
}

// throttleEnv is a door on a clock that moves only when told (a burst
// happens in one instant, however slow the machine), with one case
// manager, and a count of the password checks that reach argon2id.
func throttleEnv(t *testing.T, engine, username string) (*testenv.Env, *testenv.Clock, *atomic.Int64) {
	e := testenv.Door(t, engine)
	clock := e.UseClock()
	e.Org(t, "org-a", nrm.OrgSocialService)
	e.User(t, username, "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
	var hashes atomic.Int64
	door.SetHashHook(e.Door, func() { hashes.Add(1) })
	return e, clock, &hashes
}

func ownAddr(i int) string { return fmt.Sprintf("198.51.%d.%d", i/250, i%250+1) }

// countCodes counts the errors of each code ("" for success).
func countCodes(errs []error) map[string]int {
	n := map[string]int{}
	for _, err := range errs {
		n[nrm.ErrorCode(err)]++
	}
	return n
}

// TestParallelWrongPasswordsReserveBeforeHash: a hundred wrong passwords for
// one account sent at once. The attempt is reserved before the password is
// hashed, so at most the free number reach argon2id; the rest are answered
// 429 without hashing. The right password after that is refused too and does
// not reset the counter; once the delay has passed it signs in.
func TestParallelWrongPasswordsReserveBeforeHash(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, clock, hashes := throttleEnv(t, engine, "target.user")

		wrong := make([]string, 100)
		for i := range wrong {
			wrong[i] = fmt.Sprintf("wrong password number %d", i)
		}
		codes := countCodes(burst(e, "target.user", wrong))
		t.Logf("%s: of 100 parallel wrong passwords for one account, %d reached the hash; answers %v", engine, hashes.Load(), codes)
		if h := hashes.Load(); h > auth.DefaultThrottleFree {
			t.Errorf("%d of 100 parallel wrong passwords reached the hash, want at most %d", h, auth.DefaultThrottleFree)
		}
		if codes[nrm.EUnauthorized] != int(hashes.Load()) || codes[nrm.ETooMany] != 100-int(hashes.Load()) {
			t.Errorf("every hashed attempt is a failure and every other one a 429: %v", codes)
		}

		// The right password, now: refused without hashing, and the counter stays.
		before := hashes.Load()
		if _, _, err := e.Door.Login(ctx, "target.user", testenv.TestPassword, "203.0.113.1"); nrm.ErrorCode(err) != nrm.ETooMany {
			t.Fatalf("the right password after the burst: %v, want too many", err)
		}
		if _, _, err := e.Door.Login(ctx, "target.user", "yet another wrong one", "203.0.113.2"); nrm.ErrorCode(err) != nrm.ETooMany {
			t.Fatalf("a refused right password must not reset the counter: %v", err)
		}
		if hashes.Load() != before {
			t.Errorf("a throttled attempt reached the hash")
		}
		// After the delay, the right password signs in.
		clock.Advance(auth.DefaultThrottleMaxDelay)
		if _, _, err := e.Door.Login(ctx, "target.user", testenv.TestPassword, "203.0.113.1"); err != nil {
			t.Fatalf("the right password after the delay: %v", err)
		}
	})
}

// TestRightPasswordInsideBurst: the right password as attempt 46 of a burst
// of 60, all released at once. If it was refused, at most the free number of
// the burst reached the hash and the counter was not reset (the account is
// still throttled after the burst). If the scheduler happened to let it take
// one of the free places, it signed in — the throttle never refuses the free
// attempts — and its success reset the account's counter, which then lets
// at most the free number through once more.
func TestRightPasswordInsideBurst(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, _, hashes := throttleEnv(t, engine, "burst.user")
		pws := make([]string, 60)
		for i := range pws {
			pws[i] = fmt.Sprintf("wrong password number %d", i)
		}
		pws[45] = testenv.TestPassword
		errs := burst(e, "burst.user", pws)
		codes := countCodes(errs)
		t.Logf("%s: burst of 60 with the right password as attempt 46: %d reached the hash; the right one answered %v; answers %v",
			engine, hashes.Load(), errs[45], codes)
		limit := int64(auth.DefaultThrottleFree)
		if errs[45] == nil {
			limit *= 2
		} else if nrm.ErrorCode(errs[45]) != nrm.ETooMany {
			t.Fatalf("the right password answered %v", errs[45])
		}
		if h := hashes.Load(); h > limit {
			t.Errorf("%d of 60 reached the hash, want at most %d", h, limit)
		}
		if errs[45] != nil {
			if _, _, err := e.Door.Login(ctx, "burst.user", "one more wrong password", "203.0.113.3"); nrm.ErrorCode(err) != nrm.ETooMany {
				t.Errorf("the refused right password reset the counter: %v", err)
			}
		}
	})
}

// TestThrottleSurvivesRestart: the counters are in the database, so a new
// door over the same database (a restart, or a second instance beside the
// first) goes on counting where the first stopped.
func TestThrottleSurvivesRestart(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, _, _ := throttleEnv(t, engine, "restart.user")
		for i := range auth.DefaultThrottleFree {
			if _, _, err := e.Door.Login(ctx, "restart.user", "not the password, no", ownAddr(i)); nrm.ErrorCode(err) != nrm.EUnauthorized {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		second := testenv.Reopen(t, e)
		if _, _, err := second.Login(ctx, "restart.user", testenv.TestPassword, "203.0.113.9"); nrm.ErrorCode(err) != nrm.ETooMany {
			t.Fatalf("a reopened door forgot the failures: %v", err)
		}
	})
}

// TestEveryRoleNeedsSecondFactor: the system administrator and the monitor
// (who read no case data) sign in with a second factor like everyone else:
// their first sign-in goes to enrolment, and the session reaches nothing
// before it.
func TestEveryRoleNeedsSecondFactor(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e := testenv.Door(t, engine)
		e.Org(t, "org-it", nrm.OrgMinistry)
		for _, role := range nrm.Roles {
			name := "mfa." + string(role)
			e.User(t, name, "org-it", nrm.OrgMinistry, role)
			tok, sess, err := e.Door.Login(ctx, name, testenv.TestPassword, "192.0.2.30")
			if err != nil {
				t.Fatalf("%s: %v", role, err)
			}
			if sess.Stage != door.StageEnrol {
				t.Errorf("%s: first sign-in at stage %q, want %q", role, sess.Stage, door.StageEnrol)
			}
			if _, _, err := e.Door.Authenticate(ctx, tok, "192.0.2.30", "r"); nrm.ErrorCode(err) != nrm.EUnauthorized {
				t.Errorf("%s: a session without its second factor reaches nothing: %v", role, err)
			}
		}
	})
}

// TestParallelGuessesFromOneAddress: a hundred wrong passwords for a hundred
// different (unknown) accounts from one address, all at once. The address's
// counter lets at most the free number through to the hash, and unknown
// accounts are counted exactly like known ones.
func TestParallelGuessesFromOneAddress(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, _, hashes := throttleEnv(t, engine, "someone.real")
		errs := parallel(100, func(i int) error {
			_, _, err := e.Door.Login(ctx, fmt.Sprintf("nobody.%d", i), "not the password, no", "203.0.113.77")
			return err
		})
		codes := countCodes(errs)
		t.Logf("%s: of 100 parallel guesses at 100 accounts from one address, %d reached the hash; %v", engine, hashes.Load(), codes)
		if h := hashes.Load(); h > auth.DefaultThrottleFree || codes[nrm.ETooMany] != 100-int(h) {
			t.Errorf("%d reached the hash (want at most %d); answers %v", h, auth.DefaultThrottleFree, codes)
		}
	})
}

// TestThrottleSameForUnknownAccount: the same history answers the same for
// an account that exists and one that does not, wait included.
func TestThrottleSameForUnknownAccount(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, _, _ := throttleEnv(t, engine, "real.user")
		for i := range auth.DefaultThrottleFree + 2 {
			_, _, known := e.Door.Login(ctx, "real.user", "not the password, no", ownAddr(2*i))
			_, _, ghost := e.Door.Login(ctx, "ghost.user", "not the password, no", ownAddr(2*i+1))
			if known == nil || ghost == nil || known.Error() != ghost.Error() || fmt.Sprint(nrm.ErrorOf(known).Args) != fmt.Sprint(nrm.ErrorOf(ghost).Args) {
				t.Fatalf("attempt %d: known %v %v, unknown %v %v", i+1, known, nrm.ErrorOf(known).Args, ghost, nrm.ErrorOf(ghost).Args)
			}
		}
	})
}

// TestSuccessResetsOnlyTheAccount: the right password forgets the account's
// failures but gives the address back only the attempt it used, so one good
// account does not let an address go on guessing at others.
func TestSuccessResetsOnlyTheAccount(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, _, _ := throttleEnv(t, engine, "good.user")
		const from = "203.0.113.50"
		for range auth.DefaultThrottleFree - 1 {
			if _, _, err := e.Door.Login(ctx, "good.user", "not the password, no", from); nrm.ErrorCode(err) != nrm.EUnauthorized {
				t.Fatal(err)
			}
		}
		if _, _, err := e.Door.Login(ctx, "good.user", testenv.TestPassword, from); err != nil {
			t.Fatalf("the right password within the free attempts: %v", err)
		}
		// The account starts again from nothing (from another address)...
		for i := range auth.DefaultThrottleFree - 1 {
			if _, _, err := e.Door.Login(ctx, "good.user", "not the password, no", ownAddr(i)); nrm.ErrorCode(err) != nrm.EUnauthorized {
				t.Fatalf("account not reset: attempt %d: %v", i+1, err)
			}
		}
		// ...but the address still holds its failures: one more, and it waits.
		if _, _, err := e.Door.Login(ctx, "other.user", "not the password, no", from); nrm.ErrorCode(err) != nrm.EUnauthorized {
			t.Fatal(err)
		}
		if _, _, err := e.Door.Login(ctx, "third.user", "not the password, no", from); nrm.ErrorCode(err) != nrm.ETooMany {
			t.Fatalf("a success reset the address's counter: %v", err)
		}
	})
}

// TestThrottledSignInsAudited: refused attempts leave one audit entry per
// counter and minute (not one per request), with the request id, like every
// other sign-in event.
func TestThrottledSignInsAudited(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, clock, _ := throttleEnv(t, engine, "audited.user")
		rctx := door.WithRequestID(ctx, "req-burst")
		login := func(pw, from string) error {
			_, _, err := e.Door.Login(rctx, "audited.user", pw, from)
			return err
		}
		for i := range 40 {
			_ = login("not the password, no", ownAddr(i))
		}
		entries := func(action string) []auditRow { return auditRows(t, e, action) }
		th := entries(door.ActThrottled)
		if len(th) != 1 || th[0].Outcome != "denied" || th[0].RequestID != "req-burst" || !slices.Contains(th[0].Fields, "counter:account") ||
			!slices.Contains(th[0].Fields, "refused_before:0") || th[0].Remote == "" {
			t.Fatalf("35 refusals in one minute: want one entry for the account's counter, got %+v", th)
		}
		for _, a := range []string{door.ActLoginFail} {
			for _, en := range entries(a) {
				if en.RequestID != "req-burst" || en.Remote == "" {
					t.Errorf("%s without its request id or address: %+v", a, en)
				}
			}
		}
		// The next minute's refusals get their own entry, which counts the
		// earlier minute's.
		clock.Advance(time.Minute)
		for i := range 5 {
			_ = login("not the password, no", ownAddr(100+i))
		}
		th = entries(door.ActThrottled)
		if len(th) != 2 || !slices.Contains(th[1].Fields, "refused_before:35") {
			t.Fatalf("second minute: %+v", th)
		}
		// A successful sign-in carries the request id too.
		clock.Advance(time.Hour)
		if err := login(testenv.TestPassword, "203.0.113.8"); err != nil {
			t.Fatal(err)
		}
		if ok := entries(door.ActLoginOK); len(ok) != 1 || ok[0].RequestID != "req-burst" {
			t.Errorf("login.success: %+v", ok)
		}
	})
}

// auditRow is one audit entry as the throttle tests read it.
type auditRow struct {
	Outcome, RequestID, Remote string
	Fields                     []string
}

func auditRows(t *testing.T, e *testenv.Env, action string) []auditRow {
	t.Helper()
	var out []auditRow
	err := e.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT outcome, request_id, remote, fields FROM audit_log WHERE action = ? ORDER BY seq`, action)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r auditRow
			var fields string
			if err := rows.Scan(&r.Outcome, &r.RequestID, &r.Remote, &fields); err != nil {
				return err
			}
			r.Fields = strings.Split(fields, ",")
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestParallelWrongCodes: thirty wrong second-factor codes for one session
// at once. The attempt is reserved on the user's counter before the code is
// checked, so at most the free number are checked (each checked one leaves
// an mfa.failure entry); the counter is in the database, so a reopened door
// still refuses.
func TestParallelWrongCodes(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e, _, _ := throttleEnv(t, engine, "code.user")
		e.SignIn(t, "code.user", "192.0.2.40") // enrols TOTP
		tok, sess, err := e.Door.Login(ctx, "code.user", testenv.TestPassword, "192.0.2.40")
		if err != nil || sess.Stage != door.StagePassword {
			t.Fatalf("%v %+v", err, sess)
		}
		errs := parallel(30, func(i int) error {
			_, err := e.Door.VerifySecondFactor(ctx, tok, fmt.Sprintf("%06d", 100000+i), "192.0.2.40")
			return err
		})
		checked := len(auditRows(t, e, door.ActSecondFactorNo))
		codes := countCodes(errs)
		t.Logf("%s: of 30 parallel wrong codes, %d were checked; %v", engine, checked, codes)
		if checked > auth.DefaultThrottleFree || codes[nrm.ETooMany] != 30-checked || codes[nrm.EInvalid] != checked {
			t.Errorf("%d codes checked (want at most %d); answers %v", checked, auth.DefaultThrottleFree, codes)
		}
		if _, err := testenv.Reopen(t, e).VerifySecondFactor(ctx, tok, "123456", "192.0.2.40"); nrm.ErrorCode(err) != nrm.ETooMany {
			t.Errorf("a reopened door forgot the code failures: %v", err)
		}
	})
}
