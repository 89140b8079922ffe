package auth

import "time"

// Default throttle settings.
const (
	DefaultThrottleWindow    = 15 * time.Minute
	DefaultThrottleFree      = 5
	DefaultThrottleBaseDelay = time.Second
	DefaultThrottleMaxDelay  = 30 * time.Second
)

// Throttle is the policy that slows authentication attempts per key (ASVS
// 5.0 V6.3.1). It keeps no state: the caller stores each key's Attempts
// (in the database, so a restart or a second instance does not forget
// them) and asks Reserve, under a lock on that key's row, before doing the
// expensive check.
//
// Design goals:
//
//   - Reserve before checking: an attempt is counted when it is let
//     through, before the password is hashed, so N parallel requests for
//     one key let at most Free through at once; the others are refused
//     without any hashing.
//   - No account enumeration: keys are opaque strings and the policy knows
//     nothing about accounts. The caller reserves for unknown accounts
//     exactly as for known ones (and DummyCheck's the password).
//   - No permanent lock-out: a refused attempt changes nothing, the delay
//     is capped at MaxDelay and the count expires Window after the last
//     counted attempt, so an attacker can slow a victim's sign-in by at most
//     MaxDelay per attempt but never lock them out.
//
// Typical use, with one key per account and one per client address:
//
//	in one short transaction, for the address key and then the account key:
//	    lock and read the key's Attempts; next, wait := p.Reserve(a, now)
//	    if wait > 0 { answer 429 with Retry-After: wait, without hashing }
//	    store next
//	check the password (or DummyCheck it)
//	on success: store Attempts{} for the account key and p.Refund the address key
//
// Do not reset the address key on success: one valid account would then let
// that address reset its counter between guesses at other accounts; refund
// only the successful attempt itself.
type Throttle struct {
	Window    time.Duration // a key's count expires this long after its last counted attempt
	Free      int           // attempts let through at once, without delay
	BaseDelay time.Duration // the delay after the Free-th attempt; it doubles with each further one
	MaxDelay  time.Duration // the cap on the delay
}

// Attempts is one key's stored state.
type Attempts struct {
	Count int       // attempts counted since the window began
	Last  time.Time // the last counted attempt
	Next  time.Time // the earliest time the next attempt may go through
}

// DefaultThrottle returns the policy with the default settings.
func DefaultThrottle() Throttle {
	return Throttle{Window: DefaultThrottleWindow, Free: DefaultThrottleFree, BaseDelay: DefaultThrottleBaseDelay, MaxDelay: DefaultThrottleMaxDelay}
}

// maxCount bounds the stored count: beyond it the delay cannot grow.
func (p Throttle) maxCount() int {
	n := p.Free
	for d := p.BaseDelay; d < p.MaxDelay && n < p.Free+64; d *= 2 {
		n++
	}
	return n + 1
}

// live is a with an expired count forgotten.
func (p Throttle) live(a Attempts, now time.Time) Attempts {
	if !a.Last.IsZero() && now.Sub(a.Last) >= p.Window {
		return Attempts{}
	}
	return a
}

// Wait is how long an attempt at now would have to wait (0: it may go
// ahead). It changes nothing.
func (p Throttle) Wait(a Attempts, now time.Time) time.Duration {
	a = p.live(a, now)
	if now.Before(a.Next) {
		return a.Next.Sub(now)
	}
	return 0
}

// Reserve decides an attempt at now. If it may go ahead, wait is 0 and next
// is the state to store, with the attempt counted; otherwise wait is how
// long until it may, and next is a unchanged (a refused attempt costs the
// key nothing more, so refusals cannot prolong a lock-out).
func (p Throttle) Reserve(a Attempts, now time.Time) (next Attempts, wait time.Duration) {
	if w := p.Wait(a, now); w > 0 {
		return a, w
	}
	a = p.live(a, now)
	a.Count = min(a.Count+1, p.maxCount())
	a.Last = now
	a.Next = now.Add(p.delay(a.Count))
	return a, 0
}

// Refund gives back one counted attempt (a successful sign-in on an
// address key): the count goes down by one and the delay is that of the
// count left.
func (p Throttle) Refund(a Attempts, now time.Time) Attempts {
	a = p.live(a, now)
	if a.Count == 0 {
		return a
	}
	a.Count--
	a.Next = a.Last.Add(p.delay(a.Count))
	return a
}

// delay is the wait after the n-th counted attempt: none before the Free-th,
// then BaseDelay, doubling, capped at MaxDelay.
func (p Throttle) delay(n int) time.Duration {
	if n < p.Free {
		return 0
	}
	d := p.BaseDelay
	for i := p.Free; i < n && d < p.MaxDelay; i++ {
		d *= 2
	}
	return min(d, p.MaxDelay)
}
