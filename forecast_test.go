package backorder_test

import (
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestForecastSKU(t *testing.T) {
	today := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	days := func(n int) *int { return &n }
	date := func(s string) *string { return &s }
	tests := []struct {
		name string
		in   backorder.ForecastInput
		// want
		rate       float64
		cover      *float64
		stockOut   string
		date       *string
		coverDays  int
		demandLead int64
		suggest    int64
	}{
		{
			// 56 units over 28 days: 2 a day. 9 available last 4.5 days: out
			// on 03-05. Lead 10 + buffer 3 = 13 days: 26 units; + 4 waiting
			// - 5 inbound - 9 available = 16.
			name: "demand with a supplier lead time",
			in: backorder.ForecastInput{Days: 28, Units: 56, Stock: backorder.Stock{OnHand: 12, Allocated: 3, Backordered: 4},
				Inbound: 5, LeadTimeDays: days(10), LeadTimeSource: backorder.LeadTimeFromSupplier, BufferDays: 3},
			rate: 2, cover: ptr(4.5), stockOut: backorder.StockOutProjected, date: date("2026-03-05"),
			coverDays: 13, demandLead: 26, suggest: 16,
		},
		{
			name: "zero demand: no cover figure, nothing to order",
			in: backorder.ForecastInput{Days: 28, Units: 0, Stock: backorder.Stock{OnHand: 10},
				LeadTimeDays: days(7), LeadTimeSource: backorder.LeadTimeFromProduct, BufferDays: 3},
			stockOut: backorder.StockOutNoDemand, coverDays: 10,
		},
		{
			// Out of stock with 6 waiting and 2 inbound: cover 0, order the
			// 6 waiting + ceil(0.5 × 5) = 3, less 2 inbound = 7.
			name: "stocked out with a queue",
			in: backorder.ForecastInput{Days: 14, Units: 7, Stock: backorder.Stock{OnHand: 4, Allocated: 4, Backordered: 6},
				Inbound: 2, LeadTimeDays: days(5), LeadTimeSource: backorder.LeadTimeFromProduct},
			rate: 0.5, cover: ptr(0.0), stockOut: backorder.StockOutNow, coverDays: 5, demandLead: 3, suggest: 7,
		},
		{
			name: "no lead time: only the queue",
			in: backorder.ForecastInput{Days: 10, Units: 30, Stock: backorder.Stock{Backordered: 8},
				LeadTimeSource: backorder.LeadTimeUnknown, BufferDays: 3},
			rate: 3, cover: ptr(0.0), stockOut: backorder.StockOutNow, suggest: 8,
		},
		{
			name: "inbound beyond the need: never negative",
			in: backorder.ForecastInput{Days: 28, Units: 28, Stock: backorder.Stock{OnHand: 100},
				Inbound: 500, LeadTimeDays: days(30), LeadTimeSource: backorder.LeadTimeFromSupplier},
			rate: 1, cover: ptr(100.0), stockOut: backorder.StockOutProjected, date: date("2026-06-09"), coverDays: 30, demandLead: 30,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.SKU, tt.in.Today = "A", today
			f := backorder.ForecastSKU(tt.in)
			if f.DailyRate != tt.rate || f.StockOut != tt.stockOut || f.CoverDays != tt.coverDays ||
				f.DemandOverLead != tt.demandLead || f.SuggestedOrder != tt.suggest {
				t.Fatalf("forecast=%+v, want rate %v, stock_out %s, cover_days %d, demand %d, suggest %d",
					f, tt.rate, tt.stockOut, tt.coverDays, tt.demandLead, tt.suggest)
			}
			if (f.DaysOfCover == nil) != (tt.cover == nil) || (f.DaysOfCover != nil && *f.DaysOfCover != *tt.cover) {
				t.Fatalf("days_of_cover=%v, want %v", fmtPtr(f.DaysOfCover), fmtPtr(tt.cover))
			}
			if (f.StockOutDate == nil) != (tt.date == nil) || (f.StockOutDate != nil && *f.StockOutDate != *tt.date) {
				t.Fatalf("stock_out_date=%v, want %v", fmtPtr(f.StockOutDate), fmtPtr(tt.date))
			}
		})
	}
	if f := backorder.ForecastSKU(backorder.ForecastInput{Days: 28, Today: today}); f.Since != "2026-02-02" {
		t.Fatalf("since=%s, want 2026-02-02 (28 days ending 03-01)", f.Since)
	}
	for _, d := range []int{0, -1, 366} {
		if err := backorder.ValidateForecastDays(d); backorder.ErrorCode(err) != backorder.EINVALID {
			t.Fatalf("days %d: err=%v, want EINVALID", d, err)
		}
	}
}

func fmtPtr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
