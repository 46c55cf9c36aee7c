package backorder

import (
	"context"
	"time"
)

// CheckReport is the outcome of recomputing every quantity from the history.
type CheckReport struct {
	OK         bool        `json:"ok"`
	At         time.Time   `json:"at"`
	SKUs       int         `json:"skus"`
	Lines      int         `json:"lines"`
	Violations []Violation `json:"violations"`
}

// Check recomputes the current quantities from the append-only history, on
// one consistent snapshot, and reports every invariant it finds broken,
// the payment ledgers' balance equation (CheckPayments) among them.
func (s *Service) Check(ctx context.Context) (*CheckReport, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*CheckReport, error) {
		snap, err := ReadSnapshot(ctx, tx)
		if err != nil {
			return nil, err
		}
		v := CheckSnapshot(snap)
		ps, err := tx.AllPayments(ctx)
		if err != nil {
			return nil, err
		}
		v = append(v, CheckPayments(snap.Lines, ps)...)
		mv, err := checkMetrics(ctx, tx)
		if err != nil {
			return nil, err
		}
		v = append(v, mv...)
		if v == nil {
			v = []Violation{}
		}
		return &CheckReport{OK: len(v) == 0, At: now, SKUs: len(snap.Stock), Lines: len(snap.Lines), Violations: v}, nil
	})
}

// Movements lists the history in order.
func (s *Service) Movements(ctx context.Context, f MovementFilter) ([]Movement, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]Movement, error) { return tx.Movements(ctx, f) })
}

// Events lists outbox events after an ID.
func (s *Service) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]Event, error) { return tx.Events(ctx, after, limit) })
}

// LostDemand lists refused demand recorded since a time.
func (s *Service) LostDemand(ctx context.Context, f LostDemandFilter) ([]LostDemand, error) {
	f.Limit = PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]LostDemand, error) { return tx.ListLostDemand(ctx, f) })
}
