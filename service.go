package backorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Service runs the backorder flows over a Store: intake, receipts and
// adjustments, the allocation workflow, cancellation, split choice and
// shipping. It loads through the store, decides with the pure rules of this
// package, and saves in the same transaction.
type Service struct {
	store Store
	clock Clock
	log   *slog.Logger
	c     *committer

	intake *opKind // order requests, run set-based
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
}

// NewService starts a service; Close stops it.
func NewService(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Writers < 1 {
		cfg.Writers = 1
	}
	if cfg.MaxBatch < 1 {
		cfg.MaxBatch = 256
	}
	s := &Service{
		store: cfg.Store,
		clock: cfg.Clock,
		log:   cfg.Logger,
		c:     newCommitter(cfg.Store, cfg.Logger, cfg.Writers, cfg.MaxBatch),
	}
	s.intake = &opKind{prefetch: s.prefetchOrders, run: s.placeOrders}
	return s
}

// Close finishes queued writes and stops the service. It does not close the store.
func (s *Service) Close() error {
	s.c.close()
	return nil
}

// Now is the service's current time, truncated to what the stores keep.
func (s *Service) Now() time.Time { return s.clock.Now().UTC().Truncate(time.Microsecond) }

// CommitStats reports the group committer's counters.
func (s *Service) CommitStats() CommitStats {
	return CommitStats{Batches: s.c.batches.Load(), Writes: s.c.writes.Load(), Retries: s.c.retries.Load(), KeyRaces: s.c.keyRaces.Load(), Fallbacks: s.c.fallbacks.Load(), Queued: int64(len(s.c.ops))}
}

// Idempotency carries a request's Idempotency-Key and a hash of the request;
// the service sets Replayed when it answered from a stored outcome.
type Idempotency struct {
	Key      string
	Hash     string
	Replayed bool
}

// committed is a domain error whose writes are kept: an order refusal commits
// its lost demand although the caller gets the refusal.
type committed struct{ err *Error }

func (c committed) Error() string { return c.err.Error() }

// write runs fn as one request of a group commit, holding the SKUs' locks.
// With an Idempotency-Key it first looks for a stored outcome, and stores the
// new one in the same transaction as the effect, so a retry has no second
// effect even when retries race.
func write[T any](s *Service, skus []string, idem *Idempotency, fn func(ctx context.Context, tx Tx, now time.Time) (T, error)) (T, error) {
	var res T
	var outErr error
	err := s.c.submit(skus, func(ctx context.Context, tx Tx) error {
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
		var keep committed
		switch {
		case errors.As(err, &keep):
			outErr = keep.err
		case idem != nil && err != nil && refusal(err) && !s.c.retryable(err):
			if err := tx.RollbackTo(ctx, "request"); err != nil {
				return err
			}
			outErr = err
		case err != nil:
			return err
		default:
			res = r
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
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return res, outErr
}

// refusal reports whether err is the domain's answer to a request, one a
// retry of the same request would get again, rather than a fault.
func refusal(err error) bool {
	switch ErrorCode(err) {
	case ECONFLICT, EINVALID, ENOTFOUND, EREFUSED:
		return true
	}
	return false
}

// replay answers a request from its key's stored outcome rec, if there is
// one: the stored result into res, or the stored error into outErr, or a 422
// when the key came with another request. It reports whether it answered.
func replay[T any](rec *IdempotencyRecord, idem *Idempotency, res *T, outErr *error) (bool, error) {
	idem.Replayed = false
	switch {
	case rec == nil:
		return false, nil
	case rec.RequestHash != idem.Hash:
		*outErr = FieldErrorf(EIDEMPOTENCY, "Idempotency-Key", "Idempotency-Key %q was already used with a different request.", idem.Key)
	case rec.Error != nil:
		idem.Replayed = true
		*outErr = rec.Error
	default:
		idem.Replayed = true
		if err := json.Unmarshal(rec.Result, res); err != nil {
			return true, fmt.Errorf("decode idempotent result: %w", err)
		}
	}
	return true, nil
}

// idempotencyRecord is the stored outcome of a request: its result, or the
// refusal it committed (outErr, a *Error).
func idempotencyRecord(idem *Idempotency, now time.Time, res any, outErr error) (*IdempotencyRecord, error) {
	rec := &IdempotencyRecord{Key: idem.Key, RequestHash: idem.Hash, CreatedAt: now}
	if outErr != nil {
		rec.Error = AsError(outErr)
		return rec, nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode idempotent result: %w", err)
	}
	rec.Result = b
	return rec, nil
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

// PutProduct creates or replaces a product's description and policy. Its stock
// is kept. It reports whether the product is new. Returns EINVALID for a bad field.
func (s *Service) PutProduct(ctx context.Context, in *ProductInput) (*Product, bool, error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	type result struct {
		p       *Product
		created bool
	}
	r, err := write(s, []string{in.SKU}, nil, func(ctx context.Context, tx Tx, now time.Time) (result, error) {
		p, err := tx.Product(ctx, in.SKU)
		created := ErrorCode(err) == ENOTFOUND
		if created {
			p = &Product{SKU: in.SKU, CreatedAt: now, Stock: Stock{SKU: in.SKU}}
		} else if err != nil {
			return result{}, err
		}
		holdBefore := holdDate(p)
		p.Name, p.PriceCents, p.Currency, p.Status, p.ReleaseDate, p.Policy = in.Name, in.PriceCents, in.Currency, in.Status, in.ReleaseDate, in.Policy
		p.UpdatedAt = now
		if err := tx.PutProduct(ctx, p); err != nil {
			return result{}, err
		}
		// A pre-order whose release date moves (or that is released early)
		// ships from the new date: its open units and requests follow.
		if hold := holdDate(p); !created && hold != holdBefore {
			if err := tx.SetReleaseDate(ctx, p.SKU, hold); err != nil {
				return result{}, err
			}
			if err := rehold(ctx, tx, p.SKU); err != nil {
				return result{}, err
			}
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return result{}, err
		}
		p.Resolve(settings)
		return result{p, created}, nil
	})
	return r.p, r.created, err
}

// rehold moves the hold of every open fulfillment request carrying units of
// sku to the latest ship-from date among its lines (HoldUntil), after the
// SKU's release date moved.
func rehold(ctx context.Context, tx Tx, sku string) error {
	fs, err := every(func(after int64) ([]*Fulfillment, error) {
		return tx.ListFulfillments(ctx, FulfillmentQuery{SKU: sku, State: FulfillmentOpen, After: after, Limit: pageLimit})
	}, func(f *Fulfillment) int64 { return f.ID })
	if err != nil || len(fs) == 0 {
		return err
	}
	lines, err := tx.Lines(ctx, sortedUnique(fs, func(f *Fulfillment) string { return f.OrderID }))
	if err != nil {
		return err
	}
	from := map[int64]string{}
	for _, ls := range lines {
		for _, l := range ls {
			from[l.ID] = l.AvailableFrom
		}
	}
	var moved []*Fulfillment
	for _, f := range fs {
		if hold := HoldUntil(f.Lines, from); hold != f.HoldUntil {
			f.HoldUntil = hold
			moved = append(moved, f)
		}
	}
	return tx.SaveHolds(ctx, moved)
}

// holdDate is the date a product's units ship from: its release date while
// it takes pre-orders, otherwise none.
func holdDate(p *Product) string {
	if p.Status == StatusPreorder {
		return p.ReleaseDate
	}
	return ""
}

// Product returns a product with its effective policy and live quantities.
// Returns ENOTFOUND if the SKU is unknown.
func (s *Service) Product(ctx context.Context, sku string) (*Product, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Product, error) {
		p, err := tx.Product(ctx, sku)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		p.Resolve(settings)
		return p, nil
	})
}

// Products lists products in SKU order.
func (s *Service) Products(ctx context.Context, f ProductFilter) ([]*Product, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Product, error) {
		ps, err := tx.ListProducts(ctx, f)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			p.Resolve(settings)
		}
		return ps, nil
	})
}

// Settings returns the shop settings.
func (s *Service) Settings(ctx context.Context) (*Settings, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Settings, error) { return tx.Settings(ctx) })
}

// PutSettings replaces the shop settings. Returns EINVALID for a bad field.
func (s *Service) PutSettings(ctx context.Context, in *Settings) (*Settings, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return write(s, nil, nil, func(ctx context.Context, tx Tx, now time.Time) (*Settings, error) {
		return in, tx.PutSettings(ctx, in)
	})
}

// Meta and SetMeta read and write small named values, such as the admin token hash.
func (s *Service) Meta(ctx context.Context, key string) (string, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (string, error) { return tx.Meta(ctx, key) })
}

// SetMeta writes a small named value.
func (s *Service) SetMeta(ctx context.Context, key, value string) error {
	_, err := write(s, nil, nil, func(ctx context.Context, tx Tx, now time.Time) (struct{}, error) {
		return struct{}{}, tx.SetMeta(ctx, key, value)
	})
	return err
}

// AddMeta stores a small named value unless one is stored already, and
// returns the value stored: value, or the one another writer stored first.
func (s *Service) AddMeta(ctx context.Context, key, value string) (string, error) {
	return write(s, nil, nil, func(ctx context.Context, tx Tx, now time.Time) (string, error) {
		return tx.AddMeta(ctx, key, value)
	})
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
