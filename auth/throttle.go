package auth

import (
	"container/list"
	"sync"
	"time"
)

// LimiterConfig configures a Limiter. Zero fields take the defaults shown.
type LimiterConfig struct {
	// Window is the sliding window in which failures are counted (15m).
	Window time.Duration
	// FreeFailures is how many failures in the window cost nothing (5).
	FreeFailures int
	// BaseDelay is the delay after the first failure beyond FreeFailures; it
	// doubles with each further failure (1s).
	BaseDelay time.Duration
	// MaxDelay caps the delay (30s).
	MaxDelay time.Duration
	// MaxEntries bounds the number of keys tracked (100000). When full, the
	// least recently failed key is forgotten.
	MaxEntries int
}

// Default limiter settings.
const (
	DefaultLimiterWindow     = 15 * time.Minute
	DefaultLimiterFree       = 5
	DefaultLimiterBaseDelay  = time.Second
	DefaultLimiterMaxDelay   = 30 * time.Second
	DefaultLimiterMaxEntries = 100_000
)

// Limiter throttles authentication attempts per key (ASVS 5.0 V6.3.1). It
// counts failures per key in a sliding window; up to FreeFailures failures
// cost nothing, after that each further failure doubles a delay, capped at
// MaxDelay, measured from the most recent failure.
//
// Design goals:
//
//   - No account enumeration: keys are opaque strings and the limiter knows
//     nothing about accounts. The caller must call Fail for failed logins of
//     unknown accounts exactly as for known ones (and DummyCheck the
//     password), so Check returns the same wait for the same history.
//   - No permanent lock-out: the delay is capped and failures expire after
//     Window, so an attacker can slow a victim's logins by at most MaxDelay
//     per attempt but never lock them out.
//   - Bounded memory: at most MaxEntries keys, each holding at most as many
//     timestamps as it takes to reach MaxDelay; expired keys are evicted.
//
// Typical use, with two limiters (one per key space, so IP limits can be more
// generous for shared NAT addresses):
//
//	wait := max(acct.Check(user, now), ip.Check(clientIP, now))
//	if wait > 0 { respond 429 with Retry-After: wait, without checking the password }
//	ok := ... CheckPassword or DummyCheck ...
//	if !ok { acct.Fail(user, now); ip.Fail(clientIP, now) } else { acct.Success(user, now) }
//
// Canonicalise account keys (e.g. lower-case) and use the /64 prefix for IPv6
// addresses. Do not call Success on the IP key: one valid account would then
// let that IP reset its counter between guesses at other accounts. Rejecting
// (429) while wait > 0, rather than sleeping, also stops parallel requests
// from bypassing the delay.
//
// Times are passed in by the caller (injectable clock). A Limiter is safe for
// concurrent use.
type Limiter struct {
	cfg    LimiterConfig
	maxLog int

	mu      sync.Mutex
	entries map[string]*list.Element // of *limiterEntry
	lru     *list.List               // front = least recently failed
}

type limiterEntry struct {
	key   string
	fails []time.Time // ascending, at most maxLog
	last  time.Time
}

// NewLimiter returns a Limiter with cfg; zero fields take the defaults.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Window <= 0 {
		cfg.Window = DefaultLimiterWindow
	}
	if cfg.FreeFailures <= 0 {
		cfg.FreeFailures = DefaultLimiterFree
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = DefaultLimiterBaseDelay
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultLimiterMaxDelay
	}
	if cfg.MaxDelay < cfg.BaseDelay {
		cfg.MaxDelay = cfg.BaseDelay
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultLimiterMaxEntries
	}
	// Only as many timestamps are kept as needed to reach MaxDelay: beyond
	// that, more failures cannot increase the delay.
	steps := 1
	for d := cfg.BaseDelay; d < cfg.MaxDelay && steps < 64; d *= 2 {
		steps++
	}
	return &Limiter{
		cfg:     cfg,
		maxLog:  cfg.FreeFailures + steps,
		entries: make(map[string]*list.Element),
		lru:     list.New(),
	}
}

// Check returns how long the caller must wait before the next attempt for
// key may be processed; 0 means go ahead. It does not record anything and
// allocates nothing for unknown keys.
func (l *Limiter) Check(key string, now time.Time) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictExpired(now)
	el, ok := l.entries[key]
	if !ok {
		return 0
	}
	e := el.Value.(*limiterEntry)
	n := e.countSince(now.Add(-l.cfg.Window))
	if n <= l.cfg.FreeFailures {
		return 0
	}
	wait = e.last.Add(l.delay(n)).Sub(now)
	if wait < 0 {
		return 0
	}
	return wait
}

// Fail records a failed attempt for key at now.
func (l *Limiter) Fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictExpired(now)
	var e *limiterEntry
	if el, ok := l.entries[key]; ok {
		e = el.Value.(*limiterEntry)
		l.lru.MoveToBack(el)
	} else {
		for l.lru.Len() >= l.cfg.MaxEntries {
			l.remove(l.lru.Front())
		}
		e = &limiterEntry{key: key}
		l.entries[key] = l.lru.PushBack(e)
	}
	e.prune(now.Add(-l.cfg.Window))
	if len(e.fails) >= l.maxLog {
		copy(e.fails, e.fails[1:])
		e.fails = e.fails[:len(e.fails)-1]
	}
	e.fails = append(e.fails, now)
	if now.After(e.last) {
		e.last = now
	}
}

// Success forgets all failures for key. Call it for the account key after a
// fully successful authentication; see the type documentation about IP keys.
func (l *Limiter) Success(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evictExpired(now)
	if el, ok := l.entries[key]; ok {
		l.remove(el)
	}
}

// Len returns the number of keys currently tracked (for metrics and tests).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// delay returns the delay after n failures, n > FreeFailures.
func (l *Limiter) delay(n int) time.Duration {
	d := l.cfg.BaseDelay
	for i := l.cfg.FreeFailures + 1; i < n && d < l.cfg.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.cfg.MaxDelay)
}

// evictExpired drops keys whose last failure is older than the window. The
// list is ordered by last failure, so this stops at the first live entry and
// costs amortised O(1).
func (l *Limiter) evictExpired(now time.Time) {
	cutoff := now.Add(-l.cfg.Window)
	for el := l.lru.Front(); el != nil; el = l.lru.Front() {
		if el.Value.(*limiterEntry).last.After(cutoff) {
			return
		}
		l.remove(el)
	}
}

func (l *Limiter) remove(el *list.Element) {
	e := l.lru.Remove(el).(*limiterEntry)
	delete(l.entries, e.key)
}

func (e *limiterEntry) countSince(cutoff time.Time) int {
	n := 0
	for _, t := range e.fails {
		if t.After(cutoff) {
			n++
		}
	}
	return n
}

func (e *limiterEntry) prune(cutoff time.Time) {
	i := 0
	for i < len(e.fails) && !e.fails[i].After(cutoff) {
		i++
	}
	if i > 0 {
		e.fails = append(e.fails[:0], e.fails[i:]...)
	}
}
