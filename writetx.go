package backorder

import (
	"context"
	"fmt"
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
//     nor closes a cycle with a row lock. An event's ID is set at commit.
type writeTx struct {
	Tx
	settings *Settings
	events   []Event
	marks    map[string]int // len(events) at each open savepoint, by name
}

// Emit adds outbox events to the batch; they are written at commit, or
// dropped with the savepoint or transaction they were emitted in.
func (w *writeTx) Emit(es ...Event) { w.events = append(w.events, es...) }

func (w *writeTx) Savepoint(ctx context.Context, name string) error {
	if w.marks == nil {
		w.marks = map[string]int{}
	}
	w.marks[name] = len(w.events)
	return w.Tx.Savepoint(ctx, name)
}

func (w *writeTx) RollbackTo(ctx context.Context, name string) error {
	w.settings = nil
	w.events = w.events[:w.marks[name]]
	return w.Tx.RollbackTo(ctx, name)
}

func (w *writeTx) Commit() error {
	if len(w.events) > 0 {
		if err := w.Tx.AppendEvents(context.Background(), w.events); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
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
