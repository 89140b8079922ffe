package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// stmtCache keeps SQLite statements prepared, so that a query is parsed
// once per connection instead of at every call: profiling the record page
// showed a third of its time in sqlite3_prepare (issue 21 part 4).
// PostgreSQL needs none: pgx caches prepared statements per connection.
//
// A statement is prepared on the pool in the background the first time its
// text is seen (never from inside a transaction: the writer pool has one
// connection, and a full reader pool would wait on itself); until then the
// query runs as before. The cache is bounded: queries past maxCachedStmts
// distinct texts run unprepared.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	wg      sync.WaitGroup
}

const maxCachedStmts = 1024

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement for q, or nil while there is none yet
// (then it starts preparing one).
func (c *stmtCache) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.m[q]; st != nil {
		return st
	}
	if c.closed || c.pending[q] || len(c.m)+len(c.pending) >= maxCachedStmts {
		return nil
	}
	c.pending[q] = true
	c.wg.Add(1)
	go c.prepare(q)
	return nil
}

func (c *stmtCache) prepare(q string) {
	defer c.wg.Done()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.pool.PrepareContext(ctx, q)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, q)
	if err != nil {
		return // not cached: the query keeps running unprepared
	}
	if c.closed {
		_ = st.Close()
		return
	}
	c.m[q] = st
}

// close closes every prepared statement; call it before the pool closes.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}

// stmt returns the cached statement for q bound to this transaction, or nil.
// A multi-row query's statement is used once per transaction: a second
// Query (or a QueryRow) with the same text while the first one's rows may
// still be open runs unprepared, since one SQLite statement cannot step two
// result sets at once.
func (tx *Tx) stmt(ctx context.Context, q string, rows bool) *sql.Stmt {
	if tx.cache == nil || tx.open[q] {
		return nil
	}
	st := tx.cache.get(q)
	if st == nil {
		return nil
	}
	if rows {
		if tx.open == nil {
			tx.open = map[string]bool{}
		}
		tx.open[q] = true
	}
	return tx.tx.StmtContext(ctx, st)
}
