package auth

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// reserveN reserves n attempts at now and returns the state and the count let through.
func reserveN(p Throttle, a Attempts, n int, now time.Time) (Attempts, int) {
	through := 0
	for range n {
		var w time.Duration
		if a, w = p.Reserve(a, now); w == 0 {
			through++
		}
	}
	return a, through
}

func TestThrottleFreeThenDelay(t *testing.T) {
	p := DefaultThrottle()
	// A burst at one instant: the free attempts go through, no more.
	a, through := reserveN(p, Attempts{}, 100, t0)
	if through != DefaultThrottleFree || a.Count != DefaultThrottleFree {
		t.Fatalf("a burst of 100 let %d through (count %d), want %d", through, a.Count, DefaultThrottleFree)
	}
	if w := p.Wait(a, t0); w != time.Second {
		t.Errorf("after the free attempts: wait %v, want 1s", w)
	}
	// The wait counts down from the last counted attempt.
	if w := p.Wait(a, t0.Add(400*time.Millisecond)); w != 600*time.Millisecond {
		t.Errorf("wait after 400ms = %v", w)
	}
	// Each further attempt, once let through, doubles the delay, up to the cap.
	now := t0
	for i, d := range []time.Duration{2, 4, 8, 16, 30, 30, 30} {
		now = now.Add(p.Wait(a, now))
		var w time.Duration
		if a, w = p.Reserve(a, now); w != 0 {
			t.Fatalf("attempt %d at its time refused: %v", 6+i, w)
		}
		if got := p.Wait(a, now); got != d*time.Second {
			t.Errorf("after %d attempts: wait %v, want %v", 6+i, got, d*time.Second)
		}
	}
	// Refusals change nothing: hammering never prolongs the wait.
	for range 1000 {
		if b, w := p.Reserve(a, now); w == 0 || b != a {
			t.Fatal("a refused attempt changed the state")
		}
	}
	if w := p.Wait(a, now); w != 30*time.Second {
		t.Errorf("after many refusals: wait %v", w)
	}
	if a.Count > p.maxCount() || p.maxCount() > 16 {
		t.Errorf("count %d not bounded (max %d)", a.Count, p.maxCount())
	}
}

func TestThrottleWindowAndRefund(t *testing.T) {
	p := DefaultThrottle()
	a, _ := reserveN(p, Attempts{}, 8, t0)
	after := t0.Add(DefaultThrottleWindow)
	if w := p.Wait(a, after); w != 0 {
		t.Errorf("after the window: wait %v", w)
	}
	// A new window starts from nothing: the free attempts are there again.
	if _, through := reserveN(p, a, 10, after); through != DefaultThrottleFree {
		t.Errorf("after the window %d went through, want %d", through, DefaultThrottleFree)
	}
	// A refund gives back one attempt and its delay.
	a, _ = reserveN(p, Attempts{}, DefaultThrottleFree, t0)
	if p.Wait(a, t0) == 0 {
		t.Fatal("no delay after the free attempts")
	}
	r := p.Refund(a, t0)
	if r.Count != DefaultThrottleFree-1 || p.Wait(r, t0) != 0 {
		t.Errorf("refund: %+v, wait %v", r, p.Wait(r, t0))
	}
	if z := p.Refund(Attempts{}, t0); z != (Attempts{}) {
		t.Errorf("refund of nothing: %+v", z)
	}
}

// TestThrottleUnknownEqualsKnown: the policy has no notion of accounts; the
// same history gives the same answer whatever the key names.
func TestThrottleUnknownEqualsKnown(t *testing.T) {
	p := DefaultThrottle()
	var known, ghost Attempts
	for i := range 9 {
		at := t0.Add(time.Duration(i) * 7 * time.Second)
		var wk, wg time.Duration
		known, wk = p.Reserve(known, at)
		ghost, wg = p.Reserve(ghost, at)
		if known != ghost || wk != wg {
			t.Fatalf("attempt %d: %+v/%v vs %+v/%v", i+1, known, wk, ghost, wg)
		}
	}
}
