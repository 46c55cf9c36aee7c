package backorder_test

import (
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// TestDecideSplit: each threshold on both sides. The order is worth 10 000
// (two lines of 5 000); the rest waits on line 2. Defaults: 7 days, a
// shipment of 500, less than 10 %.
func TestDecideSplit(t *testing.T) {
	day := time.Date(2026, 3, 1, 15, 30, 0, 0, time.UTC) // the time of day does not count
	eta := func(date string) *backorder.ETA {
		if date == "" {
			return &backorder.ETA{Basis: backorder.BasisNone, Reason: "no supply"}
		}
		return &backorder.ETA{Date: date, Basis: backorder.BasisLeadTime}
	}
	order := func(e *backorder.ETA, price int64) *backorder.Order {
		return &backorder.Order{ID: "O", SplitPolicy: backorder.SplitAuto, Lines: []*backorder.Line{
			{ID: 1, SKU: "A", Quantity: 1, Allocated: 1, PriceCents: price},
			{ID: 2, SKU: "B", Quantity: 1, Backordered: 1, PriceCents: price, ETA: e},
		}}
	}
	def := backorder.AutoSplitSettings{}.Thresholds()
	for _, tt := range []struct {
		name       string
		o          *backorder.Order
		t          backorder.AutoThresholds
		choice     string
		reason     string
		restETA    string
		valueCents int64
	}{
		{"WaitExactlyNDays", order(eta("2026-03-08"), 5000), def, backorder.SplitShipComplete, backorder.AutoWaitShort, "2026-03-08", 10000},
		{"WaitNPlus1Days", order(eta("2026-03-09"), 5000), def, backorder.SplitShipAvailable, backorder.AutoShipNow, "2026-03-09", 10000},
		{"WaitToday", order(eta("2026-03-01"), 5000), def, backorder.SplitShipComplete, backorder.AutoWaitShort, "2026-03-01", 10000},
		{"UnknownDate", order(eta(""), 5000), def, backorder.SplitShipAvailable, backorder.AutoShipNow, "", 10000},
		{"NeverDated", order(nil, 5000), def, backorder.SplitShipAvailable, backorder.AutoShipNow, "", 10000},
		// 500 against 10 % of the value: 4 999 (just under), 5 000 (equal), 5 001 (over).
		{"CostBelowShare", order(eta("2026-04-01"), 2501), def, backorder.SplitShipAvailable, backorder.AutoShipNow, "2026-04-01", 5002},
		{"CostEqualsShare", order(eta("2026-04-01"), 2500), def, backorder.SplitShipComplete, backorder.AutoShipmentCost, "2026-04-01", 5000},
		{"CostAboveShare", order(eta("2026-04-01"), 2499), def, backorder.SplitShipComplete, backorder.AutoShipmentCost, "2026-04-01", 4998},
		{"UnknownDateCostly", order(nil, 100), def, backorder.SplitShipComplete, backorder.AutoShipmentCost, "", 200},
		{"FreeShipping", order(eta("2026-04-01"), 1), backorder.AutoThresholds{WaitDays: 7, ShipmentCostCents: 0, MaxCostPercent: 10}, backorder.SplitShipAvailable, backorder.AutoShipNow, "2026-04-01", 2},
		{"ZeroPercentNeverSplits", order(eta("2026-04-01"), 5000), backorder.AutoThresholds{WaitDays: 7, ShipmentCostCents: 0, MaxCostPercent: 0}, backorder.SplitShipComplete, backorder.AutoShipmentCost, "2026-04-01", 10000},
		{"ZeroWaitDays", order(eta("2026-03-02"), 5000), backorder.AutoThresholds{WaitDays: 0, ShipmentCostCents: 500, MaxCostPercent: 10}, backorder.SplitShipAvailable, backorder.AutoShipNow, "2026-03-02", 10000},
		{"NothingWaits", &backorder.Order{Lines: []*backorder.Line{{ID: 1, Quantity: 2, Allocated: 2, PriceCents: 10}}}, def, backorder.SplitShipAvailable, backorder.AutoNothingWaits, "", 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := backorder.DecideSplit(tt.o, tt.t, day)
			if d.Choice != tt.choice || d.Reason != tt.reason || d.RestETA != tt.restETA || d.ValueCents != tt.valueCents {
				t.Errorf("DecideSplit = %s/%s rest %q value %d; want %s/%s rest %q value %d (%s)", d.Choice, d.Reason, d.RestETA, d.ValueCents, tt.choice, tt.reason, tt.restETA, tt.valueCents, d.Message)
			}
			if d.Message == "" {
				t.Error("no message")
			}
		})
	}
}

// TestDecideSplit_LatestWaitingLine: the rest's date is the latest of the
// waiting lines; one line without a date makes it unknown; cancelled units
// do not count toward the value.
func TestDecideSplit_LatestWaitingLine(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	o := &backorder.Order{Lines: []*backorder.Line{
		{ID: 1, Quantity: 1, Allocated: 1, PriceCents: 10000},
		{ID: 2, Quantity: 1, Backordered: 1, PriceCents: 10000, ETA: &backorder.ETA{Date: "2026-03-03", Basis: backorder.BasisLeadTime}},
		{ID: 3, Quantity: 3, Backordered: 1, Cancelled: 2, PriceCents: 10000, ETA: &backorder.ETA{Date: "2026-03-20", Basis: backorder.BasisLeadTime}},
	}}
	def := backorder.AutoSplitSettings{}.Thresholds()
	if d := backorder.DecideSplit(o, def, day); d.RestETA != "2026-03-20" || d.Choice != backorder.SplitShipAvailable || d.ValueCents != 30000 {
		t.Fatalf("DecideSplit = %+v; want rest 2026-03-20, ship_available, value 30000", d)
	}
	o.Lines[1].ETA = nil
	if d := backorder.DecideSplit(o, def, day); d.RestETA != "" || d.Reason != backorder.AutoShipNow {
		t.Fatalf("DecideSplit with an undated line = %+v; want unknown date, wait_long_cheap", d)
	}
}

// TestAutoSplitSettings_Validate: each threshold out of range is refused,
// naming its field.
func TestAutoSplitSettings_Validate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		set   func(s *backorder.Settings)
		field string
	}{
		{"WaitDaysNegative", func(s *backorder.Settings) { s.AutoSplit.WaitDays = ptr(-1) }, "auto_split.wait_days"},
		{"WaitDaysTooMany", func(s *backorder.Settings) { s.AutoSplit.WaitDays = ptr(backorder.MaxAutoWaitDays + 1) }, "auto_split.wait_days"},
		{"CostNegative", func(s *backorder.Settings) { s.AutoSplit.ShipmentCostCents = ptr(int64(-1)) }, "auto_split.shipment_cost_cents"},
		{"PercentOver100", func(s *backorder.Settings) { s.AutoSplit.MaxCostPercent = ptr(101) }, "auto_split.max_cost_percent"},
		{"StaleAction", func(s *backorder.Settings) { s.Stale.Action = "delete" }, "stale.action"},
		{"StaleDays", func(s *backorder.Settings) { s.Stale.AfterDays = -1 }, "stale.after_days"},
		{"StaleNoPromiseDays", func(s *backorder.Settings) { s.Stale.NoPromiseDays = backorder.MaxStaleDays + 1 }, "stale.no_promise_days"},
		{"ReasonWithoutOther", func(s *backorder.Settings) { s.CancelReasons = []string{"price"} }, "cancel_reasons"},
		{"ReasonBadCode", func(s *backorder.Settings) { s.CancelReasons = []string{"other", "Too Slow"} }, "cancel_reasons[1]"},
		{"ReasonTwice", func(s *backorder.Settings) { s.CancelReasons = []string{"other", "price", "price"} }, "cancel_reasons[2]"},
		{"StaleCancelWithoutStaleCode", func(s *backorder.Settings) {
			s.Stale = backorder.StaleSettings{AfterDays: 30, Action: backorder.StaleCancel}
			s.CancelReasons = []string{"other"}
		}, "cancel_reasons"},
		{"SplitPolicyUnknown", func(s *backorder.Settings) { s.Defaults.SplitPolicy = "sometimes" }, "defaults.split_policy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := backorder.DefaultSettings()
			tt.set(&s)
			err := s.Validate()
			if backorder.ErrorCode(err) != backorder.EINVALID || backorder.AsError(err).Field != tt.field {
				t.Fatalf("Validate() = %v; want EINVALID on %s", err, tt.field)
			}
		})
	}
	s := backorder.DefaultSettings()
	s.Defaults.SplitPolicy = backorder.SplitAuto
	s.Stale = backorder.StaleSettings{AfterDays: 30, NoPromiseDays: 10, Action: backorder.StaleCancel}
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate() of auto, stale cancel = %v; want nil", err)
	}
}
