package backorder_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// These tests feed the invariant checkers broken histories and assert what
// they report: a checker that reports nothing proves nothing until it is
// shown to catch the faults it is there for.

// violation is an expected Violation: its invariant, the SKU and line it
// names, and the words (IDs and quantities) its detail must contain.
type violation struct {
	inv    string
	sku    string
	lineID int64
	detail []string
}

// checkViolations fails unless got holds exactly the want violations, in order.
func checkViolations(t *testing.T, got []backorder.Violation, want []violation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("violations=%+v, want %d: %+v", got, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Invariant != w.inv || g.SKU != w.sku || g.LineID != w.lineID {
			t.Fatalf("violation %d=%+v, want invariant %q SKU %q line %d", i, g, w.inv, w.sku, w.lineID)
		}
		for _, s := range w.detail {
			if !strings.Contains(g.Detail, s) {
				t.Fatalf("violation %d detail=%q, want it to name %q", i, g.Detail, s)
			}
		}
	}
}

// history is what CheckSnapshot reads, before the ledger is summed: the
// movements, and the stored stock, lines and open requests.
type history struct {
	moves []backorder.Movement
	stock []backorder.Stock
	lines []*backorder.Line
	open  map[int64]int64
}

// snapshot sums h's movements per SKU and per line, as a store's
// LedgerTotals does.
func (h *history) snapshot() *backorder.Snapshot {
	s := &backorder.Snapshot{Stock: h.stock, Lines: h.lines, OpenRequests: h.open,
		SKUTotals: map[string]backorder.LedgerTotals{}, SKUInStock: map[string]int64{},
		LineTotals: map[int64]backorder.LedgerTotals{}, LineInStock: map[int64]int64{}}
	for i := range h.moves {
		m := &h.moves[i]
		t := s.SKUTotals[m.SKU]
		t.Add(m)
		s.SKUTotals[m.SKU] = t
		inStock := m.Kind == backorder.MoveAllocate && m.Reason == backorder.ReasonInStock
		if inStock {
			s.SKUInStock[m.SKU] += m.Quantity
		}
		if m.LineID != 0 {
			t := s.LineTotals[m.LineID]
			t.Add(m)
			s.LineTotals[m.LineID] = t
			if inStock {
				s.LineInStock[m.LineID] += m.Quantity
			}
		}
	}
	return s
}

// line finds a line of h by ID.
func (h *history) line(id int64) *backorder.Line {
	i := slices.IndexFunc(h.lines, func(l *backorder.Line) bool { return l.ID == id })
	return h.lines[i]
}

// sound is a history every quantity of which the movements explain. SKU A:
// 10 received; O-1 (line 11) takes 4 at intake and ships 1; O-2 (line 21)
// takes the other 6 at intake and waits for 2. SKU B: 5 received, 1
// adjusted away. Everything received is allocated or shipped, so the
// no-oversell bound holds with equality.
func sound() *history {
	return &history{
		moves: []backorder.Movement{
			{ID: 1, At: day0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 10, Reference: "PO-1"},
			{ID: 2, At: day0, Kind: backorder.MoveAllocate, SKU: "A", Quantity: 4, OrderID: "O-1", LineID: 11, Reason: backorder.ReasonInStock},
			{ID: 3, At: day0, Kind: backorder.MoveAllocate, SKU: "A", Quantity: 6, OrderID: "O-2", LineID: 21, Reason: backorder.ReasonInStock},
			{ID: 4, At: day0, Kind: backorder.MoveBackorder, SKU: "A", Quantity: 2, OrderID: "O-2", LineID: 21},
			{ID: 5, At: day0, Kind: backorder.MoveShip, SKU: "A", Quantity: 1, OrderID: "O-1", LineID: 11},
			{ID: 6, At: day0, Kind: backorder.MoveReceipt, SKU: "B", Quantity: 5},
			{ID: 7, At: day0, Kind: backorder.MoveAdjustment, SKU: "B", Quantity: -1, Reason: "damaged"},
		},
		stock: []backorder.Stock{
			{SKU: "A", OnHand: 9, Allocated: 9, Backordered: 2},
			{SKU: "B", OnHand: 4},
		},
		lines: []*backorder.Line{
			{ID: 11, OrderID: "O-1", SKU: "A", Quantity: 4, Allocated: 3, Shipped: 1, Fulfilling: 3},
			{ID: 21, OrderID: "O-2", SKU: "A", Quantity: 8, Allocated: 6, Backordered: 2},
		},
		open: map[int64]int64{11: 3},
	}
}

func TestCheckSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(h *history)
		want []violation
	}{
		{"OK", func(h *history) {}, nil},

		// Invariant 1. A queue fill of line 21 with no unit received for it:
		// the stored rows follow the history, so allocated passes on_hand.
		{"ErrOversell", func(h *history) {
			h.moves = append(h.moves, backorder.Movement{ID: 8, At: day0, Kind: backorder.MoveAllocate, SKU: "A", Quantity: 1, OrderID: "O-2", LineID: 21, Reason: backorder.ReasonFIFO})
			h.line(21).Allocated, h.line(21).Backordered = 7, 1
			h.stock[0].Allocated, h.stock[0].Backordered = 10, 1
		}, []violation{
			{"no_oversell", "A", 0, []string{"allocated 10 exceeds on_hand 9"}},
			{"no_oversell", "A", 0, []string{"allocated and shipped 11 exceed received and adjusted 10"}},
		}},
		// The same fill with on_hand stored one unit higher than the history
		// says: the stored row looks sound, the history still oversells.
		{"ErrOversellHiddenByStock", func(h *history) {
			h.moves = append(h.moves, backorder.Movement{ID: 8, At: day0, Kind: backorder.MoveAllocate, SKU: "A", Quantity: 1, OrderID: "O-2", LineID: 21, Reason: backorder.ReasonFIFO})
			h.line(21).Allocated, h.line(21).Backordered = 7, 1
			h.stock[0].OnHand, h.stock[0].Allocated, h.stock[0].Backordered = 10, 10, 1
		}, []violation{
			{"no_oversell", "A", 0, []string{"allocated and shipped 11 exceed received and adjusted 10"}},
			{"ledger", "A", 0, []string{"on_hand 10, ledger says 9"}},
		}},

		// Invariants 2 and 6: units the history does not explain.
		{"ErrStockFromNothing", func(h *history) {
			h.stock[0].OnHand = 10
		}, []violation{
			{"ledger", "A", 0, []string{"on_hand 10, ledger says 9"}},
			{"no_idle_stock", "A", 0, []string{"1 units available while 2 backordered"}},
		}},
		{"ErrLineNotConserved", func(h *history) {
			h.line(21).Quantity = 9 // 6 allocated + 2 backordered
		}, []violation{
			{"conservation", "A", 21, []string{"ordered 9 != allocated 6 + backordered 2 + shipped 0 + cancelled 0"}},
		}},
		{"ErrLineAllocatedFromNothing", func(h *history) {
			l := h.line(11)
			l.Quantity, l.Allocated = 5, 4 // conserved, but no movement allocated the fourth unit
		}, []violation{
			{"ledger", "A", 11, []string{"line allocated 4, ledger says 3"}},
			{"ledger", "A", 0, []string{"stock allocated/backordered 9/2, lines hold 10/2"}},
		}},
		{"ErrBackorderFromNothing", func(h *history) {
			l := h.line(21)
			l.Quantity, l.Backordered = 9, 3
			h.stock[0].Backordered = 3
		}, []violation{
			{"ledger", "A", 21, []string{"line backordered 3, ledger says 2"}},
			{"ledger", "A", 0, []string{"backordered 3, ledger says 2"}},
		}},

		// Invariant 3. Two units received and left available while line 21
		// waits for two; every stored quantity matches the history.
		{"ErrAvailableWhileWaiting", func(h *history) {
			h.moves = append(h.moves, backorder.Movement{ID: 8, At: day0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 2})
			h.stock[0].OnHand = 11
		}, []violation{
			{"no_idle_stock", "A", 0, []string{"2 units available while 2 backordered"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sound()
			tc.edit(h)
			checkViolations(t, backorder.CheckSnapshot(h.snapshot()), tc.want)
		})
	}
}

// queued is a waiting line of qty units of SKU A, with its order header.
func queued(orderID string, seq, lineID int64, accepted time.Time, vip bool) *backorder.QueueEntry {
	return &backorder.QueueEntry{
		Order: &backorder.Order{ID: orderID, Seq: seq, AcceptedAt: accepted, Customer: backorder.Customer{ID: orderID, VIP: vip}},
		Line:  &backorder.Line{ID: lineID, OrderID: orderID, SKU: "A"},
	}
}

// fifo ranks every order alike: strict FIFO.
func fifo(*backorder.Order, time.Time) int { return 0 }

// vipFirst ranks VIP customers' orders above the rest.
func vipFirst(o *backorder.Order, _ time.Time) int {
	if o.Customer.VIP {
		return 10
	}
	return 0
}

func TestCheckFIFO(t *testing.T) {
	// O-1 (line 11) waits for 2 units of A from day0; O-2 (line 21) waits for
	// 2 from an hour later; O-9 (line 91) waits for B. 3 units of A arrive.
	lines := func(o2Accepted time.Time, o2VIP bool) map[int64]*backorder.QueueEntry {
		return map[int64]*backorder.QueueEntry{
			11: queued("O-1", 1, 11, day0, false),
			21: queued("O-2", 2, 21, o2Accepted, o2VIP),
			91: queued("O-9", 3, 91, day0.Add(-time.Hour), false),
		}
	}
	waits := []backorder.Movement{
		{ID: 1, At: day0, Kind: backorder.MoveBackorder, SKU: "A", Quantity: 2, OrderID: "O-1", LineID: 11},
		{ID: 2, At: day0, Kind: backorder.MoveBackorder, SKU: "A", Quantity: 2, OrderID: "O-2", LineID: 21},
		{ID: 3, At: day0, Kind: backorder.MoveBackorder, SKU: "B", Quantity: 1, OrderID: "O-9", LineID: 91},
		{ID: 4, At: day0, Kind: backorder.MoveReceipt, SKU: "A", Quantity: 3},
	}
	fill := func(id, lineID, qty int64, reason string) backorder.Movement {
		o := map[int64]string{11: "O-1", 21: "O-2", 31: "O-3"}[lineID]
		return backorder.Movement{ID: id, At: day0.Add(2 * time.Hour), Kind: backorder.MoveAllocate, SKU: "A", Quantity: qty, OrderID: o, LineID: lineID, Reason: reason}
	}
	later := day0.Add(time.Hour)
	for _, tc := range []struct {
		name  string
		lines map[int64]*backorder.QueueEntry
		rank  func(*backorder.Order, time.Time) int
		fills []backorder.Movement
		want  []violation
	}{
		// The earlier order first, then the later one, while B's waiting line
		// has no say over A.
		{"OK", lines(later, false), fifo, []backorder.Movement{fill(5, 11, 2, backorder.ReasonFIFO), fill(6, 21, 1, backorder.ReasonFIFO)}, nil},
		// A priority rule lets the later order go first.
		{"OKPriority", lines(later, true), vipFirst, []backorder.Movement{fill(5, 21, 2, "priority:vip"), fill(6, 11, 1, backorder.ReasonFIFO)}, nil},

		// Invariant 4: the later order of the same class is served while the
		// earlier one waits.
		{"ErrLaterFirst", lines(later, false), fifo, []backorder.Movement{fill(5, 21, 2, backorder.ReasonFIFO), fill(6, 11, 1, backorder.ReasonFIFO)}, []violation{
			{"fairness", "A", 21, []string{"movement 5", "order O-2 (seq 2", "order O-1 (seq 1"}},
		}},
		// Accepted at the same instant: the lower sequence number is first.
		{"ErrSameInstantHigherSeqFirst", lines(day0, false), fifo, []backorder.Movement{fill(5, 21, 1, backorder.ReasonFIFO)}, []violation{
			{"fairness", "A", 21, []string{"movement 5", "order O-2 (seq 2", "order O-1 (seq 1"}},
		}},
		// A partial fill leaves O-1 waiting: O-2 still may not pass it.
		{"ErrLaterAfterPartialFill", lines(later, false), fifo, []backorder.Movement{fill(5, 11, 1, backorder.ReasonFIFO), fill(6, 21, 1, backorder.ReasonFIFO)}, []violation{
			{"fairness", "A", 21, []string{"movement 6", "order O-2", "order O-1"}},
		}},
		// The priority rule the later order meets is not the earlier one's
		// to use: serving the earlier, lower-ranked order first is a jump.
		{"ErrLowerRankFirst", lines(later, true), vipFirst, []backorder.Movement{fill(5, 11, 2, backorder.ReasonFIFO)}, []violation{
			{"fairness", "A", 11, []string{"movement 5", "order O-1 (seq 1, rank 0)", "order O-2 (seq 2, rank 10)"}},
		}},
		// A new order takes stock at intake while O-2 still waits for one.
		{"ErrIntakeJump", lines(later, false), fifo, []backorder.Movement{fill(5, 11, 2, backorder.ReasonFIFO), fill(6, 21, 1, backorder.ReasonFIFO), fill(7, 31, 1, backorder.ReasonInStock)}, []violation{
			{"fairness", "A", 31, []string{"movement 7", "line 21 waited for 1"}},
		}},
		// A fill of more units than the line waited for: units from nothing.
		{"ErrFillBeyondWaiting", lines(later, false), fifo, []backorder.Movement{fill(5, 11, 3, backorder.ReasonFIFO)}, []violation{
			{"conservation", "A", 11, []string{"movement 5"}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moves := append(slices.Clone(waits), tc.fills...)
			checkViolations(t, backorder.CheckFIFO(moves, tc.lines, tc.rank), tc.want)

			// Replayed in two stretches, the waiting lines carry over: the
			// fills are judged against the waits of the first stretch.
			var r backorder.FairnessReplay
			if v := r.Apply(waits, tc.lines, tc.rank); len(v) != 0 {
				t.Fatalf("first stretch: violations=%+v, want none", v)
			}
			checkViolations(t, r.Apply(tc.fills, tc.lines, tc.rank), tc.want)
		})
	}
}
