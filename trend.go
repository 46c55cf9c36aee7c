package backorder

// TrendDays bounds the days a backorder trend covers.
const TrendDays = 366

// TrendDay is one day of the shop's backorder trend, from the metrics
// aggregates: the orders accepted that day, those of them with a unit put
// on backorder, the units put on backorder, and the orders cancelled.
type TrendDay struct {
	Day              string `json:"day"`
	Orders           int64  `json:"orders"`
	Backordered      int64  `json:"backordered"`
	BackorderedUnits int64  `json:"backordered_units"`
	Cancelled        int64  `json:"cancelled"`
}

// TrendOf sums one day's counters, over every currency, into the day of
// the trend: the orders from the shop's rows (SKU ""), which count whole
// orders, and the units from the SKUs' rows, which count them.
func TrendOf(day string, rows []MetricDay) TrendDay {
	t := TrendDay{Day: day}
	for _, r := range rows {
		if r.SKU != "" {
			t.BackorderedUnits += r.BackorderedUnits
			continue
		}
		t.Orders += r.Orders
		t.Backordered += r.Backordered
		t.Cancelled += r.Cancelled
	}
	return t
}
