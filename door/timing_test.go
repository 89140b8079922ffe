package door_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/skipnote"
	"github.com/nrm-org/nrm/internal/testenv"
)

// TestLoginTimingUnknownVsWrongPassword (ASVS 6.3.8): signing in as an
// unknown user takes as long as signing in as a known user with a wrong
// password — both run one Argon2id derivation and write one audit entry.
// The two are interleaved (alternating which goes first, so drift on a
// busy machine falls on both) and their medians compared.
func TestLoginTimingUnknownVsWrongPassword(t *testing.T) {
	skipnote.Short(t, "times many Argon2id sign-ins per engine")
	forEngines(t, func(t *testing.T, engine string) {
		e := testenv.Door(t, engine)
		clock := e.UseClock()
		e.Org(t, "org-a", nrm.OrgSocialService)
		e.User(t, "known.user", "org-a", nrm.OrgSocialService, nrm.RoleCaseManager)
		const rounds = 15
		var unknown, wrong []time.Duration
		try := func(i int, username string) time.Duration {
			// A new window and a new address each time: the throttle (which
			// answers without hashing) stays out of the measurement.
			clock.Advance(time.Hour)
			start := time.Now()
			_, _, err := e.Door.Login(ctx, username, "not the password at all, no", fmt.Sprintf("198.51.100.%d", i%250))
			d := time.Since(start)
			if nrm.ErrorOf(err).Key != "error.login_failed" {
				t.Fatalf("login %s: %v", username, err)
			}
			return d
		}
		try(0, "nobody.here") // warm up both paths
		try(1, "known.user")
		for i := range rounds {
			if i%2 == 0 {
				unknown = append(unknown, try(2*i+2, "nobody.here"))
				wrong = append(wrong, try(2*i+3, "known.user"))
			} else {
				wrong = append(wrong, try(2*i+2, "known.user"))
				unknown = append(unknown, try(2*i+3, "nobody.here"))
			}
		}
		mu, mw := median(unknown), median(wrong)
		ratio := float64(mu) / float64(mw)
		t.Logf("%s: median unknown user %v, known user with a wrong password %v, ratio %.2f", engine, mu, mw, ratio)
		if ratio < 0.6 || ratio > 1.6 {
			t.Errorf("sign-in time reveals whether an account exists: unknown %v vs wrong password %v (ratio %.2f)", mu, mw, ratio)
		}
	})
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestSessionIdleAndAbsoluteTimeout (ASVS 7.3.1, 7.3.2), on an injected
// clock: a session unused for longer than the idle time is refused, and one
// older than the absolute time is refused however active it has been.
func TestSessionIdleAndAbsoluteTimeout(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		e := testenv.Door(t, engine)
		clock := e.UseClock()
		e.Org(t, "org-a", nrm.OrgMinistry)
		e.User(t, "admin.clock", "org-a", nrm.OrgMinistry, nrm.RoleSysAdmin) // full at the password: no second factor
		set := e.Door.Settings()
		if set.SessionIdle != 15*time.Minute || set.SessionAbsolute != 8*time.Hour {
			t.Fatalf("defaults changed: %+v", set)
		}
		login := func() string {
			tok, sess, err := e.Door.Login(ctx, "admin.clock", testenv.TestPassword, "192.0.2.8")
			if err != nil || sess.Stage != door.StageFull {
				t.Fatalf("login: %v %+v", err, sess)
			}
			return tok
		}
		auth := func(tok string) error {
			_, _, err := e.Door.Authenticate(ctx, tok, "192.0.2.8", "r")
			return err
		}

		// Idle: just within the idle time it lives; just past it, it is dead,
		// and stays dead (the row is deleted).
		tok := login()
		clock.Advance(set.SessionIdle - time.Second)
		if err := auth(tok); err != nil {
			t.Fatalf("used within the idle time: %v", err)
		}
		clock.Advance(set.SessionIdle + time.Second)
		if err := auth(tok); nrm.ErrorOf(err).Key != "error.session_expired" {
			t.Fatalf("idle past %v: %v", set.SessionIdle, err)
		}
		if err := auth(tok); nrm.ErrorOf(err).Key != "error.signin" {
			t.Fatalf("an expired session is removed: %v", err)
		}

		// Absolute: used every 10 minutes, it lives until 8 hours and no longer.
		tok = login()
		start := clock.Now()
		for clock.Now().Sub(start) < set.SessionAbsolute-10*time.Minute {
			clock.Advance(10 * time.Minute)
			if err := auth(tok); err != nil {
				t.Fatalf("active session refused after %v: %v", clock.Now().Sub(start), err)
			}
		}
		clock.Advance(start.Add(set.SessionAbsolute).Sub(clock.Now()))
		if err := auth(tok); nrm.ErrorOf(err).Key != "error.session_expired" {
			t.Fatalf("active session at its absolute time (%v): %v", clock.Now().Sub(start), err)
		}
	})
}
