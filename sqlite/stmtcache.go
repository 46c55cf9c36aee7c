package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the statements kept prepared by one cache. In the
// service tests a store's writer ran at most 274 distinct statements (each
// batch shape is one) and its readers 25; the bound only guards against a
// workload that keeps producing new ones.
const maxCachedStmts = 512

// maxCachedStmtLen bounds the text of a statement worth keeping. A compiled
// statement grows with its parameters, and the longest ones (a 1,000-row
// chunk of a 100,000-line receipt) are rare and cheap to parse next to the
// writes they carry; the chunks of a group commit's batch (at most 256 rows)
// stay below it.
const maxCachedStmtLen = 32 << 10

// stmtCache keeps statements prepared on one pool (the write connection,
// or the read connections) from one transaction to the next. Parsing SQL was
// a fifth of a group commit's time when every transaction prepared its
// statements afresh (the multi-row inserts of a batch are long statements),
// and two fifths of the property tests' time when reads did.
//
// A statement cannot be prepared on the write pool while a transaction holds
// its only connection (that would wait for the connection forever), so a
// transaction prepares what the cache lacks for itself, notes it, and the
// cache prepares those statements on the pool once the transaction has
// ended. Later transactions bind the cached statement to themselves with
// Tx.StmtContext, which reuses the statement already prepared on their
// connection, or prepares it there once and keeps it with the others (a
// read pool has several connections).
type stmtCache struct {
	pool  *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}}
}

// get returns the cached statement for query, or nil.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}

// add prepares the queries on the pool and keeps them, up to the bound. A
// query that fails to prepare is left out: the next transaction that needs
// it prepares it again and reports the error.
func (c *stmtCache) add(queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, ok := c.stmts[q]
		full := len(c.stmts) >= maxCachedStmts
		c.mu.Unlock()
		if ok || full || len(q) > maxCachedStmtLen {
			continue
		}
		s, err := c.pool.PrepareContext(context.Background(), q)
		if err != nil {
			continue
		}
		// Read transactions end concurrently, so another may have kept
		// the same query meanwhile: keep one, close the other.
		c.mu.Lock()
		if _, ok := c.stmts[q]; ok || len(c.stmts) >= maxCachedStmts {
			s.Close()
		} else {
			c.stmts[q] = s
		}
		c.mu.Unlock()
	}
}

// close closes the cached statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}
