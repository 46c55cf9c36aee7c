package backorder

import (
	"context"
	"slices"
	"strings"
	"time"
)

// ReceiptRequest is the body of a stock receipt.
type ReceiptRequest struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Reference string `json:"reference,omitempty"`
}

// Validate checks a receipt.
func (r *ReceiptRequest) Validate() error {
	if err := validateID("sku", r.SKU); err != nil {
		return err
	}
	if r.Quantity < 1 || r.Quantity > MaxStockQuantity {
		return FieldErrorf(EINVALID, "quantity", "Quantity must be between 1 and %d.", MaxStockQuantity)
	}
	if len(r.Reference) > MaxTextLength {
		return FieldErrorf(EINVALID, "reference", "Reference must be at most %d bytes.", MaxTextLength)
	}
	return nil
}

// AdjustmentRequest is the body of a stock adjustment: a signed change to on_hand.
type AdjustmentRequest struct {
	SKU    string `json:"sku"`
	Delta  int64  `json:"delta"`
	Reason string `json:"reason"`
}

// Validate checks an adjustment.
func (r *AdjustmentRequest) Validate() error {
	if err := validateID("sku", r.SKU); err != nil {
		return err
	}
	if r.Delta == 0 || r.Delta > MaxStockQuantity || r.Delta < -MaxStockQuantity {
		return FieldErrorf(EINVALID, "delta", "Delta must be non-zero and between -%d and %d.", MaxStockQuantity, MaxStockQuantity)
	}
	if strings.TrimSpace(r.Reason) == "" {
		return FieldErrorf(EINVALID, "reason", "Reason is required.")
	} else if len(r.Reason) > MaxTextLength {
		return FieldErrorf(EINVALID, "reason", "Reason must be at most %d bytes.", MaxTextLength)
	}
	return nil
}

// StockResult is the outcome of a receipt or adjustment: the movement, the
// SKU's quantities after it, and the allocations the workflow made.
//
// Its size does not grow with the queue: the totals count everything the
// allocation run did, and Allocations and Fulfillments list only the first
// of them (at most 100 each), in fill order. Every allocation is in the
// history, with this movement's ID as its cause (Service.Allocations).
type StockResult struct {
	Movement            Movement       `json:"movement"`
	SKU                 string         `json:"sku"`
	OnHand              int64          `json:"on_hand"`
	Allocated           int64          `json:"allocated"`
	Available           int64          `json:"available"`
	Backordered         int64          `json:"backordered"`
	UnitsAllocated      int64          `json:"units_allocated"`
	LinesFilled         int64          `json:"lines_filled"`
	OrdersFilled        int64          `json:"orders_filled"`
	FulfillmentsCreated int64          `json:"fulfillments_created"`
	Allocations         []Allocation   `json:"allocations"`
	Fulfillments        []*Fulfillment `json:"fulfillments"`
}

// Receive records units received into stock and runs the allocation workflow
// in the same transaction. Returns EINVALID for a bad field and ENOTFOUND for
// an unknown SKU.
func (s *Service) Receive(ctx context.Context, req *ReceiptRequest, idem *Idempotency) (*StockResult, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, s, []string{req.SKU}, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*StockResult, error) {
		m := Movement{At: now, Kind: MoveReceipt, SKU: req.SKU, Quantity: req.Quantity, Reference: req.Reference}
		return s.moveStockAndRedate(ctx, tx, now, m)
	})
}

// Adjust changes on_hand by a signed delta with a reason; an upward adjustment
// runs the allocation workflow. Returns EINVALID for a bad field or for a
// downward adjustment that would take on_hand below allocated or zero, and
// ENOTFOUND for an unknown SKU.
func (s *Service) Adjust(ctx context.Context, req *AdjustmentRequest, idem *Idempotency) (*StockResult, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, s, []string{req.SKU}, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*StockResult, error) {
		m := Movement{At: now, Kind: MoveAdjustment, SKU: req.SKU, Quantity: req.Delta, Reason: req.Reason}
		return s.moveStockAndRedate(ctx, tx, now, m)
	})
}

// moveStockAndRedate is moveStock followed by the re-dating of the lines
// still waiting (redate): the units that came or went move their promises.
func (s *Service) moveStockAndRedate(ctx context.Context, tx *writeTx, now time.Time, m Movement) (*StockResult, error) {
	res, err := s.moveStock(ctx, tx, now, m)
	if err != nil {
		return nil, err
	}
	return res, s.redateSKUs(ctx, tx, []string{m.SKU}, false, now)
}

// moveStock applies a receipt or adjustment to a SKU and fills its queue.
func (s *Service) moveStock(ctx context.Context, tx *writeTx, now time.Time, m Movement) (*StockResult, error) {
	p, err := tx.Product(ctx, m.SKU)
	if ErrorCode(err) == ENOTFOUND {
		return nil, FieldErrorf(ENOTFOUND, "sku", "Unknown SKU %q.", m.SKU)
	} else if err != nil {
		return nil, err
	}
	st := &p.Stock
	st.SKU = p.SKU
	if next := st.OnHand + m.Quantity; next < st.Allocated {
		return nil, FieldErrorf(EINVALID, "delta", "Adjustment of %d would leave on_hand %d below the %d units allocated to orders; cancel or ship them first.", m.Quantity, next, st.Allocated)
	}
	st.OnHand += m.Quantity
	ms := []Movement{m}
	if err := tx.AppendMovements(ctx, ms); err != nil {
		return nil, err
	}
	res := &StockResult{SKU: m.SKU, Allocations: []Allocation{}, Fulfillments: []*Fulfillment{}}
	if m.Quantity > 0 {
		f, err := s.fill(ctx, tx, now, st, ms[0].ID)
		if err != nil {
			return nil, err
		}
		res.UnitsAllocated, res.LinesFilled, res.OrdersFilled, res.FulfillmentsCreated = f.units, f.lines, f.orders, f.fulfillments
		res.Allocations = append(res.Allocations, f.allocations...)
		res.Fulfillments = append(res.Fulfillments, f.requests...)
	}
	if err := tx.SaveStock(ctx, []Stock{*st}); err != nil {
		return nil, err
	}
	res.Movement = ms[0]
	res.OnHand, res.Allocated, res.Available, res.Backordered = st.OnHand, st.Allocated, st.Available(), st.Backordered
	return res, nil
}

// Allocations lists, in the history, the allocations a receipt or an
// adjustment (or a cancellation's release) made from the queue: the
// movements of kind allocate whose cause is movement id, in ID order after
// the cursor. Returns ENOTFOUND when id is not such a movement.
func (s *Service) Allocations(ctx context.Context, id, after int64, limit int) ([]Movement, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]Movement, error) {
		ms, err := tx.Movements(ctx, MovementFilter{After: id - 1, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 || ms[0].ID != id || !slices.Contains([]string{MoveReceipt, MoveAdjustment, MoveRelease}, ms[0].Kind) {
			return nil, Errorf(ENOTFOUND, "Receipt %d not found.", id)
		}
		// The allocations come after their cause in the SKU's history.
		return tx.Movements(ctx, MovementFilter{SKU: ms[0].SKU, Kind: MoveAllocate, CauseID: id, After: max(after, id), Limit: PageLimit(limit)})
	})
}
