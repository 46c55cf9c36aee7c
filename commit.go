package backorder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
)

// errClosed is returned for writes submitted after the service closed.
var errClosed = errors.New("backorder: service closed")

// writeOp is one request's work inside a group commit: either fn, or arg
// for a set-based kind.
type writeOp struct {
	skus []string
	fn   func(ctx context.Context, tx Tx) error
	kind *opKind
	arg  any
	err  error
	done chan struct{}
}

// opKind is a kind of request that runs set-based: a run of consecutive
// requests of one kind in a batch goes to run together, which reads what
// they all need once, decides each in order in memory, and writes each table
// once. A run that fails is rolled back and its requests run one by one,
// each as a run of one, so one bad request costs its neighbours nothing but
// time. run must set each op's outcome afresh, since it may run again.
//
// prefetch, if set, reads for a run before the batch takes its locks what is
// safe to read unlocked: what a conflicting writer could change meanwhile
// must make run fail (and so fall back), never decide wrongly. run uses what
// prefetch read only when it runs the same ops as a run of more than one.
type opKind struct {
	prefetch func(ctx context.Context, tx Tx, ops []*writeOp) error
	run      func(ctx context.Context, tx Tx, ops []*writeOp) error
}

// call runs one op alone.
func (op *writeOp) call(ctx context.Context, tx Tx) error {
	if op.kind != nil {
		return op.kind.run(ctx, tx, []*writeOp{op})
	}
	return op.fn(ctx, tx)
}

// committer runs writes in batches: while one batch commits (and waits for its
// fsync), the next requests queue up and go into the next batch together, so
// one durable commit acknowledges many requests. Each request runs inside its
// own savepoint: a request that fails rolls back alone and the rest commit.
//
// Locking: a batch takes the locks of the union of its requests' SKUs, sorted,
// before it runs any of them, and releases them at commit. Every writer takes
// locks in the same order and never holds them across an external call, so
// writers on several processes sharing one database cannot deadlock. A batch
// that still fails with a transient conflict (Store.Retryable) is retried whole.
type committer struct {
	store    Store
	log      *slog.Logger
	maxBatch int
	ops      chan *writeOp
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.RWMutex // guards closed against sends racing Close
	closed   bool

	batches   atomic.Int64
	writes    atomic.Int64
	retries   atomic.Int64
	keyRaces  atomic.Int64
	fallbacks atomic.Int64
}

const maxBatchRetries = 10

func newCommitter(store Store, log *slog.Logger, writers, maxBatch int) *committer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &committer{store: store, log: log, maxBatch: maxBatch, ops: make(chan *writeOp, maxBatch*writers), ctx: ctx, cancel: cancel}
	for range writers {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

// submit runs fn in the next batch and returns once that batch committed (nil)
// or failed. fn may run more than once when a batch is retried, so it must set
// its results afresh each time.
func (c *committer) submit(skus []string, fn func(ctx context.Context, tx Tx) error) error {
	return c.submitOp(&writeOp{skus: skus, fn: fn})
}

// submitOp runs op in the next batch; see submit.
func (c *committer) submitOp(op *writeOp) error {
	op.done = make(chan struct{})
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.ops <- op
	c.mu.RUnlock()
	<-op.done
	return op.err
}

// close stops taking writes, finishes those queued, and waits for the loops.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.ops)
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.cancel()
}

func (c *committer) loop() {
	defer c.wg.Done()
	batch := make([]*writeOp, 0, c.maxBatch)
	for op := range c.ops {
		batch = append(batch[:0], op)
	fill:
		for len(batch) < c.maxBatch {
			select {
			case op, ok := <-c.ops:
				if !ok {
					break fill
				}
				batch = append(batch, op)
			default:
				break fill
			}
		}
		c.commitSafely(batch)
		for _, op := range batch {
			close(op.done)
		}
	}
}

// commitSafely is commit that survives a panic in the store outside any
// request (begin, lock, savepoint, commit): the batch fails, its callers are
// answered, and the writer goes on.
func (c *committer) commitSafely(batch []*writeOp) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("panic in write batch: %v", r)
			c.log.Error("write batch failed", "err", err, "ops", len(batch))
			for _, op := range batch {
				op.err = err
			}
		}
	}()
	c.commit(batch)
}

// commit runs one batch, retrying it whole on a transient conflict.
func (c *committer) commit(batch []*writeOp) {
	c.batches.Add(1)
	c.writes.Add(int64(len(batch)))
	var err error
	set := true
	for attempt := 0; ; attempt++ {
		err = c.try(batch, set)
		var rf runFailed
		if set && errors.As(err, &rf) {
			// The batch was one set-based run, run without a savepoint: run
			// it again, one by one.
			c.log.Debug("set-based run failed; running its requests one by one", "err", rf.err, "ops", len(batch))
			c.fallbacks.Add(1)
			set = false
			attempt--
			continue
		}
		if err == nil || !c.retryable(err) || attempt == maxBatchRetries {
			break
		}
		if errors.As(err, new(keyRaced)) {
			c.keyRaces.Add(1)
		} else {
			c.retries.Add(1)
		}
	}
	if err != nil {
		c.log.Error("write batch failed", "err", err, "ops", len(batch))
		for _, op := range batch {
			op.err = err
		}
	}
}

// try runs the batch once. It returns an error only when the batch as a whole
// failed; a request's own failure is kept in op.err and rolled back alone.
func (c *committer) try(batch []*writeOp, set bool) (err error) {
	ctx := c.ctx
	inner, err := c.store.BeginWrite(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &batchTx{Tx: inner}
	ended := false
	defer func() {
		// Also on a panic, so the connection is not left inside a transaction.
		if !ended {
			_ = tx.Rollback()
		}
	}()
	if set {
		if err := c.prefetch(ctx, tx, batch); err != nil {
			return err
		}
	}
	var skus []string
	for _, op := range batch {
		skus = append(skus, op.skus...)
	}
	slices.Sort(skus)
	skus = slices.Compact(skus)
	if len(skus) > 0 {
		if err := tx.LockSKUs(ctx, skus); err != nil {
			return fmt.Errorf("lock skus: %w", err)
		}
	}
	if len(batch) == 1 {
		// A request alone needs no savepoint: the transaction is its own, and
		// a savepoint makes the store keep a statement journal of every bulk
		// write (a large receipt pays for that in full).
		op := batch[0]
		if op.err = safeCall(ctx, tx, op.call); op.err != nil {
			if c.retryable(op.err) {
				return op.err
			}
			ended = true
			return tx.Rollback()
		}
		ended = true
		if err := tx.Commit(); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	}
	for _, run := range runs(batch) {
		if set && len(run) > 1 && len(run) == len(batch) {
			// The whole batch is one run: the transaction is its savepoint.
			if err := runSet(ctx, tx, run); err != nil {
				if c.retryable(err) {
					return err
				}
				return runFailed{err}
			}
			for _, op := range run {
				op.err = nil
			}
		} else if err := c.runOps(ctx, tx, run, set); err != nil {
			return err
		}
	}
	ended = true
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// runOps runs a run of ops of one kind set-based, under one savepoint, and
// falls back to running them one by one, each under its own savepoint, if
// that fails. An op that is not of a set-based kind comes alone. It returns
// an error only when the batch as a whole failed.
func (c *committer) runOps(ctx context.Context, tx *batchTx, ops []*writeOp, set bool) error {
	if set && len(ops) > 1 {
		if err := tx.Savepoint(ctx, "run"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		err := runSet(ctx, tx, ops)
		if err != nil && c.retryable(err) {
			return err
		}
		if err != nil {
			c.log.Debug("set-based run failed; running its requests one by one", "err", err, "ops", len(ops))
			c.fallbacks.Add(1)
			if err := tx.RollbackTo(ctx, "run"); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if err := tx.Release(ctx, "run"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
		if err == nil {
			for _, op := range ops {
				op.err = nil
			}
			return nil
		}
	}
	for _, op := range ops {
		if err := tx.Savepoint(ctx, "op"); err != nil {
			return fmt.Errorf("savepoint: %w", err)
		}
		op.err = safeCall(ctx, tx, op.call)
		if op.err != nil {
			if c.retryable(op.err) {
				return op.err
			}
			if err := tx.RollbackTo(ctx, "op"); err != nil {
				return fmt.Errorf("rollback to savepoint: %w", err)
			}
		}
		if err := tx.Release(ctx, "op"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
	}
	return nil
}

// prefetch gives each set-based run of the batch the chance to read what
// needs no lock before the batch takes its SKU locks, so that the locks are
// held for less time: every writer of a hot SKU waits for them.
func (c *committer) prefetch(ctx context.Context, tx Tx, batch []*writeOp) error {
	for _, run := range runs(batch) {
		if kind := run[0].kind; kind != nil && kind.prefetch != nil && len(run) > 1 {
			if err := kind.prefetch(ctx, tx, run); err != nil {
				return fmt.Errorf("prefetch: %w", err)
			}
		}
	}
	return nil
}

// runs splits a batch into runs: each maximal stretch of consecutive ops of
// one set-based kind, and each other op alone.
func runs(batch []*writeOp) [][]*writeOp {
	var out [][]*writeOp
	for i := 0; i < len(batch); {
		j := i + 1
		if kind := batch[i].kind; kind != nil {
			for j < len(batch) && batch[j].kind == kind {
				j++
			}
		}
		out = append(out, batch[i:j])
		i = j
	}
	return out
}

// runSet runs a run of ops of one kind together, set-based.
func runSet(ctx context.Context, tx Tx, run []*writeOp) error {
	return safeCall(ctx, tx, func(ctx context.Context, tx Tx) error { return run[0].kind.run(ctx, tx, run) })
}

// retryable reports whether the whole batch may run again after err: a
// transient conflict of the store, or an Idempotency-Key that another writer
// stored after this batch looked for it (the rerun answers from its outcome).
func (c *committer) retryable(err error) bool {
	return c.store.Retryable(err) || errors.As(err, new(keyRaced))
}

// keyRaced is the failure to store an Idempotency-Key's outcome because
// another writer stored one for the key after this transaction looked for it.
type keyRaced struct{ err error }

func (k keyRaced) Error() string { return "idempotency key stored meanwhile: " + k.err.Error() }

// putOutcomes stores the outcomes of Idempotency-Keys; see keyRaced.
func putOutcomes(ctx context.Context, tx Tx, recs []*IdempotencyRecord) error {
	err := tx.PutIdempotencyRecords(ctx, recs)
	if ErrorCode(err) == ECONFLICT {
		return keyRaced{err}
	}
	return err
}

// runFailed is the failure of a set-based run that was a whole batch; the
// batch runs again one by one.
type runFailed struct{ err error }

func (r runFailed) Error() string { return "set-based run failed: " + r.err.Error() }

// batchTx is the transaction of one batch. It reads the settings once per
// batch instead of once per request; a write of the settings, or a request
// rolled back to its savepoint, forgets them.
//
// It also holds back the batch's outbox events and writes them in one
// statement just before commit. A store may serialize event writers so that
// event IDs commit in order (PostgreSQL takes a lock for that); written last,
// that lock is taken after every row lock of the batch and held only for the
// commit, so it neither orders batches against each other for their whole
// length nor closes a cycle with a row lock.
type batchTx struct {
	Tx
	settings *Settings
	events   []Event
	marks    map[string]int // len(events) at each open savepoint, by name
}

func (b *batchTx) AppendEvents(ctx context.Context, es []Event) error {
	b.events = append(b.events, es...)
	return nil
}

func (b *batchTx) Savepoint(ctx context.Context, name string) error {
	if b.marks == nil {
		b.marks = map[string]int{}
	}
	b.marks[name] = len(b.events)
	return b.Tx.Savepoint(ctx, name)
}

func (b *batchTx) Commit() error {
	if len(b.events) > 0 {
		if err := b.Tx.AppendEvents(context.Background(), b.events); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	return b.Tx.Commit()
}

func (b *batchTx) Settings(ctx context.Context) (*Settings, error) {
	if b.settings == nil {
		s, err := b.Tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		b.settings = s
	}
	s := *b.settings
	return &s, nil
}

func (b *batchTx) PutSettings(ctx context.Context, s *Settings) error {
	b.settings = nil
	return b.Tx.PutSettings(ctx, s)
}

func (b *batchTx) RollbackTo(ctx context.Context, name string) error {
	b.settings = nil
	b.events = b.events[:b.marks[name]]
	return b.Tx.RollbackTo(ctx, name)
}

// safeCall runs fn, turning a panic into an error so one bad request cannot
// take down the batch or the process.
func safeCall(ctx context.Context, tx Tx, fn func(context.Context, Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write: %v", r)
		}
	}()
	return fn(ctx, tx)
}

// CommitStats are counters of the group committer.
type CommitStats struct {
	Batches int64 `json:"batches"`
	Writes  int64 `json:"writes"`
	// Retries counts batches run again after a deadlock or a
	// serialization failure (SQLite: busy), which their requests never see.
	Retries int64 `json:"retries"`
	// KeyRaces counts batches run again because another writer stored an
	// Idempotency-Key of theirs meanwhile (PostgreSQL, several instances).
	KeyRaces int64 `json:"key_races"`
	// Fallbacks counts set-based runs that failed and ran one by one.
	Fallbacks int64 `json:"fallbacks"`
	// Queued is the number of requests waiting for the next batch now.
	Queued int64 `json:"queued"`
}
