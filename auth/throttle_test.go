package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestLimiterFreeFailuresThenDelay(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	for i := range 5 {
		if w := l.Check("alice", t0); w != 0 {
			t.Fatalf("attempt %d: wait %v", i+1, w)
		}
		l.Fail("alice", t0)
	}
	if w := l.Check("alice", t0); w != 0 {
		t.Fatalf("after 5 failures: wait %v, want 0", w)
	}
	l.Fail("alice", t0)
	if w := l.Check("alice", t0); w <= 0 {
		t.Fatalf("after 6 failures: wait %v, want > 0", w)
	} else if w != time.Second {
		t.Errorf("after 6 failures: wait %v, want 1s", w)
	}
	// The wait counts down from the last failure.
	if w := l.Check("alice", t0.Add(400*time.Millisecond)); w != 600*time.Millisecond {
		t.Errorf("wait after 400ms = %v", w)
	}
	if w := l.Check("alice", t0.Add(time.Second)); w != 0 {
		t.Errorf("wait after 1s = %v", w)
	}
	// Exponential growth, capped at 30s.
	want := []time.Duration{2, 4, 8, 16, 30, 30, 30}
	for i, d := range want {
		l.Fail("alice", t0)
		if w := l.Check("alice", t0); w != d*time.Second {
			t.Errorf("after %d failures: wait %v, want %v", 7+i, w, d*time.Second)
		}
	}
	if w := l.Check("alice", t0.Add(10*time.Second)); w != 20*time.Second {
		t.Errorf("capped wait after 10s = %v", w)
	}
	// Never more than MaxDelay: no permanent lockout.
	for range 1000 {
		l.Fail("alice", t0)
	}
	if w := l.Check("alice", t0); w != 30*time.Second {
		t.Errorf("after many failures: wait %v", w)
	}
	if w := l.Check("alice", t0.Add(30*time.Second)); w != 0 {
		t.Errorf("after max delay elapsed: wait %v", w)
	}
}

func TestLimiterUnknownEqualsKnown(t *testing.T) {
	// The limiter has no notion of account existence; the caller records
	// failures for "ghost" (no such account) exactly like for "alice".
	l := NewLimiter(LimiterConfig{})
	for i := range 9 {
		at := t0.Add(time.Duration(i) * 7 * time.Second)
		l.Fail("alice", at)
		l.Fail("ghost", at)
		for _, dt := range []time.Duration{0, time.Second, 3 * time.Second} {
			a, g := l.Check("alice", at.Add(dt)), l.Check("ghost", at.Add(dt))
			if a != g {
				t.Fatalf("after %d failures +%v: known %v, unknown %v", i+1, dt, a, g)
			}
		}
	}
	if l.Check("alice", t0.Add(56*time.Second)) == 0 {
		t.Fatal("test did not reach the delay phase")
	}
	// A key never seen is not tracked by Check.
	if w := l.Check("never-seen", t0); w != 0 || l.Len() != 2 {
		t.Errorf("unknown key: wait %v, Len %d", w, l.Len())
	}
}

func TestLimiterSuccessResets(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	for range 8 {
		l.Fail("alice", t0)
		l.Fail("10.0.0.1", t0)
	}
	l.Success("alice", t0)
	if w := l.Check("alice", t0); w != 0 {
		t.Errorf("after success: wait %v", w)
	}
	if w := l.Check("10.0.0.1", t0); w == 0 {
		t.Error("success on one key reset another")
	}
	if l.Len() != 1 {
		t.Errorf("Len = %d, want 1", l.Len())
	}
	// After the reset the free failures are available again.
	for range 5 {
		l.Fail("alice", t0)
	}
	if w := l.Check("alice", t0); w != 0 {
		t.Errorf("after reset + 5 failures: wait %v", w)
	}
}

func TestLimiterWindowExpiry(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	for range 8 {
		l.Fail("alice", t0)
	}
	if l.Check("alice", t0) == 0 {
		t.Fatal("no delay")
	}
	after := t0.Add(DefaultLimiterWindow + time.Second)
	if w := l.Check("alice", after); w != 0 {
		t.Errorf("after window: wait %v", w)
	}
	if l.Len() != 0 {
		t.Errorf("expired entry not evicted: Len %d", l.Len())
	}
	// Sliding: 5 old failures plus 1 new one inside a fresh window are free.
	for range 5 {
		l.Fail("bob", t0)
	}
	l.Fail("bob", t0.Add(10*time.Minute))
	if l.Check("bob", t0.Add(10*time.Minute)) == 0 {
		t.Fatal("6 failures within the window should delay")
	}
	later := t0.Add(16 * time.Minute)
	l.Fail("bob", later)
	if w := l.Check("bob", later); w != 0 {
		t.Errorf("old failures slid out of the window, but wait %v", w)
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	l := NewLimiter(LimiterConfig{MaxEntries: 3})
	for i := range 4 {
		l.Fail(fmt.Sprint("k", i), t0.Add(time.Duration(i)*time.Second))
	}
	if l.Len() != 3 {
		t.Fatalf("Len = %d, want 3", l.Len())
	}
	l.mu.Lock()
	_, oldest := l.entries["k0"]
	l.mu.Unlock()
	if oldest {
		t.Error("least recently failed key not evicted")
	}
	for range 1000 {
		l.Fail("k3", t0)
	}
	l.mu.Lock()
	n := len(l.entries["k3"].Value.(*limiterEntry).fails)
	l.mu.Unlock()
	if n > l.maxLog || l.maxLog > 16 {
		t.Errorf("per-key log holds %d timestamps (max %d)", n, l.maxLog)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(LimiterConfig{MaxEntries: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := fmt.Sprint("k", (g*i)%80)
				now := t0.Add(time.Duration(i) * time.Millisecond)
				l.Check(k, now)
				l.Fail(k, now)
				if i%7 == 0 {
					l.Success(k, now)
				}
			}
		})
	}
	wg.Wait()
	if l.Len() > 50 {
		t.Errorf("Len %d exceeds MaxEntries", l.Len())
	}
}
