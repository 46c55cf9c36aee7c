package backorder

import (
	"context"
	"strconv"
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
type StockResult struct {
	Movement     Movement       `json:"movement"`
	SKU          string         `json:"sku"`
	OnHand       int64          `json:"on_hand"`
	Allocated    int64          `json:"allocated"`
	Available    int64          `json:"available"`
	Backordered  int64          `json:"backordered"`
	Allocations  []Allocation   `json:"allocations"`
	Fulfillments []*Fulfillment `json:"fulfillments"`
}

// Receive records units received into stock and runs the allocation workflow
// in the same transaction. Returns EINVALID for a bad field and ENOTFOUND for
// an unknown SKU.
func (s *Service) Receive(ctx context.Context, req *ReceiptRequest, idem *Idempotency) (*StockResult, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return write(s, []string{req.SKU}, idem, func(ctx context.Context, tx Tx, now time.Time) (*StockResult, error) {
		m := Movement{At: now, Kind: MoveReceipt, SKU: req.SKU, Quantity: req.Quantity, Reference: req.Reference}
		return s.moveStock(ctx, tx, now, m)
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
	return write(s, []string{req.SKU}, idem, func(ctx context.Context, tx Tx, now time.Time) (*StockResult, error) {
		m := Movement{At: now, Kind: MoveAdjustment, SKU: req.SKU, Quantity: req.Delta, Reason: req.Reason}
		return s.moveStock(ctx, tx, now, m)
	})
}

// moveStock applies a receipt or adjustment to a SKU and fills its queue.
func (s *Service) moveStock(ctx context.Context, tx Tx, now time.Time, m Movement) (*StockResult, error) {
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
		allocs, fs, err := s.fill(ctx, tx, now, st)
		if err != nil {
			return nil, err
		}
		res.Allocations = append(res.Allocations, allocs...)
		res.Fulfillments = append(res.Fulfillments, fs...)
	}
	if err := tx.SaveStock(ctx, []Stock{*st}); err != nil {
		return nil, err
	}
	res.Movement = ms[0]
	res.OnHand, res.Allocated, res.Available, res.Backordered = st.OnHand, st.Allocated, st.Available(), st.Backordered
	return res, nil
}

// fill is the allocation workflow for one SKU, run in the transaction that
// made units available (receipt, upward adjustment, released allocation): it
// reads the SKU's queue, allocates in fill order with partial fills, creates
// the fulfillment requests the split policies allow, and queues one event per
// order for the notifier. It updates st and returns what it allocated.
// Afterwards no unit of the SKU is available while a backorder waits.
func (s *Service) fill(ctx context.Context, tx Tx, now time.Time, st *Stock) ([]Allocation, []*Fulfillment, error) {
	if st.Available() <= 0 || st.Backordered <= 0 {
		return nil, nil, nil
	}
	queue, err := tx.WaitingLines(ctx, st.SKU)
	if err != nil {
		return nil, nil, err
	}
	settings, err := tx.Settings(ctx)
	if err != nil {
		return nil, nil, err
	}
	allocs, entries := allocate(st.Available(), queue, settings, now)
	if len(allocs) == 0 {
		return nil, nil, nil
	}

	// The orders filled, in order of their first allocation. Two lines of
	// one order come with two copies of its header; the first is kept.
	var orders []*Order
	var full []bool // per order: all its lines are loaded (it is in multi)
	seen := make(map[string]*Order, len(allocs))
	var multi []string // orders whose other lines must be loaded
	moves := make([]Movement, len(allocs))
	var total int64
	for i, a := range allocs {
		e := entries[i]
		e.Line.Allocated += a.Quantity
		e.Line.Backordered -= a.Quantity
		total += a.Quantity
		moves[i] = Movement{At: now, Kind: MoveAllocate, SKU: a.SKU, Quantity: a.Quantity, OrderID: a.OrderID, LineID: a.LineID, Reason: a.Reason}
		o := seen[a.OrderID]
		if o == nil {
			o = e.Order
			seen[a.OrderID] = o
			orders = append(orders, o)
			full = append(full, false)
			// Shipping what is available needs only the lines just filled:
			// their siblings never hold allocated units not yet requested.
			// Shipping complete needs every line, to see what still waits.
			if o.LineCount > 1 && o.EffectiveSplit() != SplitShipAvailable {
				multi = append(multi, o.ID)
				full[len(full)-1] = true
			}
		}
		o.Lines = append(o.Lines, e.Line)
	}
	// An order with several lines needs all of them to decide what ships.
	var allocated map[int64]bool // lines filled, of the orders in multi
	if len(multi) > 0 {
		loaded, err := tx.Lines(ctx, multi)
		if err != nil {
			return nil, nil, err
		}
		allocated = map[int64]bool{}
		for _, id := range multi {
			o := seen[id]
			mine := map[int64]*Line{}
			for _, l := range o.Lines {
				mine[l.ID] = l
				allocated[l.ID] = true
			}
			lines := loaded[id]
			for i, l := range lines {
				if m := mine[l.ID]; m != nil {
					lines[i] = m
				}
			}
			o.Lines = lines
		}
	}

	// Every line filled is saved, and so is a sibling whose requested
	// units change; only the orders in multi have siblings loaded.
	changed := make([]*Line, 0, len(allocs))
	var fs []*Fulfillment
	perOrder := make([][]*Fulfillment, len(orders))
	var before []int64
	for i, o := range orders {
		if full[i] {
			before = before[:0]
			for _, l := range o.Lines {
				before = append(before, l.Fulfilling)
			}
		}
		perOrder[i] = PlanFulfillment(o, now)
		fs = append(fs, perOrder[i]...)
		for j, l := range o.Lines {
			if !full[i] || allocated[l.ID] || l.Fulfilling != before[j] {
				changed = append(changed, l)
			}
		}
	}
	if err := tx.SaveLines(ctx, changed); err != nil {
		return nil, nil, err
	}
	if err := tx.AppendMovements(ctx, moves); err != nil {
		return nil, nil, err
	}
	if len(fs) > 0 {
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			return nil, nil, err
		}
	}
	events := make([]Event, len(orders))
	for i, o := range orders {
		events[i] = orderEvent(now, EventOrderAllocated, o, st.SKU, perOrder[i])
	}
	if err := tx.AppendEvents(ctx, events); err != nil {
		return nil, nil, err
	}
	st.Allocated += total
	st.Backordered -= total
	return allocs, fs, nil
}

// QueuePosition is one waiting line in a SKU's fill order.
type QueuePosition struct {
	Position   int       `json:"position"`
	OrderID    string    `json:"order_id"`
	LineID     int64     `json:"line_id"`
	SKU        string    `json:"sku"`
	Quantity   int64     `json:"quantity"`
	AcceptedAt time.Time `json:"accepted_at"`
	AgeSeconds int64     `json:"age_seconds"`
	Age        string    `json:"age"`
	Priority   Priority  `json:"priority"`
	Customer   string    `json:"customer_id"`
}

// Queue returns a SKU's waiting lines in the order stock will fill them.
// Returns ENOTFOUND for an unknown SKU.
func (s *Service) Queue(ctx context.Context, sku string, limit int) ([]QueuePosition, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]QueuePosition, error) {
		if _, err := tx.Product(ctx, sku); ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf(ENOTFOUND, "sku", "Unknown SKU %q.", sku)
		} else if err != nil {
			return nil, err
		}
		queue, err := tx.WaitingLines(ctx, sku)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		ranked := FillOrder(queue, settings, now)
		if limit > 0 && len(ranked) > limit {
			ranked = ranked[:limit]
		}
		out := make([]QueuePosition, len(ranked))
		for i, r := range ranked {
			age := max(now.Sub(r.Order.AcceptedAt), 0)
			out[i] = QueuePosition{
				Position: r.Position, OrderID: r.Order.ID, LineID: r.Line.ID, SKU: r.Line.SKU, Quantity: r.Line.Backordered,
				AcceptedAt: r.Order.AcceptedAt, AgeSeconds: int64(age / time.Second), Age: FormatAge(age), Priority: r.Priority,
				Customer: r.Order.Customer.ID,
			}
		}
		return out, nil
	})
}

// FormatAge renders a duration in days and hours, like "12d 3h" or "45m".
func FormatAge(d time.Duration) string {
	days := int64(d / (24 * time.Hour))
	hours := int64(d%(24*time.Hour)) / int64(time.Hour)
	switch {
	case days > 0:
		return itoa(days) + "d " + itoa(hours) + "h"
	case hours > 0:
		return itoa(hours) + "h"
	default:
		return itoa(int64(d/time.Minute)) + "m"
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
