package backorder

import (
	"context"
	"fmt"
	"slices"
)

// writeTx is the transaction of one group-commit batch, as the service sees
// it. Beside the store's transaction it keeps two things for the whole batch:
//
//   - the settings, read once per batch instead of once per request; a write
//     of the settings, or a request rolled back to its savepoint, forgets them;
//   - the batch's outbox events (Emit), written in one statement just before
//     commit. A store may serialize event writers so that event IDs commit in
//     order (PostgreSQL takes a lock for that); written last, that lock is
//     taken after every row lock of the batch and held only for the commit,
//     so it neither orders batches against each other for their whole length
//     nor closes a cycle with a row lock. An event's ID is set when it is
//     written.
//
// A batch that emits more than maxHeldEvents (a restock that fills a long
// queue) writes them as it goes instead, so that its memory does not grow
// with the queue; such a batch holds the event lock from its first write to
// its commit.
type writeTx struct {
	Tx
	settings *Settings
	events   []Event              // emitted, not written yet, in emit order
	written  int                  // events emitted and written already
	marks    map[string]eventMark // at each open savepoint, by name
	hold     int                  // events held back at most; maxHeldEvents unless a test says
	metricsTx
}

// eventMark is where the events stood when a savepoint was taken: how many
// were written, and those held back (a slice whose elements are never
// changed afterwards: a write starts a new array).
type eventMark struct {
	written int
	held    []Event
	metrics int // metric deltas kept (metricsTx)
}

// maxHeldEvents is how many events a batch holds back before writing them.
const maxHeldEvents = 8192

// Emit adds outbox events to the batch; they are written by commit, or
// dropped with the savepoint or transaction they were emitted in.
func (w *writeTx) Emit(ctx context.Context, es ...Event) error {
	w.events = append(w.events, es...)
	if w.hold == 0 {
		w.hold = maxHeldEvents
	}
	if len(w.events) < w.hold {
		return nil
	}
	return w.writeEvents(ctx)
}

// writeEvents writes the events held back, in emit order.
func (w *writeTx) writeEvents(ctx context.Context) error {
	if len(w.events) == 0 {
		return nil
	}
	if err := w.Tx.AppendEvents(ctx, w.events); err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	w.written += len(w.events)
	w.events = nil
	return nil
}

func (w *writeTx) Savepoint(ctx context.Context, name string) error {
	if w.marks == nil {
		w.marks = map[string]eventMark{}
	}
	w.marks[name] = eventMark{written: w.written, held: w.events[:len(w.events):len(w.events)], metrics: len(w.deltas)}
	return w.Tx.Savepoint(ctx, name)
}

// RollbackTo forgets the events emitted since the savepoint. If events were
// written since, the rollback undid them in the store, those emitted before
// the savepoint among them too: those are held back again.
func (w *writeTx) RollbackTo(ctx context.Context, name string) error {
	w.settings = nil
	m := w.marks[name]
	w.deltas = w.deltas[:m.metrics]
	if w.written == m.written {
		w.events = w.events[:len(m.held)] // nothing written since: they are still held
	} else {
		w.events, w.written = slices.Clone(m.held), m.written
	}
	return w.Tx.RollbackTo(ctx, name)
}

func (w *writeTx) Commit() error {
	if err := w.writeEvents(context.Background()); err != nil {
		return err
	}
	// After the events: a batch that wrote its events early holds their
	// lock already, so every batch takes the two in the same order.
	if err := w.writeMetrics(context.Background()); err != nil {
		return err
	}
	return w.Tx.Commit()
}

func (w *writeTx) Settings(ctx context.Context) (*Settings, error) {
	if w.settings == nil {
		s, err := w.Tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		w.settings = s
	}
	s := *w.settings
	return &s, nil
}

func (w *writeTx) PutSettings(ctx context.Context, s *Settings) error {
	w.settings = nil
	return w.Tx.PutSettings(ctx, s)
}
