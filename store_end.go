package backorder

import (
	"context"
	"time"
)

// EndTx is what the auto split, the stale policy and the cancellation
// reasons store: the split decisions of orders under the auto policy, the
// waiting lines old enough to be stale, and one record per line a
// cancellation took, with its reason code.
type EndTx interface {
	// PutSplitDecision stores an order's auto split decision, replacing
	// any earlier one.
	PutSplitDecision(ctx context.Context, orderID string, d *SplitDecision) error
	// SplitDecision returns an order's stored auto split decision; nil
	// when it has none.
	SplitDecision(ctx context.Context, orderID string) (*SplitDecision, error)
	// StaleLines returns up to q.Limit waiting lines (backordered > 0) of
	// orders accepted at or before q.Before, after the cursor q.After, in
	// acceptance time then line ID order, each with its order's acceptance
	// time and customer and its product's supplier. The read costs the
	// page, not the history.
	StaleLines(ctx context.Context, q StaleQuery) ([]StaleLine, error)
	// InsertCancellations records what cancellations took.
	InsertCancellations(ctx context.Context, cs []Cancellation) error
	// CancellationSums sums the records at or after from and before to,
	// per reason code, SKU and currency (in that order).
	CancellationSums(ctx context.Context, from, to time.Time) ([]CancellationSum, error)
}
