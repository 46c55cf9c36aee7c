package backorder

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/backorder/backorder/internal/groupcommit"
)

// Service runs the backorder flows over a Store: intake, receipts and
// adjustments, the allocation workflow, cancellation, split choice and
// shipping. It loads through the store, decides with the pure rules of this
// package, and saves in the same transaction. Every write goes through a
// group committer (internal/groupcommit), which runs many requests in one
// transaction.
type Service struct {
	store     Store
	clock     Clock
	log       *slog.Logger
	committer *groupcommit.Committer[*writeTx]
	intake    *groupcommit.Kind[*writeTx] // order requests, run set-based
	queuePage int
}

// Config configures a Service.
type Config struct {
	Store  Store
	Clock  Clock        // defaults to SystemClock
	Logger *slog.Logger // defaults to slog.Default()
	// Writers is the number of write batches run at once: 1 for SQLite,
	// which has a single writer; more for PostgreSQL.
	Writers int
	// MaxBatch bounds the requests in one group commit (default 256).
	MaxBatch int
	// MaxQueued bounds the write requests waiting for a group commit
	// (default 4 batches per writer); past it a write fails at once with
	// EOVERLOADED.
	MaxQueued int
	// QueuePage is how many waiting lines an allocation run reads and
	// writes at a time (default DefaultQueuePage). Tests make it small so
	// that every fill crosses pages.
	QueuePage int
	// NoMetrics turns off the metrics' aggregates: the writes keep none
	// and the metrics read stale counters. The intake benchmark compares
	// with it; a shop never sets it.
	NoMetrics bool
}

// The causes of a batch run again, as CommitStats counts them.
const (
	retryConflict = "conflict" // Store.Retryable: deadlock, serialization failure, busy
	retryKeyRace  = "key_race" // keyRaced
)

// NewService starts a service; Close stops it.
func NewService(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.QueuePage < 1 {
		cfg.QueuePage = DefaultQueuePage
	}
	s := &Service{store: cfg.Store, clock: cfg.Clock, log: cfg.Logger, queuePage: cfg.QueuePage}
	s.committer = groupcommit.New(groupcommit.Config[*writeTx]{
		Begin: func(ctx context.Context) (*writeTx, error) {
			tx, err := cfg.Store.BeginWrite(ctx)
			if err != nil {
				return nil, err
			}
			return &writeTx{Tx: tx, metricsTx: metricsTx{off: cfg.NoMetrics}}, nil
		},
		Lock:       func(ctx context.Context, tx *writeTx, skus []string) error { return tx.LockSKUs(ctx, skus) },
		Retry:      s.retryCause,
		Writers:    cfg.Writers,
		MaxBatch:   cfg.MaxBatch,
		QueueLimit: cfg.MaxQueued,
		Logger:     cfg.Logger,
	})
	s.intake = &groupcommit.Kind[*writeTx]{Prefetch: s.prefetchOrders, Run: s.placeOrders}
	return s
}

// retryCause names why a batch that failed with err may run again whole, or
// returns "" when err is final.
func (s *Service) retryCause(err error) string {
	switch {
	case errors.As(err, new(keyRaced)):
		return retryKeyRace
	case s.store.Retryable(err):
		return retryConflict
	}
	return ""
}

// Close finishes queued writes and stops the service. It does not close the store.
func (s *Service) Close() error {
	s.committer.Close()
	return nil
}

// Now is the service's current time, truncated to what the stores keep.
func (s *Service) Now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// CommitStats are counters of the group committer since the service started.
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
	// Abandoned counts requests whose callers gave up (their context
	// ended) before a batch took them; they were never written.
	Abandoned int64 `json:"abandoned"`
}

// CommitStats reports the group committer's counters.
func (s *Service) CommitStats() CommitStats {
	st := s.committer.Stats()
	return CommitStats{
		Batches: st.Batches, Writes: st.Writes, Retries: st.Retries[retryConflict], KeyRaces: st.Retries[retryKeyRace],
		Fallbacks: st.Fallbacks, Queued: st.Queued, Abandoned: st.Abandoned,
	}
}

// write runs fn as one request of a group commit, holding the SKUs' locks.
// With an Idempotency-Key it first looks for a stored outcome, and stores the
// new one in the same transaction as the effect, so a retry has no second
// effect even when retries race.
func write[T any](ctx context.Context, s *Service, skus []string, idem *Idempotency, fn func(ctx context.Context, tx *writeTx, now time.Time) (T, error)) (T, error) {
	var res T
	var outErr error
	actor, audited := ActorFrom(ctx)
	err := submitted(s.committer.Do(ctx, skus, func(ctx context.Context, tx *writeTx) error {
		var zero T
		res, outErr = zero, nil
		now := s.Now()
		if idem != nil {
			recs, err := tx.IdempotencyRecords(ctx, []string{idem.Key})
			if err != nil {
				return err
			}
			if replayed, err := replay(recs[idem.Key], idem, &res, &outErr); replayed || err != nil {
				return err
			}
			// With a key, a refusal (an error of the domain, not a fault)
			// is the request's outcome too: its writes are undone, but the
			// refusal is kept under the key, so a retry gets it again and
			// the key cannot be reused for another request.
			if err := tx.Savepoint(ctx, "request"); err != nil {
				return err
			}
		}
		r, err := fn(ctx, tx, now)
		switch {
		case idem != nil && err != nil && refusal(err) && s.retryCause(err) == "":
			if err := tx.RollbackTo(ctx, "request"); err != nil {
				return err
			}
			outErr = err
		case err != nil:
			return err
		default:
			res = r
			if audited {
				if err := tx.AppendAudit(ctx, []AuditEntry{NewAuditEntry(actor, now, "", idem)}); err != nil {
					return err
				}
			}
		}
		if idem == nil {
			return nil
		}
		if err := tx.Release(ctx, "request"); err != nil {
			return err
		}
		rec, err := idempotencyRecord(idem, now, r, outErr)
		if err != nil {
			return err
		}
		return putOutcomes(ctx, tx, []*IdempotencyRecord{rec})
	}))
	if err != nil {
		var zero T
		return zero, err
	}
	return res, outErr
}

// submitted is the committer's answer to a write as the service reports it:
// a full queue is EOVERLOADED, which tells the caller to come back.
func submitted(err error) error {
	if errors.Is(err, groupcommit.ErrFull) {
		return Errorf(EOVERLOADED, "The server has as many writes waiting as it takes; retry in a moment.")
	}
	return err
}

// read runs fn in a read-only transaction.
func read[T any](ctx context.Context, s *Service, fn func(tx Tx, now time.Time) (T, error)) (T, error) {
	var zero T
	tx, err := s.store.BeginRead(ctx)
	if err != nil {
		return zero, err
	}
	defer tx.Rollback()
	return fn(tx, s.Now())
}

// sortedUnique returns the keys of items, sorted, each once.
func sortedUnique[T any](items []T, key func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, key(it))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
