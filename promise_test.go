package backorder_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

var promiseToday = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)

func etaOf(date, basis string, po int64) backorder.ETA {
	return backorder.ETA{Date: date, Basis: basis, PurchaseOrderID: po}
}

// TestPromiser: a pre-order's release date holds its promise back; the
// promiser goes on where the last line left it; Exhausted says whether the
// supply ran out.
func TestPromiser(t *testing.T) {
	lead := 10
	plan := backorder.SupplyPlan{
		Inbound:      []backorder.Inbound{{PurchaseOrderID: 1, ExpectedAt: "2026-02-10", Units: 3}},
		LeadTimeDays: &lead, HandlingDays: 1,
	}
	p := backorder.NewPromiser(plan, promiseToday)
	steps := []struct {
		units     int64
		release   string
		want      backorder.ETA
		exhausted bool
	}{
		{1, "", etaOf("2026-02-11", backorder.BasisPurchaseOrder, 1), false},
		{1, "2026-03-01", etaOf("2026-03-01", backorder.BasisPurchaseOrder, 1), false}, // released after the PO lands
		{1, "2026-02-05", etaOf("2026-02-11", backorder.BasisPurchaseOrder, 1), false}, // released before it: the PO's date
		{1, "", etaOf("2026-02-12", backorder.BasisLeadTime, 0), true},                 // past the supply: today +10 +1
	}
	for i, s := range steps {
		if got := p.Next(s.units, s.release); got != s.want || p.Exhausted() != s.exhausted {
			t.Fatalf("step %d: %+v exhausted=%v, want %+v exhausted=%v", i, got, p.Exhausted(), s.want, s.exhausted)
		}
	}
}

// TestPromiseMoves: the promise of each line as the queue and its supply
// change, as redate walks it: a late PO, a partial receipt, a priority rule
// moving a line ahead, a cancellation moving the lines behind it up.
func TestPromiseMoves(t *testing.T) {
	lead := 20
	plan := func(available int64, inbound ...backorder.Inbound) backorder.SupplyPlan {
		return backorder.SupplyPlan{Inbound: inbound, Available: available, LeadTimeDays: &lead}
	}
	po1 := backorder.Inbound{PurchaseOrderID: 1, ExpectedAt: "2026-02-10", Units: 4}
	po2 := backorder.Inbound{PurchaseOrderID: 2, ExpectedAt: "2026-02-20", Units: 4}
	at := func(sec int) time.Time { return promiseToday.Add(time.Duration(sec) * time.Second) }
	entry := func(id string, sec int, vip bool, units int64) backorder.QueueEntry {
		return backorder.QueueEntry{
			Order: &backorder.Order{ID: id, AcceptedAt: at(sec), Customer: backorder.Customer{ID: id, VIP: vip}, Shipping: backorder.ShippingStandard},
			Line:  &backorder.Line{ID: int64(sec), SKU: "S", Backordered: units},
		}
	}
	fifo := backorder.DefaultSettings()
	vip := backorder.DefaultSettings()
	vip.Priority.VIP.Enabled = true
	a, b, c := entry("A", 1, false, 3), entry("B", 2, false, 3), entry("C", 3, true, 3)
	dates := func(s *backorder.Settings, sp backorder.SupplyPlan, q ...backorder.QueueEntry) string {
		p := backorder.NewPromiser(sp, promiseToday)
		var out []string
		for _, r := range backorder.FillOrder(q, s, promiseToday) {
			e := p.Next(r.Line.Backordered, "")
			out = append(out, fmt.Sprintf("%s:%s/%s%d", r.Order.ID, e.Date, e.Basis, e.PurchaseOrderID))
		}
		return fmt.Sprint(out)
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"SeveralPOs", dates(&fifo, plan(0, po2, po1), a, b, c),
			"[A:2026-02-10/purchase_order1 B:2026-02-20/purchase_order2 C:2026-02-21/lead_time0]"},
		{"LatePOFromToday", dates(&fifo, plan(0, backorder.Inbound{PurchaseOrderID: 1, ExpectedAt: "2026-01-15", Units: 9}), a, b),
			"[A:2026-02-01/purchase_order1 B:2026-02-01/purchase_order1]"},
		// 3 of PO-1's 4 arrived: 3 on hand, 1 still due.
		{"PartialReceipt", dates(&fifo, plan(3, backorder.Inbound{PurchaseOrderID: 1, ExpectedAt: "2026-02-10", Units: 1}, po2), a, b, c),
			"[A:2026-02-01/purchase_order0 B:2026-02-20/purchase_order2 C:2026-02-21/lead_time0]"},
		{"PriorityMovesALineAhead", dates(&vip, plan(0, po1, po2), a, b, c),
			"[C:2026-02-10/purchase_order1 A:2026-02-20/purchase_order2 B:2026-02-21/lead_time0]"},
		{"CancellationMovesLinesUp", dates(&fifo, plan(0, po1, po2), b, c),
			"[B:2026-02-10/purchase_order1 C:2026-02-20/purchase_order2]"},
		{"LeadTimeOnly", dates(&fifo, plan(0), a), "[A:2026-02-21/lead_time0]"},
		{"None", dates(&fifo, backorder.SupplyPlan{}, a), "[A:/none0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestRepromise(t *testing.T) {
	po := etaOf("2026-02-10", backorder.BasisPurchaseOrder, 1)
	lead := etaOf("2026-02-15", backorder.BasisLeadTime, 0)
	later := etaOf("2026-02-18", backorder.BasisLeadTime, 0)
	none := etaOf("", backorder.BasisNone, 0)
	tests := []struct {
		name     string
		had      *backorder.ETA
		computed backorder.ETA
		today    time.Time
		want     backorder.ETA
		changed  bool
	}{
		{"FirstPromise", nil, po, promiseToday, po, true},
		{"Unchanged", &po, po, promiseToday, po, false},
		{"POMoves", &po, etaOf("2026-02-12", backorder.BasisPurchaseOrder, 1), promiseToday, etaOf("2026-02-12", backorder.BasisPurchaseOrder, 1), true},
		{"LeadTimeStands", &lead, later, promiseToday, lead, false},
		{"LeadTimeStandsOnItsDay", &lead, later, time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC), lead, false},
		{"OverdueLeadTimeMoves", &lead, later, time.Date(2026, 2, 16, 0, 0, 0, 0, time.UTC), later, true},
		{"POCoversALeadTimeLine", &lead, po, promiseToday, po, true},
		{"POCancelled", &po, later, promiseToday, later, true},
		{"LeadTimeGone", &lead, none, promiseToday, none, true},
		{"SameDateOtherPO", &po, etaOf("2026-02-10", backorder.BasisPurchaseOrder, 2), promiseToday, etaOf("2026-02-10", backorder.BasisPurchaseOrder, 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := backorder.Repromise(tt.had, tt.computed, tt.today)
			if got != tt.want || changed != tt.changed {
				t.Fatalf("got %+v changed=%v, want %+v changed=%v", got, changed, tt.want, tt.changed)
			}
		})
	}
}

func TestOrderETA(t *testing.T) {
	early := etaOf("2026-02-10", backorder.BasisPurchaseOrder, 1)
	late := etaOf("2026-02-20", backorder.BasisLeadTime, 0)
	none := etaOf("", backorder.BasisNone, 0)
	line := func(back int64, e backorder.ETA) *backorder.Line {
		return &backorder.Line{Backordered: back, Allocated: 1, ETA: &e}
	}
	tests := []struct {
		name  string
		split string
		lines []*backorder.Line
		want  *backorder.ETA
	}{
		{"NothingWaits", backorder.SplitShipAvailable, []*backorder.Line{line(0, early)}, nil},
		{"ShipAvailableEarliest", backorder.SplitShipAvailable, []*backorder.Line{line(1, late), line(1, early)}, &early},
		{"ShipAvailableSkipsUnknown", backorder.SplitShipAvailable, []*backorder.Line{line(1, none), line(1, late)}, &late},
		{"ShipAvailableOnlyUnknown", backorder.SplitShipAvailable, []*backorder.Line{line(1, none)}, &none},
		{"ShipCompleteLatest", backorder.SplitShipComplete, []*backorder.Line{line(1, early), line(1, late)}, &late},
		{"ShipCompleteUnknownWins", backorder.SplitShipComplete, []*backorder.Line{line(1, late), line(1, none), line(1, early)}, &none},
		{"FilledLineIgnored", backorder.SplitShipComplete, []*backorder.Line{line(0, late), line(1, early)}, &early},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backorder.OrderETA(&backorder.Order{SplitPolicy: tt.split, Lines: tt.lines})
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestProject(t *testing.T) {
	by := backorder.ProjectionHorizon(promiseToday, 7)
	if by != "2026-02-08" {
		t.Fatalf("horizon %s", by)
	}
	shop, per := backorder.Project([]backorder.PromiseCount{
		{SKU: "A", Lines: 4, Units: 10, LinesBy: 3, UnitsBy: 4},
		{SKU: "B", Lines: 1, Units: 5},
	}, 7, by)
	share := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%.2f", *p)
	}
	if got := fmt.Sprintf("%d/%d %d/%d %s %s", shop.LinesWithin, shop.Lines, shop.UnitsWithin, shop.Units, share(shop.Share), share(shop.UnitsShare)); got != "3/5 4/15 0.60 0.27" {
		t.Fatalf("shop: %s", got)
	}
	if len(per) != 2 || share(per[0].Share) != "0.75" || share(per[1].Share) != "0.00" || per[1].By != by || per[0].Days != 7 {
		t.Fatalf("per SKU: %+v", per)
	}
	if empty, per := backorder.Project(nil, 7, by); empty.Share != nil || empty.UnitsShare != nil || len(per) != 0 {
		t.Fatalf("nothing waiting: %+v %+v", empty, per)
	}
}
