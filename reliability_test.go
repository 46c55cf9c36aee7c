package backorder_test

import (
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestSupplierReliability(t *testing.T) {
	at := func(date string) time.Time {
		d, _ := time.Parse(backorder.DateLayout, date)
		return d.Add(15 * time.Hour)
	}
	po := func(promised string, moves []string, lines []backorder.POLine, deliveries ...backorder.PODelivery) *backorder.PurchaseOrder {
		p := &backorder.PurchaseOrder{ExpectedAt: promised, Lines: lines, Deliveries: deliveries}
		for _, m := range moves {
			p.DateChanges = append(p.DateChanges, backorder.PODateChange{From: p.ExpectedAt, To: m})
			p.ExpectedAt = m
		}
		return p
	}
	line := func(sku string, q int64) backorder.POLine { return backorder.POLine{SKU: sku, Quantity: q} }
	deliver := func(date, sku string, q int64) backorder.PODelivery {
		return backorder.PODelivery{At: at(date), SKU: sku, Quantity: q}
	}
	pos := []*backorder.PurchaseOrder{
		// On time: the day promised.
		po("2026-02-20", nil, []backorder.POLine{line("A", 10)}, deliver("2026-02-20", "A", 10)),
		// Early counts as on time, 0 days late.
		po("2026-02-20", nil, []backorder.POLine{line("B", 5)}, deliver("2026-02-18", "B", 5)),
		// Moved from 02-20 to 03-01 and arriving then: late by 9 days from the
		// first promise. Its line completes with the second delivery.
		po("2026-02-20", []string{"2026-03-01"}, []backorder.POLine{line("C", 6)}, deliver("2026-02-25", "C", 2), deliver("2026-03-01", "C", 4)),
		// 3 days late; and a line never completed, which does not count.
		po("2026-02-10", nil, []backorder.POLine{line("D", 4), line("E", 9)}, deliver("2026-02-13", "D", 5), deliver("2026-02-13", "E", 1)),
	}
	r := backorder.SupplierReliability(pos)
	if r.Sample != 4 || r.OnTimeShare == nil {
		t.Fatalf("reliability=%+v, want 4 lines", r)
	}
	// Lateness in days, sorted: 0, 0, 3, 9.
	if *r.OnTimeShare != 0.5 || *r.MeanLatenessDays != 3 || *r.P80LatenessDays != 9 {
		t.Fatalf("on time %v, mean %v, p80 %v; want 0.5, 3, 9", *r.OnTimeShare, *r.MeanLatenessDays, *r.P80LatenessDays)
	}
	if r := backorder.SupplierReliability(nil); r.Sample != 0 || r.OnTimeShare != nil || r.P80LatenessDays != nil {
		t.Fatalf("no history: %+v, want no figures", r)
	}
}
