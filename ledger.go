package backorder

import (
	"context"
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

// LedgerSum is the sum of the quantities of a group of movements: those of
// one SKU, one line (0: none) and one kind, and, for allocations, one reason
// (for other kinds Reason is "").
type LedgerSum struct {
	SKU      string
	LineID   int64
	Kind     string
	Reason   string
	Quantity int64
}

// AddSum folds a sum of the history into the snapshot's ledger totals,
// keeping apart the allocations made at intake from stock (ReasonInStock),
// which never waited in the queue.
func (s *Snapshot) AddSum(m LedgerSum) {
	if s.SKUTotals == nil {
		s.SKUTotals, s.SKUInStock = map[string]LedgerTotals{}, map[string]int64{}
		s.LineTotals, s.LineInStock = map[int64]LedgerTotals{}, map[int64]int64{}
	}
	mv := Movement{Kind: m.Kind, Quantity: m.Quantity}
	inStock := m.Kind == MoveAllocate && m.Reason == ReasonInStock
	t := s.SKUTotals[m.SKU]
	t.Add(&mv)
	s.SKUTotals[m.SKU] = t
	if inStock {
		s.SKUInStock[m.SKU] += m.Quantity
	}
	if m.LineID != 0 {
		t := s.LineTotals[m.LineID]
		t.Add(&mv)
		s.LineTotals[m.LineID] = t
		if inStock {
			s.LineInStock[m.LineID] += m.Quantity
		}
	}
}

// ReadSnapshot reads what the invariant check compares: the stored stock,
// lines and open requests, and the sums of the history. Read it in a read
// transaction, so all of it comes from one snapshot of the database.
func ReadSnapshot(ctx context.Context, tx Tx) (*Snapshot, error) {
	s := &Snapshot{
		SKUTotals: map[string]LedgerTotals{}, SKUInStock: map[string]int64{},
		LineTotals: map[int64]LedgerTotals{}, LineInStock: map[int64]int64{},
	}
	var err error
	if s.Stock, err = tx.AllStock(ctx); err != nil {
		return nil, err
	}
	if s.Lines, err = tx.AllLines(ctx); err != nil {
		return nil, err
	}
	if s.OpenRequests, err = tx.OpenRequests(ctx); err != nil {
		return nil, err
	}
	sums, err := tx.LedgerSums(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range sums {
		s.AddSum(m)
	}
	return s, nil
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
