package backorder

import (
	"math"
	"time"
)

// Forecast windows: the days of order history a demand rate is taken over.
const (
	DefaultForecastDays = 28
	MaxForecastDays     = 365
)

// The sources of the lead time a forecast uses.
const (
	LeadTimeFromProduct  = "product"  // the product's own lead_time_days
	LeadTimeFromSupplier = "supplier" // its supplier's default lead time
	LeadTimeUnknown      = "none"     // neither: the suggestion only clears the queue
)

// The stock-out states of a forecast.
const (
	StockOutProjected = "projected"   // demand uses the available units up on stock_out_date
	StockOutNow       = "stocked_out" // nothing is available now
	StockOutNoDemand  = "no_demand"   // units are available and nothing was ordered in the window
)

// ForecastInput is what a SKU's forecast is computed from.
type ForecastInput struct {
	SKU   string
	Days  int   // the window, in days up to now
	Units int64 // units ordered in the window (Tx.Demand)
	Stock Stock
	// Inbound is the units still open on purchase orders.
	Inbound int64
	// LeadTimeDays is the days a replenishment takes (nil: unknown), from
	// LeadTimeSource; BufferDays the supplier's margin (BufferDays).
	LeadTimeDays   *int
	LeadTimeSource string
	BufferDays     int
	Today          time.Time
}

// Forecast is a SKU's demand, cover and suggested replenishment.
type Forecast struct {
	SKU  string `json:"sku"`
	Days int    `json:"days"`
	// Since is the first day of the window.
	Since        string  `json:"since"`
	UnitsOrdered int64   `json:"units_ordered"`
	DailyRate    float64 `json:"daily_rate"`
	OnHand       int64   `json:"on_hand"`
	Available    int64   `json:"available"`
	Backordered  int64   `json:"backordered"`
	Inbound      int64   `json:"inbound"`
	// DaysOfCover is Available ÷ DailyRate; null when the rate is 0.
	DaysOfCover *float64 `json:"days_of_cover"`
	// StockOut is projected, stocked_out or no_demand; StockOutDate is set
	// only when projected: today plus the whole days of cover.
	StockOut     string  `json:"stock_out"`
	StockOutDate *string `json:"stock_out_date"`
	// SuggestedOrder is the units to order now (SuggestOrder), never
	// negative; CoverDays is LeadTimeDays + BufferDays, the demand it covers.
	SuggestedOrder int64  `json:"suggested_order"`
	LeadTimeDays   *int   `json:"lead_time_days"`
	LeadTimeSource string `json:"lead_time_source"`
	BufferDays     int    `json:"buffer_days"`
	CoverDays      int    `json:"cover_days"`
	DemandOverLead int64  `json:"demand_over_lead_time"`
}

// ForecastSince is the first instant of a window of days ending today: the
// start of the day days-1 before today, so the window holds today and the
// days-1 days before it.
func ForecastSince(today time.Time, days int) time.Time { return today.AddDate(0, 0, -(days - 1)) }

// ValidateForecastDays checks a forecast window: 1–MaxForecastDays.
func ValidateForecastDays(days int) error {
	if days < 1 || days > MaxForecastDays {
		return FieldErrorf(EINVALID, "days", "days must be between 1 and %d.", MaxForecastDays)
	}
	return nil
}

// ForecastSKU computes a SKU's forecast:
//   - the daily rate is the units ordered in the window over its days;
//   - days of cover are the available units over that rate (null at rate 0);
//   - the stock-out date is today plus the whole days of cover, when units
//     are available and the rate is above 0; stocked_out when none are
//     available, no_demand when the rate is 0;
//   - the suggested order is SuggestOrder.
func ForecastSKU(in ForecastInput) Forecast {
	avail := max(in.Stock.Available(), 0)
	f := Forecast{
		SKU: in.SKU, Days: in.Days, Since: ForecastSince(in.Today, in.Days).Format(DateLayout),
		UnitsOrdered: in.Units, OnHand: in.Stock.OnHand, Available: avail, Backordered: in.Stock.Backordered,
		Inbound: in.Inbound, LeadTimeDays: in.LeadTimeDays, LeadTimeSource: in.LeadTimeSource,
	}
	if in.Days > 0 {
		f.DailyRate = float64(in.Units) / float64(in.Days)
	}
	switch {
	case avail == 0:
		f.StockOut = StockOutNow
	case f.DailyRate == 0:
		f.StockOut = StockOutNoDemand
	default:
		f.StockOut = StockOutProjected
	}
	if f.DailyRate > 0 {
		// avail × days ÷ units is avail ÷ rate without the rounding of the rate.
		cover := float64(avail) * float64(in.Days) / float64(in.Units)
		f.DaysOfCover = &cover
		if avail > 0 {
			d := in.Today.AddDate(0, 0, int(math.Floor(cover))).Format(DateLayout)
			f.StockOutDate = &d
		}
	}
	if in.LeadTimeDays != nil {
		f.BufferDays = in.BufferDays
		f.CoverDays = *in.LeadTimeDays + in.BufferDays
	}
	f.DemandOverLead = int64(math.Ceil(f.DailyRate * float64(f.CoverDays)))
	f.SuggestedOrder = SuggestOrder(in.Stock.Backordered, f.DemandOverLead, in.Inbound, avail)
	return f
}

// SuggestOrder is the units to order now: those waiting, plus the demand
// expected over the lead time and buffer, less what is inbound and
// available; never negative. With the lead time unknown the caller passes
// no demand, and the suggestion only clears the queue.
func SuggestOrder(backordered, demandOverLead, inbound, available int64) int64 {
	return max(backordered+demandOverLead-inbound-available, 0)
}
