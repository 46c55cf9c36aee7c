package backorder

import (
	"context"
	"strconv"
	"time"
)

// fill is the allocation workflow for one SKU, run in the transaction that
// made units available (receipt, upward adjustment, released allocation): it
// reads the SKU's queue, allocates in fill order with partial fills, creates
// the fulfillment requests the split policies allow, and queues one event per
// order to the outbox. It updates st and returns what it allocated.
// Afterwards no unit of the SKU is available while a backorder waits.
func (s *Service) fill(ctx context.Context, tx *writeTx, now time.Time, st *Stock) ([]Allocation, []*Fulfillment, error) {
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
	var full []bool                            // per order: all its lines are loaded (it is in multi)
	var units []int64                          // per order: units allocated, for its event
	index := make(map[string]int, len(allocs)) // order ID → its place in orders
	var multi []string                         // orders whose other lines must be loaded
	moves := make([]Movement, len(allocs))
	var total int64
	for i, a := range allocs {
		e := entries[i]
		e.Line.Allocated += a.Quantity
		e.Line.Backordered -= a.Quantity
		total += a.Quantity
		moves[i] = Movement{At: now, Kind: MoveAllocate, SKU: a.SKU, Quantity: a.Quantity, OrderID: a.OrderID, LineID: a.LineID, Reason: a.Reason}
		k, ok := index[a.OrderID]
		if !ok {
			k = len(orders)
			index[a.OrderID] = k
			orders = append(orders, e.Order)
			full = append(full, false)
			units = append(units, 0)
			o := e.Order
			// Shipping what is available needs only the lines just filled:
			// their siblings never hold allocated units not yet requested.
			// Shipping complete needs every line, to see what still waits.
			if o.LineCount > 1 && o.EffectiveSplit() != SplitShipAvailable {
				multi = append(multi, o.ID)
				full[k] = true
			}
		}
		o := orders[k]
		o.Lines = append(o.Lines, e.Line)
		units[k] += a.Quantity
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
			o := orders[index[id]]
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
		// The order's status only when all its lines are at hand.
		status := ""
		if len(o.Lines) == o.LineCount {
			status = o.DeriveStatus()
		}
		e, err := NewEvent(now, o.ID, st.SKU, &OrderAllocatedPayload{Status: status, Units: units[i], FulfillmentIDs: fulfillmentIDs(perOrder[i])})
		if err != nil {
			return nil, nil, err
		}
		events[i] = e
	}
	tx.Emit(events...)
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
