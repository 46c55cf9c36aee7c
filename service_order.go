package backorder

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Order returns an order with its lines, status and allocations.
// Returns ENOTFOUND if the order does not exist.
func (s *Service) Order(ctx context.Context, id string) (*Order, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Order, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		moves, err := every(func(after int64) ([]Movement, error) {
			return tx.Movements(ctx, MovementFilter{OrderID: id, Kind: MoveAllocate, After: after, Limit: readPage})
		}, func(m Movement) int64 { return m.ID })
		if err != nil {
			return nil, err
		}
		for _, m := range moves {
			o.Allocations = append(o.Allocations, Allocation{OrderID: m.OrderID, LineID: m.LineID, SKU: m.SKU, Quantity: m.Quantity, Reason: m.Reason, At: m.At})
		}
		if err := withDecision(ctx, tx, o); err != nil {
			return nil, err
		}
		o.Derive()
		return o, nil
	})
}

// Orders lists orders in acceptance order.
//
// With a status it reads on in Seq order until f.Limit orders of that status
// are found or the orders end. Returns EINVALID for an unknown status.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]*Order, error) {
	if f.Status != "" && !slices.Contains(OrderStatuses, f.Status) {
		return nil, FieldErrorf(EINVALID, "status", "status must be one of %s.", strings.Join(OrderStatuses, ", "))
	}
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Order, error) {
		if f.Status == "" {
			os, err := tx.ListOrders(ctx, f)
			for _, o := range os {
				o.Derive()
			}
			return os, err
		}
		limit := PageLimit(f.Limit)
		q := f
		q.Limit = readPage
		out := []*Order{}
		for len(out) < limit {
			os, err := tx.ListOrders(ctx, q)
			if err != nil {
				return nil, err
			}
			if len(os) == 0 {
				break
			}
			for _, o := range os {
				if o.Derive(); o.Status == f.Status && len(out) < limit {
					out = append(out, o)
				}
			}
			q.After = os[len(os)-1].Seq
		}
		return out, nil
	})
}

// writeOrder runs fn on an order in one write that holds the locks of the
// order's SKUs (given to fn, sorted). An order's SKUs never change, so they
// are read before the write. Returns ENOTFOUND for an unknown order.
func writeOrder[T any](ctx context.Context, s *Service, id string, idem *Idempotency, fn func(ctx context.Context, tx *writeTx, now time.Time, o *Order, skus []string) (T, error)) (T, error) {
	skus, err := read(ctx, s, func(tx Tx, now time.Time) ([]string, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		return sortedUnique(o.Lines, func(l *Line) string { return l.SKU }), nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return write(ctx, s, skus, idem, func(ctx context.Context, tx *writeTx, now time.Time) (T, error) {
		o, err := tx.Order(ctx, id)
		if err != nil {
			var zero T
			return zero, err
		}
		return fn(ctx, tx, now, o, skus)
	})
}

func fulfillingOf(lines []*Line) map[int64]int64 {
	m := make(map[int64]int64, len(lines))
	for _, l := range lines {
		m[l.ID] = l.Fulfilling
	}
	return m
}

func changedLines(lines []*Line, before map[int64]int64) []*Line {
	var out []*Line
	for _, l := range lines {
		if l.Fulfilling != before[l.ID] {
			out = append(out, l)
		}
	}
	return out
}

func saveStock(ctx context.Context, tx Tx, products map[string]*Product, changed map[string]bool) error {
	var st []Stock
	for sku := range changed {
		s := products[sku].Stock
		s.SKU = sku
		st = append(st, s)
	}
	if len(st) == 0 {
		return nil
	}
	return tx.SaveStock(ctx, st)
}
