package backorder_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestAssessPO(t *testing.T) {
	today := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	open := func(expected string) *backorder.PurchaseOrder {
		return &backorder.PurchaseOrder{ID: 1, Status: backorder.POOpen, ExpectedAt: expected,
			Lines: []backorder.POLine{{SKU: "A", Quantity: 10, Received: 4}}}
	}
	rel := func(sample int, share, p80 float64) backorder.Reliability {
		return backorder.Reliability{Sample: sample, OnTimeShare: &share, P80LatenessDays: &p80}
	}
	reliable, unreliable := rel(10, 0.9, 0), rel(10, 0.5, 3.5)
	tests := []struct {
		name      string
		po        *backorder.PurchaseOrder
		r         backorder.Reliability
		reasons   []backorder.RiskReason
		predicted string
	}{
		{"on time, reliable supplier", open("2026-03-15"), reliable, nil, "2026-03-15"},
		{"due today is not overdue", open("2026-03-10"), reliable, nil, "2026-03-10"},
		{"overdue, reliable supplier", open("2026-03-07"), reliable,
			[]backorder.RiskReason{{Code: backorder.RiskOverdue, DaysOverdue: 3}}, "2026-03-10"},
		{"unreliable supplier, due later", open("2026-03-15"), unreliable,
			[]backorder.RiskReason{{Code: backorder.RiskSupplierLate, ExpectedLatenessDays: 4, OnTimeShare: ptr(0.5), Sample: 10}}, "2026-03-19"},
		{"overdue and unreliable", open("2026-03-08"), unreliable,
			[]backorder.RiskReason{{Code: backorder.RiskOverdue, DaysOverdue: 2}, {Code: backorder.RiskSupplierLate, ExpectedLatenessDays: 4, OnTimeShare: ptr(0.5), Sample: 10}}, "2026-03-12"},
		{"late supplier with too little history", open("2026-03-15"), rel(backorder.MinReliabilitySample-1, 0, 9), nil, "2026-03-15"},
		{"received in full", &backorder.PurchaseOrder{Status: backorder.POOpen, ExpectedAt: "2026-03-01",
			Lines: []backorder.POLine{{SKU: "A", Quantity: 3, Received: 3}}}, unreliable, nil, ""},
		{"cancelled", &backorder.PurchaseOrder{Status: backorder.POCancelled, ExpectedAt: "2026-03-01",
			Lines: []backorder.POLine{{SKU: "A", Quantity: 3}}}, unreliable, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reasons, predicted := backorder.AssessPO(tt.po, tt.r, today)
			if !reflect.DeepEqual(reasons, tt.reasons) || predicted != tt.predicted {
				t.Fatalf("AssessPO=%+v %q, want %+v %q", reasons, predicted, tt.reasons, tt.predicted)
			}
		})
	}
}

func TestAtRiskRankAndPage(t *testing.T) {
	po := func(id int64, expected string) *backorder.PurchaseOrder {
		return &backorder.PurchaseOrder{ID: id, Status: backorder.POOpen, ExpectedAt: expected, Lines: []backorder.POLine{{SKU: "A", Quantity: 50}}}
	}
	waiting := []backorder.WaitingOnPO{
		{PurchaseOrderID: 1, OrderID: "o1", LineID: 11, SKU: "A", Backordered: 2, PriceCents: 500},
		{PurchaseOrderID: 1, OrderID: "o2", LineID: 21, SKU: "A", Backordered: 1, PriceCents: 500},
		{PurchaseOrderID: 1, OrderID: "o1", LineID: 10, SKU: "B", Backordered: 1, PriceCents: 1000},
		{PurchaseOrderID: 2, OrderID: "o3", LineID: 30, SKU: "A", Backordered: 5, PriceCents: 500},
		{PurchaseOrderID: 3, OrderID: "o4", LineID: 40, SKU: "A", Backordered: 5, PriceCents: 500},
	}
	overdue := []backorder.RiskReason{{Code: backorder.RiskOverdue, DaysOverdue: 1}}
	a1 := backorder.AtRisk(po(1, "2026-03-01"), overdue, "2026-03-10", waiting)
	want1 := backorder.AtRiskPO{PurchaseOrderID: 1, ExpectedAt: "2026-03-01", PredictedArrival: "2026-03-10", OpenUnits: 50, Reasons: overdue,
		BackorderValueCents: 2500, WaitingUnits: 4, WaitingLines: 3, OrderCount: 2,
		Orders: []backorder.AffectedOrder{
			{OrderID: "o1", Units: 3, ValueCents: 2000, Lines: []backorder.AffectedLine{{LineID: 10, SKU: "B", Units: 1, ValueCents: 1000}, {LineID: 11, SKU: "A", Units: 2, ValueCents: 1000}}},
			{OrderID: "o2", Units: 1, ValueCents: 500, Lines: []backorder.AffectedLine{{LineID: 21, SKU: "A", Units: 1, ValueCents: 500}}},
		}}
	if !reflect.DeepEqual(a1, want1) {
		t.Fatalf("AtRisk=%+v,\nwant %+v", a1, want1)
	}
	// 1, 2 and 3 tie on value (2500): the earlier expected date first; 4 and 5
	// tie on value (none) and date: the lower ID first.
	as := []backorder.AtRiskPO{
		backorder.AtRisk(po(5, "2026-03-01"), overdue, "", nil),
		backorder.AtRisk(po(3, "2026-03-02"), overdue, "", waiting),
		backorder.AtRisk(po(4, "2026-03-01"), overdue, "", nil),
		backorder.AtRisk(po(2, "2026-03-05"), overdue, "", waiting),
		a1,
	}
	backorder.RankAtRisk(as)
	var ids []int64
	for _, a := range as {
		ids = append(ids, a.PurchaseOrderID)
	}
	if !reflect.DeepEqual(ids, []int64{1, 3, 2, 4, 5}) {
		t.Fatalf("ranked %v, want [1 3 2 4 5]", ids)
	}
	page, next := backorder.AtRiskPage(as, nil, 2)
	if len(page) != 2 || page[1].PurchaseOrderID != 3 || next == nil || next.String() != "2500:2026-03-02:3" {
		t.Fatalf("page 1: %d entries, next %v", len(page), next)
	}
	c, err := backorder.ParseAtRiskCursor(next.String())
	if err != nil || c != *next {
		t.Fatalf("ParseAtRiskCursor(%s)=%v, %v", next, c, err)
	}
	// The cursor's entry has gone meanwhile: the page starts after its place.
	page, next = backorder.AtRiskPage(append(as[:1:1], as[2:]...), &c, 2)
	if len(page) != 2 || page[0].PurchaseOrderID != 2 || page[1].PurchaseOrderID != 4 || next == nil {
		t.Fatalf("page 2: %+v, next %v", page, next)
	}
	page, next = backorder.AtRiskPage(as, next, 2)
	if len(page) != 1 || page[0].PurchaseOrderID != 5 || next != nil {
		t.Fatalf("page 3: %+v, next %v", page, next)
	}
	for _, s := range []string{"", "1:2", "x:2026-01-01:1", "1:2026-13-01:1", "1:2026-01-01:0"} {
		if _, err := backorder.ParseAtRiskCursor(s); backorder.ErrorCode(err) != backorder.EINVALID {
			t.Fatalf("ParseAtRiskCursor(%q): err=%v, want EINVALID", s, err)
		}
	}
}

func TestAtRiskBoundsOrders(t *testing.T) {
	var waiting []backorder.WaitingOnPO
	for i := range backorder.MaxAffectedOrders + 5 {
		waiting = append(waiting, backorder.WaitingOnPO{PurchaseOrderID: 1, OrderID: string(rune('a' + i)), LineID: int64(i + 1), SKU: "A", Backordered: 1, PriceCents: 100})
	}
	a := backorder.AtRisk(&backorder.PurchaseOrder{ID: 1}, nil, "", waiting)
	if a.OrderCount != int64(len(waiting)) || len(a.Orders) != backorder.MaxAffectedOrders || a.Orders[0].OrderID != "a" || a.WaitingUnits != int64(len(waiting)) {
		t.Fatalf("order_count=%d, %d listed (first %s), want %d counted and %d listed", a.OrderCount, len(a.Orders), a.Orders[0].OrderID, len(waiting), backorder.MaxAffectedOrders)
	}
}
