// Package groupcommit runs many small writes in few transactions: while one
// batch commits (and waits for its fsync), the writes that arrive queue up
// and go into the next batch together, so one durable commit acknowledges
// many of them. Each write still gets its own outcome.
//
// The package knows transactions, savepoints and lock keys, nothing of what
// the writes do. A batch runs in these steps:
//
//  1. collect: the first queued write and every other already queued, up to
//     MaxBatch, skipping writes whose callers gave up.
//  2. begin a transaction; prefetch: the first run, if set-based (see Kind),
//     reads what it may read before any lock is held.
//  3. lock: the union of the batch's keys, sorted, so that writers on several
//     processes sharing one database take locks in one order.
//  4. run the writes: a write alone needs no savepoint; a batch that is one
//     set-based run uses the transaction as its savepoint; otherwise each
//     run gets a savepoint, and a set-based run that fails runs again one
//     write at a time, each under its own savepoint, so one bad write costs
//     its neighbours only time.
//  5. commit, then answer every write of the batch.
//
// A batch that fails with a transient conflict (Config.Retry) runs again
// whole, so a write's function may run more than once and must set its
// results afresh each time.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = errors.New("groupcommit: closed")

// ErrFull is returned at once for a write submitted while QueueLimit writes
// already wait for a batch: past capacity a caller is told to come back
// rather than made to wait behind a queue that only grows.
var ErrFull = errors.New("groupcommit: queue full")

// Tx is what the committer needs of a transaction.
type Tx interface {
	Commit() error
	Rollback() error
	Savepoint(ctx context.Context, name string) error
	RollbackTo(ctx context.Context, name string) error
	Release(ctx context.Context, name string) error
}

// Config configures a Committer.
type Config[T Tx] struct {
	// Begin starts the read-write transaction of one batch.
	Begin func(ctx context.Context) (T, error)
	// Lock takes the locks of keys (sorted, each once, never empty) in tx,
	// held until the transaction ends.
	Lock func(ctx context.Context, tx T, keys []string) error
	// Retry names the transient cause of err after which a batch may run
	// again whole (a deadlock, a busy database), or returns "" when err is
	// final. Stats counts retries by these names.
	Retry func(err error) string
	// Writers is the number of batches run at once (default 1).
	Writers int
	// MaxBatch bounds the writes in one batch (default 256).
	MaxBatch int
	// MaxRetries bounds how often one batch runs again (default 10).
	MaxRetries int
	// QueueLimit bounds the writes waiting for a batch (default 4 batches
	// per writer); Submit returns ErrFull past it.
	QueueLimit int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Kind is a kind of write that runs set-based: a run of consecutive writes
// of one kind in a batch goes to Run together, which can read what they all
// need once, decide each in order in memory, and write each table once.
//
// Run must set each write's outcome (kept in its Arg) afresh, since it may
// run again: after a transient conflict, or one write at a time when the run
// failed as a whole.
//
// Prefetch, if set, reads for a run before the batch takes its locks what is
// safe to read unlocked: what a conflicting writer could change meanwhile
// must make Run fail (and so run again one by one), never decide wrongly.
// It is called only for the batch's first run, before any write of the
// batch. Run may use what Prefetch read only when it runs the same writes
// together.
type Kind[T Tx] struct {
	Prefetch func(ctx context.Context, tx T, ws []*Write[T]) error
	Run      func(ctx context.Context, tx T, ws []*Write[T]) error
}

// Write is one write: Func, or Arg for a write of a set-based Kind.
type Write[T Tx] struct {
	Keys []string
	Func func(ctx context.Context, tx T) error
	Kind *Kind[T]
	Arg  any

	state atomic.Int32
	err   error
	done  chan struct{}
}

// The states of a Write.
const (
	queued    int32 = iota // waiting for a batch
	taken                  // in a batch: its outcome will come
	abandoned              // its caller gave up before a batch took it
)

// call runs w alone.
func (w *Write[T]) call(ctx context.Context, tx T) error {
	if w.Kind != nil {
		return w.Kind.Run(ctx, tx, []*Write[T]{w})
	}
	return w.Func(ctx, tx)
}

// Stats are a committer's counters since it started.
type Stats struct {
	Batches   int64            // batches run
	Writes    int64            // writes run
	Retries   map[string]int64 // batches run again, by the cause Config.Retry named
	Fallbacks int64            // set-based runs that failed and ran one write at a time
	Queued    int64            // writes waiting for a batch now
	Abandoned int64            // writes whose callers gave up before a batch took them
	Full      int64            // writes refused with ErrFull
	// Sizes counts batches by their number of writes: Sizes[i] those of
	// more than SizeBound(i-1) and at most SizeBound(i) writes (powers of
	// two: 1, 2, 4, ...). Their sum is Batches, the writes in them Writes.
	Sizes [SizeBuckets]int64
}

// SizeBuckets is the number of batch-size buckets of Stats.Sizes; the last
// holds every batch of more than 2^(SizeBuckets-2) writes.
const SizeBuckets = 16

// SizeBound is the largest batch size counted in bucket i of Stats.Sizes.
func SizeBound(i int) int { return 1 << i }

// sizeBucket is the bucket of a batch of n writes (n >= 1).
func sizeBucket(n int) int { return min(bits.Len(uint(n-1)), SizeBuckets-1) }

// Committer runs writes in batches; see the package doc.
type Committer[T Tx] struct {
	cfg    Config[T]
	queue  chan *Write[T]
	ctx    context.Context // the batches' context, ended by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.RWMutex // guards closed against sends racing Close
	closed bool

	batches, writes, fallbacks, abandoned, full atomic.Int64
	sizes                                       [SizeBuckets]atomic.Int64
	retriesMu                                   sync.Mutex
	retries                                     map[string]int64
}

// New starts a committer; Close stops it.
func New[T Tx](cfg Config[T]) *Committer[T] {
	if cfg.Writers < 1 {
		cfg.Writers = 1
	}
	if cfg.MaxBatch < 1 {
		cfg.MaxBatch = 256
	}
	if cfg.MaxRetries < 1 {
		cfg.MaxRetries = 10
	}
	if cfg.QueueLimit < 1 {
		cfg.QueueLimit = 4 * cfg.MaxBatch * cfg.Writers
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Committer[T]{cfg: cfg, queue: make(chan *Write[T], cfg.QueueLimit), ctx: ctx, cancel: cancel, retries: map[string]int64{}}
	for range cfg.Writers {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

// Do runs fn as one write holding the locks of keys, and returns once its
// batch committed (nil) or failed; see Submit.
func (c *Committer[T]) Do(ctx context.Context, keys []string, fn func(ctx context.Context, tx T) error) error {
	return c.Submit(ctx, &Write[T]{Keys: keys, Func: fn})
}

// Submit queues w for the next batch and returns once that batch committed
// (nil) or failed, or with w's own error. With QueueLimit writes already
// waiting it returns ErrFull at once and w is never run. A caller whose ctx ends before a
// batch took w gets ctx's error and w is never run; once a batch has taken
// w, the caller waits for its real outcome, so an acknowledged write is
// never reported as failed. The write itself runs under the committer's
// context, not ctx: a caller that leaves must not abort the batch it shares.
// A Write is submitted once.
func (c *Committer[T]) Submit(ctx context.Context, w *Write[T]) error {
	w.done = make(chan struct{})
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		c.mu.RUnlock()
		return err
	}
	select {
	case c.queue <- w:
	default:
		c.mu.RUnlock()
		c.full.Add(1)
		return ErrFull
	}
	c.mu.RUnlock()
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		if w.state.CompareAndSwap(queued, abandoned) {
			c.abandoned.Add(1)
			return ctx.Err()
		}
		<-w.done
		return w.err
	}
}

// Close stops taking writes, finishes those queued, and waits for the batches.
func (c *Committer[T]) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.cancel()
}

// Stats reports the counters.
func (c *Committer[T]) Stats() Stats {
	c.retriesMu.Lock()
	retries := maps.Clone(c.retries)
	c.retriesMu.Unlock()
	st := Stats{
		Batches: c.batches.Load(), Writes: c.writes.Load(), Retries: retries,
		Fallbacks: c.fallbacks.Load(), Queued: int64(len(c.queue)), Abandoned: c.abandoned.Load(),
		Full: c.full.Load(),
	}
	for i := range c.sizes {
		st.Sizes[i] = c.sizes[i].Load()
	}
	return st
}

func (c *Committer[T]) loop() {
	defer c.wg.Done()
	batch := make([]*Write[T], 0, c.cfg.MaxBatch)
	for w := range c.queue {
		if batch = c.collect(batch[:0], w); len(batch) == 0 {
			continue
		}
		c.commitSafely(batch)
		for _, w := range batch {
			close(w.done)
		}
	}
}

// collect is step 1: first and every write already queued, up to MaxBatch,
// less those whose callers gave up.
func (c *Committer[T]) collect(batch []*Write[T], first *Write[T]) []*Write[T] {
	take := func(w *Write[T]) {
		if w.state.CompareAndSwap(queued, taken) {
			batch = append(batch, w)
		}
	}
	take(first)
	for len(batch) < c.cfg.MaxBatch {
		select {
		case w, ok := <-c.queue:
			if !ok {
				return batch
			}
			take(w)
		default:
			return batch
		}
	}
	return batch
}

// commitSafely is commit that survives a panic outside any write (begin,
// lock, savepoint, commit): the batch fails, its callers are answered, and
// the writer goes on.
func (c *Committer[T]) commitSafely(batch []*Write[T]) {
	defer func() {
		if r := recover(); r != nil {
			c.fail(batch, fmt.Errorf("panic in write batch: %v", r))
		}
	}()
	c.commit(batch)
}

// mode is how a batch runs its set-based runs.
type mode int

const (
	together mode = iota // each run of one Kind together
	oneByOne             // every write alone, under its own savepoint
)

// commit runs a batch to its end: together first, and one by one when the
// batch was a single set-based run that failed.
func (c *Committer[T]) commit(batch []*Write[T]) {
	c.batches.Add(1)
	c.writes.Add(int64(len(batch)))
	c.sizes[sizeBucket(len(batch))].Add(1)
	err, fellBack := c.retrying(batch, together)
	if fellBack {
		c.fallbacks.Add(1)
		err, _ = c.retrying(batch, oneByOne)
	}
	if err != nil {
		c.fail(batch, err)
	}
}

// retrying runs the batch until it ends with something other than a
// transient conflict, at most MaxRetries times more. It reports whether the
// batch is one set-based run that failed as a whole (see attempt).
func (c *Committer[T]) retrying(batch []*Write[T], m mode) (error, bool) {
	for retry := 0; ; retry++ {
		err, fellBack := c.attempt(batch, m)
		if err == nil || fellBack || retry == c.cfg.MaxRetries {
			return err, fellBack
		}
		cause := c.cfg.Retry(err)
		if cause == "" {
			return err, false
		}
		c.retriesMu.Lock()
		c.retries[cause]++
		c.retriesMu.Unlock()
	}
}

// attempt runs the batch once in one transaction (steps 2 to 5). It returns
// an error only when the batch as a whole failed: a write's own failure is
// kept as its outcome and rolled back alone. When the batch is a single
// set-based run and that run failed for a reason of its own, attempt rolls
// back and reports fellBack, for the batch to run one by one.
func (c *Committer[T]) attempt(batch []*Write[T], m mode) (err error, fellBack bool) {
	ctx := c.ctx
	tx, err := c.cfg.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err), false
	}
	ended := false
	defer func() {
		// Also on a panic, so the connection is not left inside a transaction.
		if !ended {
			_ = tx.Rollback()
		}
	}()
	runs := split(batch)
	if m == together {
		if err := c.prefetch(ctx, tx, runs); err != nil {
			return err, false
		}
	}
	if err := c.lock(ctx, tx, batch); err != nil {
		return err, false
	}
	switch {
	case len(batch) == 1:
		// A write alone needs no savepoint: the transaction is its own, and
		// a savepoint makes the store keep a statement journal of every bulk
		// write (a large receipt pays for that in full).
		w := batch[0]
		if w.err = safeCall(ctx, tx, w.call); w.err != nil {
			if c.transient(w.err) {
				return w.err, false
			}
			ended = true
			return tx.Rollback(), false
		}
	case m == together && len(runs) == 1 && runs[0][0].Kind != nil:
		// The whole batch is one set-based run: the transaction is its savepoint.
		if err := runTogether(ctx, tx, batch); err != nil {
			if c.transient(err) {
				return err, false
			}
			c.cfg.Logger.Debug("set-based run failed; running its writes one by one", "err", err, "writes", len(batch))
			return nil, true
		}
	default:
		for _, run := range runs {
			if err := c.runInSavepoints(ctx, tx, run, m); err != nil {
				return err, false
			}
		}
	}
	ended = true
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("commit: %w", err), false
	}
	return nil, false
}

// prefetch is step 2: it gives the batch's first run, if it is set-based and
// of more than one write, the chance to read before the batch takes its
// locks, so that the locks are held for less time (every writer of a hot
// key waits for them). Only the first: a later run's reads would miss what
// the runs before it in the same transaction write, and a later run of the
// same writes would meet them again (a key of the run stored by an earlier
// run looks like another writer's, every time the batch runs again).
func (c *Committer[T]) prefetch(ctx context.Context, tx T, runs [][]*Write[T]) error {
	if len(runs) == 0 {
		return nil
	}
	if run := runs[0]; run[0].Kind != nil && run[0].Kind.Prefetch != nil && len(run) > 1 {
		if err := run[0].Kind.Prefetch(ctx, tx, run); err != nil {
			return fmt.Errorf("prefetch: %w", err)
		}
	}
	return nil
}

// lock is step 3: the union of the batch's keys, sorted.
func (c *Committer[T]) lock(ctx context.Context, tx T, batch []*Write[T]) error {
	var keys []string
	for _, w := range batch {
		keys = append(keys, w.Keys...)
	}
	if len(keys) == 0 {
		return nil
	}
	slices.Sort(keys)
	if err := c.cfg.Lock(ctx, tx, slices.Compact(keys)); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	return nil
}

// runInSavepoints runs one run of a batch that holds more than it: a
// set-based run together under one savepoint (m == together), falling back
// to one write at a time if that fails; otherwise each write under its own
// savepoint. It returns an error only when the batch as a whole failed.
func (c *Committer[T]) runInSavepoints(ctx context.Context, tx T, run []*Write[T], m mode) error {
	if m == together && run[0].Kind != nil && len(run) > 1 {
		failed, err := c.inSavepoint(ctx, tx, "run", func() error { return runTogether(ctx, tx, run) })
		if err != nil || failed == nil {
			return err
		}
		c.cfg.Logger.Debug("set-based run failed; running its writes one by one", "err", failed, "writes", len(run))
		c.fallbacks.Add(1)
	}
	for _, w := range run {
		if _, err := c.inSavepoint(ctx, tx, "write", func() error {
			w.err = safeCall(ctx, tx, w.call)
			return w.err
		}); err != nil {
			return err
		}
	}
	return nil
}

// inSavepoint runs fn under a savepoint named name. fn's own failure is
// rolled back to the savepoint and returned as failed. err is what fails
// the whole batch: a transient failure of fn (the batch runs again), or a
// failure of the savepoint itself.
func (c *Committer[T]) inSavepoint(ctx context.Context, tx T, name string, fn func() error) (failed, err error) {
	if err := tx.Savepoint(ctx, name); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	failed = fn()
	if failed != nil && c.transient(failed) {
		return nil, failed
	}
	if failed != nil {
		if err := tx.RollbackTo(ctx, name); err != nil {
			return nil, fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if err := tx.Release(ctx, name); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	return failed, nil
}

// runTogether runs a set-based run; the writes' outcomes are its to set, so
// on success each write's own error is cleared.
func runTogether[T Tx](ctx context.Context, tx T, run []*Write[T]) error {
	if err := safeCall(ctx, tx, func(ctx context.Context, tx T) error { return run[0].Kind.Run(ctx, tx, run) }); err != nil {
		return err
	}
	for _, w := range run {
		w.err = nil
	}
	return nil
}

// split cuts a batch into runs: each maximal stretch of consecutive writes
// of one set-based Kind, and each other write alone.
func split[T Tx](batch []*Write[T]) [][]*Write[T] {
	var out [][]*Write[T]
	for i := 0; i < len(batch); {
		j := i + 1
		if kind := batch[i].Kind; kind != nil {
			for j < len(batch) && batch[j].Kind == kind {
				j++
			}
		}
		out = append(out, batch[i:j])
		i = j
	}
	return out
}

func (c *Committer[T]) transient(err error) bool { return c.cfg.Retry(err) != "" }

func (c *Committer[T]) fail(batch []*Write[T], err error) {
	c.cfg.Logger.Error("write batch failed", "err", err, "writes", len(batch))
	for _, w := range batch {
		w.err = err
	}
}

// safeCall runs fn, turning a panic into an error so one bad write cannot
// take down the batch or the process.
func safeCall[T Tx](ctx context.Context, tx T, fn func(context.Context, T) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in write: %v", r)
		}
	}()
	return fn(ctx, tx)
}
