package backorder

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The reasons a purchase order is at risk.
const (
	// RiskOverdue: its expected date is before today and units are still open.
	RiskOverdue = "overdue"
	// RiskSupplierLate: its supplier has delivered at least
	// MinReliabilitySample lines in full and its 80th-percentile lateness,
	// rounded up, is one day or more, so the purchase order is expected to
	// arrive that many days after its expected date. (An on-time share below
	// 0.8 always implies this: more than a fifth of the lines were late, so
	// the 80th percentile is a late one.)
	RiskSupplierLate = "supplier_late"
)

// MaxAffectedOrders bounds the orders listed on each at-risk purchase order;
// the counts cover them all.
const MaxAffectedOrders = 20

// RiskReason is one reason a purchase order is at risk, with its figures.
type RiskReason struct {
	Code string `json:"code"`
	// DaysOverdue (overdue): the days from the expected date to today.
	DaysOverdue int `json:"days_overdue,omitempty"`
	// ExpectedLatenessDays (supplier_late): the supplier's 80th-percentile
	// lateness rounded up; OnTimeShare and Sample are its record.
	ExpectedLatenessDays int      `json:"expected_lateness_days,omitempty"`
	OnTimeShare          *float64 `json:"on_time_share,omitempty"`
	Sample               int      `json:"sample,omitempty"`
}

// WaitingOnPO is a waiting line whose stored promise rests on a purchase
// order (basis purchase_order, that order's ID): Tx.WaitingOnPurchaseOrders.
type WaitingOnPO struct {
	PurchaseOrderID int64
	OrderID         string
	LineID          int64
	SKU             string
	Backordered     int64
	PriceCents      int64
}

// AffectedLine is a waiting line of an order affected by a late purchase
// order: its units waiting and their value at the line's price.
type AffectedLine struct {
	LineID     int64  `json:"line_id"`
	SKU        string `json:"sku"`
	Units      int64  `json:"units"`
	ValueCents int64  `json:"value_cents"`
}

// AffectedOrder is an order with lines waiting on an at-risk purchase order.
type AffectedOrder struct {
	OrderID    string         `json:"order_id"`
	Units      int64          `json:"units"`
	ValueCents int64          `json:"value_cents"`
	Lines      []AffectedLine `json:"lines"`
}

// AtRiskPO is an open purchase order that is overdue or expected late, with
// the backorders whose promise rests on it.
type AtRiskPO struct {
	PurchaseOrderID int64  `json:"purchase_order_id"`
	Reference       string `json:"reference"`
	SupplierID      string `json:"supplier_id"`
	ExpectedAt      string `json:"expected_at"`
	// PredictedArrival is the expected date plus the supplier's expected
	// lateness (0 without a supplier_late reason), and never before today.
	PredictedArrival string       `json:"predicted_arrival"`
	OpenUnits        int64        `json:"open_units"`
	Reasons          []RiskReason `json:"reasons"`
	// BackorderValueCents is the units waiting on it times their lines'
	// prices; the list is ranked by it.
	BackorderValueCents int64 `json:"backorder_value_cents"`
	WaitingUnits        int64 `json:"waiting_units"`
	WaitingLines        int64 `json:"waiting_lines"`
	OrderCount          int64 `json:"order_count"`
	// Orders are the first MaxAffectedOrders affected orders, largest value
	// first (then order ID); OrderCount counts them all.
	Orders []AffectedOrder `json:"orders"`
}

// AssessPO says whether an open purchase order is at risk on today, given
// its supplier's record: the reasons (none: not at risk), and its predicted
// arrival date. A purchase order that is not open, or has no units open, is
// never at risk.
func AssessPO(po *PurchaseOrder, r Reliability, today time.Time) ([]RiskReason, string) {
	var open int64
	for _, l := range po.Lines {
		open += l.Open()
	}
	expected, err := time.Parse(DateLayout, po.ExpectedAt)
	if po.Status != POOpen || open == 0 || err != nil {
		return nil, ""
	}
	var reasons []RiskReason
	if d := int(today.Sub(expected).Hours() / 24); d > 0 {
		reasons = append(reasons, RiskReason{Code: RiskOverdue, DaysOverdue: d})
	}
	late := 0
	if r.Sample >= MinReliabilitySample && r.P80LatenessDays != nil {
		if late = int(math.Ceil(*r.P80LatenessDays)); late >= 1 {
			reasons = append(reasons, RiskReason{Code: RiskSupplierLate, ExpectedLatenessDays: late, OnTimeShare: r.OnTimeShare, Sample: r.Sample})
		} else {
			late = 0
		}
	}
	predicted := expected.AddDate(0, 0, late)
	if predicted.Before(today) {
		predicted = today
	}
	return reasons, predicted.Format(DateLayout)
}

// AtRisk makes the at-risk entry of purchase order po from its reasons and
// predicted arrival (AssessPO) and the lines waiting on it (any order): the
// value, the counts and the first MaxAffectedOrders orders.
func AtRisk(po *PurchaseOrder, reasons []RiskReason, predicted string, waiting []WaitingOnPO) AtRiskPO {
	a := AtRiskPO{
		PurchaseOrderID: po.ID, Reference: po.Reference, SupplierID: po.SupplierID,
		ExpectedAt: po.ExpectedAt, PredictedArrival: predicted, Reasons: reasons, Orders: []AffectedOrder{},
	}
	for _, l := range po.Lines {
		a.OpenUnits += l.Open()
	}
	byOrder := map[string]*AffectedOrder{}
	var orders []*AffectedOrder
	for _, w := range waiting {
		if w.PurchaseOrderID != po.ID || w.Backordered <= 0 {
			continue
		}
		v := w.Backordered * w.PriceCents
		a.BackorderValueCents += v
		a.WaitingUnits += w.Backordered
		a.WaitingLines++
		o := byOrder[w.OrderID]
		if o == nil {
			o = &AffectedOrder{OrderID: w.OrderID}
			byOrder[w.OrderID] = o
			orders = append(orders, o)
		}
		o.Units += w.Backordered
		o.ValueCents += v
		o.Lines = append(o.Lines, AffectedLine{LineID: w.LineID, SKU: w.SKU, Units: w.Backordered, ValueCents: v})
	}
	a.OrderCount = int64(len(orders))
	slices.SortFunc(orders, func(x, y *AffectedOrder) int {
		return cmp.Or(cmp.Compare(y.ValueCents, x.ValueCents), cmp.Compare(x.OrderID, y.OrderID))
	})
	for _, o := range orders[:min(len(orders), MaxAffectedOrders)] {
		slices.SortFunc(o.Lines, func(x, y AffectedLine) int { return cmp.Compare(x.LineID, y.LineID) })
		a.Orders = append(a.Orders, *o)
	}
	return a
}

// RankAtRisk sorts at-risk purchase orders by the value of the backorders
// waiting on them, largest first; ties go to the earlier expected date,
// then the lower purchase order ID.
func RankAtRisk(as []AtRiskPO) {
	slices.SortFunc(as, compareAtRisk)
}

func compareAtRisk(x, y AtRiskPO) int {
	return cmp.Or(cmp.Compare(y.BackorderValueCents, x.BackorderValueCents),
		cmp.Compare(x.ExpectedAt, y.ExpectedAt), cmp.Compare(x.PurchaseOrderID, y.PurchaseOrderID))
}

// AtRiskCursor is the place of an entry in the ranking (RankAtRisk), written
// "value:expected_at:id": a page after it starts at the next entry in that
// order, wherever the entry itself went meanwhile.
type AtRiskCursor struct {
	ValueCents int64
	ExpectedAt string
	ID         int64
}

// String writes the cursor as next_cursor carries it.
func (c AtRiskCursor) String() string {
	return fmt.Sprintf("%d:%s:%d", c.ValueCents, c.ExpectedAt, c.ID)
}

// CursorOfAtRisk is the cursor of an at-risk entry.
func CursorOfAtRisk(a AtRiskPO) AtRiskCursor {
	return AtRiskCursor{ValueCents: a.BackorderValueCents, ExpectedAt: a.ExpectedAt, ID: a.PurchaseOrderID}
}

// ParseAtRiskCursor reads a cursor written by AtRiskCursor.String. Returns
// EINVALID (field "after") for anything else.
func ParseAtRiskCursor(s string) (AtRiskCursor, error) {
	bad := FieldErrorf(EINVALID, "after", "after must be a cursor from next_cursor, such as 12000:2026-02-20:7.")
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return AtRiskCursor{}, bad
	}
	v, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if _, err := time.Parse(DateLayout, parts[1]); err != nil || err1 != nil || err2 != nil || v < 0 || id < 1 {
		return AtRiskCursor{}, bad
	}
	return AtRiskCursor{ValueCents: v, ExpectedAt: parts[1], ID: id}, nil
}

// AtRiskPage returns up to limit entries of a ranked list after the cursor
// (nil: from the start), and the cursor of the next page (nil at the end).
func AtRiskPage(ranked []AtRiskPO, after *AtRiskCursor, limit int) ([]AtRiskPO, *AtRiskCursor) {
	start := 0
	if after != nil {
		mark := AtRiskPO{BackorderValueCents: after.ValueCents, ExpectedAt: after.ExpectedAt, PurchaseOrderID: after.ID}
		start = len(ranked)
		for i, a := range ranked {
			if compareAtRisk(a, mark) > 0 {
				start = i
				break
			}
		}
	}
	rest := ranked[start:]
	if len(rest) <= limit {
		return rest, nil
	}
	c := CursorOfAtRisk(rest[limit-1])
	return rest[:limit], &c
}
