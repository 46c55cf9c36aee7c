package backorder

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// DefaultQueuePage is how many waiting lines an allocation run reads,
// allocates and writes at a time unless Config.QueuePage says otherwise:
// its memory is bounded by this, not by the queue. Measured on a 100k-line
// receipt (README, Benchmarks), 16,384 beats 4,096 by 10–20% on both
// stores (fewer statements and round trips per line) and beats 32,768 and
// 65,536 on SQLite.
const DefaultQueuePage = 16384

// replyItems is how many allocations and fulfillment requests a reply lists
// at most; its totals count them all.
const replyItems = 100

// fillResult is what one allocation run did: totals, and the first
// replyItems allocations and fulfillment requests it made.
type fillResult struct {
	units, lines, orders, fulfillments int64
	allocations                        []Allocation
	requests                           []*Fulfillment
	lastOrder                          string // the order of the last allocation, to count orders
}

// fill is the allocation workflow for one SKU, run in the transaction that
// made units available (receipt, upward adjustment, released allocation): it
// reads the SKU's queue a page at a time in fill order (FillQueue), allocates
// with partial fills, creates the fulfillment requests the split policies
// allow, and emits one event per order filled on each page (an order whose
// lines of the SKU straddle two pages gets one on each). It updates st.
// Afterwards no unit of the SKU is available while a backorder waits.
//
// cause is the ID of the movement that made the units available (the
// receipt, the adjustment, the first release); each allocation records it.
func (s *Service) fill(ctx context.Context, tx *writeTx, now time.Time, st *Stock, cause int64) (*fillResult, error) {
	res := &fillResult{}
	if st.Available() <= 0 || st.Backordered <= 0 {
		return res, nil
	}
	settings, err := tx.Settings(ctx)
	if err != nil {
		return nil, err
	}
	page := waitingPage(ctx, tx, settings, st.SKU)
	total, err := FillQueue(st.Available(), settings, now, s.queuePage, page, func(allocs []Allocation, entries []QueueEntry) error {
		return s.fillPage(ctx, tx, now, st.SKU, cause, allocs, entries, res)
	})
	if err != nil {
		return nil, err
	}
	st.Allocated += total
	st.Backordered -= total
	return res, nil
}

// fillPage writes the allocations of one page of the queue: the lines, the
// history, the fulfillment requests the orders' split policies allow, and
// one event per order. It adds them to res.
func (s *Service) fillPage(ctx context.Context, tx *writeTx, now time.Time, sku string, cause int64, allocs []Allocation, entries []QueueEntry, res *fillResult) error {
	// The orders filled, in order of their first allocation. Two lines of
	// one order come with two copies of its header; the first is kept.
	var orders []*Order
	var full []bool                            // per order: all its lines are loaded (it is in multi)
	var units []int64                          // per order: units allocated, for its event
	index := make(map[string]int, len(allocs)) // order ID → its place in orders
	var multi []string                         // orders whose other lines must be loaded
	moves := make([]Movement, len(allocs))
	for i, a := range allocs {
		e := entries[i]
		e.Line.Allocated += a.Quantity
		e.Line.Backordered -= a.Quantity
		res.units += a.Quantity
		res.lines++
		// An order's lines of one SKU are next to each other in fill order.
		if a.OrderID != res.lastOrder {
			res.orders++
			res.lastOrder = a.OrderID
		}
		moves[i] = Movement{At: now, Kind: MoveAllocate, SKU: a.SKU, Quantity: a.Quantity, OrderID: a.OrderID, LineID: a.LineID, Reason: a.Reason, CauseID: cause}
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
			return err
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
		return err
	}
	if err := tx.AppendQueueFills(ctx, moves, entries); err != nil {
		return err
	}
	if len(fs) > 0 {
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			return err
		}
	}
	events := make([]Event, len(orders))
	for i, o := range orders {
		// The order's status only when all its lines are at hand.
		status := ""
		if len(o.Lines) == o.LineCount {
			status = o.DeriveStatus()
		}
		e, err := NewEvent(now, o.ID, sku, &OrderAllocatedPayload{Status: status, Units: units[i], FulfillmentIDs: fulfillmentIDs(perOrder[i])})
		if err != nil {
			return err
		}
		events[i] = e
	}
	if err := tx.Emit(ctx, events...); err != nil {
		return err
	}
	res.fulfillments += int64(len(fs))
	if n := replyItems - len(res.allocations); n > 0 {
		res.allocations = append(res.allocations, allocs[:min(n, len(allocs))]...)
	}
	if n := replyItems - len(res.requests); n > 0 {
		res.requests = append(res.requests, fs[:min(n, len(fs))]...)
	}
	return nil
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
	// ETA is the line's promise date from the SKU's open supply
	// (PromiseDates).
	ETA ETA `json:"eta"`

	cursor QueueListCursor
}

// Cursor is the position's cursor, for listing the positions after it.
func (p QueuePosition) Cursor() string { return p.cursor.String() }

// QueueFilter selects a page of a SKU's queue in fill order: Limit lines
// after the cursor After (a QueuePosition's Cursor; "" for the first).
type QueueFilter struct {
	SKU   string
	After string
	Limit int
}

// Queue returns a page of a SKU's waiting lines in the order stock will fill
// them. It reads the queue a page at a time, so a listing of any queue needs
// memory for one page. Returns ENOTFOUND for an unknown SKU and EINVALID for
// a cursor it did not make.
func (s *Service) Queue(ctx context.Context, f QueueFilter) ([]QueuePosition, error) {
	var after *QueueListCursor
	if f.After != "" {
		c, err := ParseQueueListCursor(f.After)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	limit := PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]QueuePosition, error) {
		p, err := tx.Product(ctx, f.SKU)
		if ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf(ENOTFOUND, "sku", "Unknown SKU %q.", f.SKU)
		} else if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		page := waitingPage(ctx, tx, settings, f.SKU)
		ranked, err := ListQueue(settings, now, min(s.queuePage, limit+1), page, after, limit)
		if err != nil {
			return nil, err
		}
		// Each line shows its stored promise. A line stored without one (by
		// a version that did not date lines) is dated from the supply as it
		// stands: the units waiting before the page (the cursor's) count as
		// one line ahead of it.
		var before int64
		if after != nil {
			before = after.Units
		}
		etas := make([]ETA, len(ranked)+1)
		if slices.ContainsFunc(ranked, func(r RankedEntry) bool { return r.Line.ETA == nil }) {
			waiting := make([]int64, len(ranked)+1)
			waiting[0] = before
			for i, r := range ranked {
				waiting[i+1] = r.Line.Backordered
			}
			if etas, _, err = promiseDates(ctx, tx, p, settings, waiting, now); err != nil {
				return nil, err
			}
		}
		for i, r := range ranked {
			if r.Line.ETA != nil {
				etas[i+1] = *r.Line.ETA
			}
		}
		out := make([]QueuePosition, len(ranked))
		units := before
		for i, r := range ranked {
			age := max(now.Sub(r.Order.AcceptedAt), 0)
			units += r.Line.Backordered
			out[i] = QueuePosition{
				Position: r.Position, OrderID: r.Order.ID, LineID: r.Line.ID, SKU: r.Line.SKU, Quantity: r.Line.Backordered,
				AcceptedAt: r.Order.AcceptedAt, AgeSeconds: int64(age / time.Second), Age: FormatAge(age), Priority: r.Priority,
				Customer: r.Order.Customer.ID, ETA: etas[i+1],
				cursor: QueueListCursor{Position: r.Position, Score: r.Priority.Score, At: CursorOf(&r.QueueEntry), Units: units},
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
