package backorder

import (
	"fmt"
	"slices"
	"time"
)

// Movement kinds: every change to a quantity is one append-only movement.
const (
	MoveReceipt    = "receipt"    // units received into on_hand
	MoveAdjustment = "adjustment" // signed change to on_hand
	MoveAllocate   = "allocate"   // on_hand units reserved to a line
	MoveRelease    = "release"    // allocated units returned by a cancellation
	MoveShip       = "ship"       // allocated units shipped, leaving on_hand
	MoveBackorder  = "backorder"  // units of a line put on backorder at intake
	MoveCancel     = "cancel"     // backordered units cancelled
)

// Movement is one entry of the append-only history. Quantity is positive but
// for adjustments, where it is the signed delta.
type Movement struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	SKU       string    `json:"sku"`
	Quantity  int64     `json:"quantity"`
	OrderID   string    `json:"order_id,omitempty"`
	LineID    int64     `json:"line_id,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Reference string    `json:"reference,omitempty"`
	// CauseID is, on an allocation from the queue, the movement that made
	// the units available: a receipt, an adjustment or a release.
	CauseID int64 `json:"cause_id,omitempty"`
}

// MovementFilter selects movements in ID order. After is the last ID seen.
type MovementFilter struct {
	SKU     string
	OrderID string
	Kind    string
	CauseID int64 // movements caused by this one (allocations from the queue)
	After   int64
	Limit   int
}

// LedgerTotals are the sums of movements for one SKU or one line, by kind.
type LedgerTotals struct {
	Received    int64
	Adjusted    int64
	Allocated   int64
	Released    int64
	Shipped     int64
	Backordered int64
	Cancelled   int64
}

// Add adds one movement to the totals.
func (t *LedgerTotals) Add(m *Movement) {
	switch m.Kind {
	case MoveReceipt:
		t.Received += m.Quantity
	case MoveAdjustment:
		t.Adjusted += m.Quantity
	case MoveAllocate:
		t.Allocated += m.Quantity
	case MoveRelease:
		t.Released += m.Quantity
	case MoveShip:
		t.Shipped += m.Quantity
	case MoveBackorder:
		t.Backordered += m.Quantity
	case MoveCancel:
		t.Cancelled += m.Quantity
	}
}

// OnHand is on_hand as the ledger says it should be.
func (t LedgerTotals) OnHand() int64 { return t.Received + t.Adjusted - t.Shipped }

// AllocatedNow is allocated units as the ledger says: allocated less released and shipped.
func (t LedgerTotals) AllocatedNow() int64 { return t.Allocated - t.Released - t.Shipped }

// BackorderedNow is waiting units as the ledger says: put on backorder, less
// those allocated from the queue and those cancelled. inStock is the part of
// Allocated that was taken from stock at intake and never waited.
func (t LedgerTotals) BackorderedNow(inStock int64) int64 {
	return t.Backordered - (t.Allocated - inStock) - t.Cancelled
}

// Snapshot is what the invariant check reads: the stored quantities, the
// stored lines, and the ledger totals per SKU and per line.
type Snapshot struct {
	Stock        []Stock
	Lines        []*Line
	SKUTotals    map[string]LedgerTotals
	SKUInStock   map[string]int64 // allocate movements with reason in_stock, per SKU
	LineTotals   map[int64]LedgerTotals
	LineInStock  map[int64]int64
	OpenRequests map[int64]int64 // units in open fulfillment requests, per line
}

// Violation is one broken invariant.
type Violation struct {
	Invariant string `json:"invariant"`
	SKU       string `json:"sku,omitempty"`
	LineID    int64  `json:"line_id,omitempty"`
	Detail    string `json:"detail"`
}

// CheckSnapshot recomputes every quantity from the ledger and checks the
// invariants of DESIGN.md that hold at every commit: no oversell, conservation
// on every line, no unit available while a backorder waits, and stored
// quantities equal to those the ledger gives.
func CheckSnapshot(s *Snapshot) []Violation {
	var out []Violation
	bad := func(inv, sku string, line int64, format string, args ...any) {
		out = append(out, Violation{Invariant: inv, SKU: sku, LineID: line, Detail: fmt.Sprintf(format, args...)})
	}
	lineSums := map[string]*Stock{}
	for _, l := range s.Lines {
		if !l.Conserved() {
			bad("conservation", l.SKU, l.ID, "ordered %d != allocated %d + backordered %d + shipped %d + cancelled %d (fulfilling %d)", l.Quantity, l.Allocated, l.Backordered, l.Shipped, l.Cancelled, l.Fulfilling)
		}
		t := s.LineTotals[l.ID]
		if got, want := l.Allocated, t.AllocatedNow(); got != want {
			bad("ledger", l.SKU, l.ID, "line allocated %d, ledger says %d", got, want)
		}
		if got, want := l.Shipped, t.Shipped; got != want {
			bad("ledger", l.SKU, l.ID, "line shipped %d, ledger says %d", got, want)
		}
		if got, want := l.Backordered, t.BackorderedNow(s.LineInStock[l.ID]); got != want {
			bad("ledger", l.SKU, l.ID, "line backordered %d, ledger says %d", got, want)
		}
		if got, want := l.Cancelled, t.Cancelled+t.Released; got != want {
			bad("ledger", l.SKU, l.ID, "line cancelled %d, ledger says %d", got, want)
		}
		if got, want := l.Fulfilling, s.OpenRequests[l.ID]; got != want {
			bad("fulfillment", l.SKU, l.ID, "line fulfilling %d, open requests hold %d", got, want)
		}
		sum := lineSums[l.SKU]
		if sum == nil {
			sum = &Stock{SKU: l.SKU}
			lineSums[l.SKU] = sum
		}
		sum.Allocated += l.Allocated
		sum.Backordered += l.Backordered
	}
	stock := slices.Clone(s.Stock)
	slices.SortFunc(stock, func(a, b Stock) int {
		if a.SKU < b.SKU {
			return -1
		} else if a.SKU > b.SKU {
			return 1
		}
		return 0
	})
	for _, st := range stock {
		t := s.SKUTotals[st.SKU]
		if st.Allocated < 0 || st.Allocated > st.OnHand {
			bad("no_oversell", st.SKU, 0, "allocated %d exceeds on_hand %d", st.Allocated, st.OnHand)
		}
		if shippedAndHeld := t.AllocatedNow() + t.Shipped; shippedAndHeld > t.Received+t.Adjusted {
			bad("no_oversell", st.SKU, 0, "allocated and shipped %d exceed received and adjusted %d", shippedAndHeld, t.Received+t.Adjusted)
		}
		if got, want := st.OnHand, t.OnHand(); got != want {
			bad("ledger", st.SKU, 0, "on_hand %d, ledger says %d", got, want)
		}
		if got, want := st.Allocated, t.AllocatedNow(); got != want {
			bad("ledger", st.SKU, 0, "allocated %d, ledger says %d", got, want)
		}
		if got, want := st.Backordered, t.BackorderedNow(s.SKUInStock[st.SKU]); got != want {
			bad("ledger", st.SKU, 0, "backordered %d, ledger says %d", got, want)
		}
		sum := lineSums[st.SKU]
		if sum == nil {
			sum = &Stock{}
		}
		if st.Allocated != sum.Allocated || st.Backordered != sum.Backordered {
			bad("ledger", st.SKU, 0, "stock allocated/backordered %d/%d, lines hold %d/%d", st.Allocated, st.Backordered, sum.Allocated, sum.Backordered)
		}
		if st.Available() > 0 && st.Backordered > 0 {
			bad("no_idle_stock", st.SKU, 0, "%d units available while %d backordered units wait", st.Available(), st.Backordered)
		}
	}
	return out
}
