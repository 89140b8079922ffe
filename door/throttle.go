package door

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/auth"
	"github.com/nrm-org/nrm/store"
)

// The sign-in throttle keeps one row per key in login_throttle, so that a
// restart or a second instance over the same database goes on counting. An
// attempt is reserved under the row's lock, in a short write, before the
// password is hashed or the code checked: of N parallel requests for one key
// at most auth.Throttle.Free reach the check, and the rest are answered 429
// without any work. Every transaction that takes throttle rows takes the
// address row before the account row, and both before the audit head, so
// two of them never wait for each other in a circle.

// throttleKey is one counter: its kind (for the audit) and its stored key.
type throttleKey struct {
	kind string // "account", "address" or "factor"
	key  string
}

// accountKey is the counter of a typed username. The name is stored only as
// a hash: people type passwords into the username field, and the counter
// must work the same whether or not such an account exists.
func accountKey(username string) throttleKey {
	sum := sha256.Sum256([]byte(normUsername(username)))
	return throttleKey{"account", "u:" + hex.EncodeToString(sum[:16])}
}

// addressKey is the counter of a client address; IPv6 clients are counted
// by their /64, which one subscriber usually holds whole.
func addressKey(remote string) throttleKey {
	if ip := net.ParseIP(remote); ip != nil && ip.To4() == nil {
		remote = ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return throttleKey{"address", "ip:" + remote}
}

// factorKey is the counter of second-factor attempts of one user.
func factorKey(userID string) throttleKey { return throttleKey{"factor", "mfa:" + userID} }

func normUsername(username string) string { return strings.ToLower(strings.TrimSpace(username)) }

// throttleRow is one key's stored state.
type throttleRow struct {
	auth.Attempts
	refusedMinute int64
	refused       int
}

// lockThrottle reads a key's row, creating it if need be, and holds its
// lock (PostgreSQL: the upsert locks the row; SQLite: the one writer) to
// the end of tx.
func lockThrottle(ctx context.Context, tx *store.Tx, k throttleKey) (throttleRow, error) {
	var r throttleRow
	var last, next int64
	err := tx.QueryRow(ctx, `INSERT INTO login_throttle (throttle_key) VALUES (?)
		ON CONFLICT (throttle_key) DO UPDATE SET attempts = login_throttle.attempts
		RETURNING attempts, last_at, next_at, refused_minute, refused`, k.key).
		Scan(&r.Count, &last, &next, &r.refusedMinute, &r.refused)
	r.Last, r.Next = store.Time(last), store.Time(next)
	return r, err
}

func storeThrottle(ctx context.Context, tx *store.Tx, k throttleKey, a auth.Attempts) error {
	_, err := tx.Exec(ctx, `UPDATE login_throttle SET attempts = ?, last_at = ?, next_at = ? WHERE throttle_key = ?`,
		a.Count, store.Micros(a.Last), store.Micros(a.Next), k.key)
	return err
}

// reserve counts one attempt on every key, in order, inside tx: either all
// of them let it through (wait 0, every count stored) or it is refused
// (wait > 0, no count changed) and the refusal recorded on the key that
// refused. Callers pass the address key before the account key.
func (s *Service) reserve(ctx context.Context, tx *store.Tx, a *nrm.Actor, keys ...throttleKey) (time.Duration, error) {
	next := make([]auth.Attempts, len(keys))
	for i, k := range keys {
		r, err := lockThrottle(ctx, tx, k)
		if err != nil {
			return 0, err
		}
		var wait time.Duration
		if next[i], wait = s.throttle.Reserve(r.Attempts, tx.Now); wait > 0 {
			return wait, s.refused(ctx, tx, a, k, r, wait)
		}
	}
	for i, k := range keys {
		if err := storeThrottle(ctx, tx, k, next[i]); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// refused records a refused attempt. The audit gets one entry per key and
// minute, not one per request (a burst of thousands would otherwise flood
// it); the entry names the kind of counter, how long the wait is, and how
// many were refused in the key's previous audited minute.
func (s *Service) refused(ctx context.Context, tx *store.Tx, a *nrm.Actor, k throttleKey, r throttleRow, wait time.Duration) error {
	minute := tx.Now.Unix() / 60
	if r.refusedMinute == minute {
		_, err := tx.Exec(ctx, `UPDATE login_throttle SET refused = refused + 1 WHERE throttle_key = ?`, k.key)
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE login_throttle SET refused_minute = ?, refused = 1 WHERE throttle_key = ?`, minute, k.key); err != nil {
		return err
	}
	return s.appendAudit(ctx, tx, a, event{action: ActThrottled, outcome: "denied", fields: []string{
		"counter:" + k.kind, "wait_s:" + strconv.Itoa(waitSeconds(wait)), "refused_before:" + strconv.Itoa(r.refused)}})
}

// succeeded forgets an account's (or a factor's) count after a successful
// sign-in and gives the address back the one attempt the sign-in used.
func (s *Service) succeeded(ctx context.Context, tx *store.Tx, addr *throttleKey, key throttleKey) error {
	if addr != nil {
		r, err := lockThrottle(ctx, tx, *addr)
		if err != nil {
			return err
		}
		if err := storeThrottle(ctx, tx, *addr, s.throttle.Refund(r.Attempts, tx.Now)); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE throttle_key = ?`, key.key)
	return err
}

// throttleWait is how long an attempt on k would wait now, without
// reserving anything (before a passkey ceremony starts).
func (s *Service) throttleWait(ctx context.Context, tx *store.Tx, k throttleKey) (time.Duration, error) {
	var r throttleRow
	var last, next int64
	err := tx.QueryRow(ctx, `SELECT attempts, last_at, next_at FROM login_throttle WHERE throttle_key = ?`, k.key).Scan(&r.Count, &last, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	r.Last, r.Next = store.Time(last), store.Time(next)
	return s.throttle.Wait(r.Attempts, tx.Now), nil
}

// sweepThrottle deletes rows whose window has passed, a bounded batch at a
// time, skipping rows another transaction holds (it never waits for one).
func (s *Service) sweepThrottle(ctx context.Context, tx *store.Tx) error {
	_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE throttle_key IN
		(SELECT throttle_key FROM login_throttle WHERE last_at < ? LIMIT 200`+tx.SkipLocked()+`)`,
		store.Micros(tx.Now.Add(-s.throttle.Window)))
	return err
}

// errTooMany is the answer to a refused attempt, with the seconds to wait.
func errTooMany(wait time.Duration) error {
	return nrm.Errorf(nrm.ETooMany, "error.too_many", waitSeconds(wait))
}

func waitSeconds(wait time.Duration) int { return max(1, int(wait.Seconds()+0.5)) }
