package backorder

import (
	"math"
	"slices"
	"time"
)

// Reliability is how a supplier kept its promises: over every purchase order
// line it delivered in full, the share that arrived by the date first
// promised, and how many days late they were (early counts as 0). The
// figures are absent while nothing has arrived in full.
type Reliability struct {
	Sample           int      `json:"sample"`
	OnTimeShare      *float64 `json:"on_time_share"`
	MeanLatenessDays *float64 `json:"mean_lateness_days"`
	P80LatenessDays  *float64 `json:"p80_lateness_days"`

	lateness []float64 // each line's days late, in order
}

// LatenessPercentile is the days late that q percent (1–100) of the lines
// came within, by nearest rank; nil while nothing has arrived in full.
func (r Reliability) LatenessPercentile(q int) *float64 {
	if len(r.lateness) == 0 {
		return nil
	}
	v := r.lateness[max(int(math.Ceil(float64(q)/100*float64(len(r.lateness))))-1, 0)]
	return &v
}

// SupplierReliability measures a supplier from its purchase orders. A line's
// arrival is the day of the delivery that completed it; its lateness is the
// days from the purchase order's first promised date (PromisedAt) to that
// day. The 80th percentile is the nearest rank.
func SupplierReliability(pos []*PurchaseOrder) Reliability {
	var late []float64
	for _, po := range pos {
		promised, err := time.Parse(DateLayout, po.PromisedAt())
		if err != nil {
			continue
		}
		for _, l := range po.Lines {
			var got int64
			for _, d := range po.Deliveries {
				if d.SKU != l.SKU {
					continue
				}
				got += d.Quantity
				if got >= l.Quantity {
					day, _ := time.Parse(DateLayout, d.At.UTC().Format(DateLayout))
					late = append(late, max(day.Sub(promised).Hours()/24, 0))
					break
				}
			}
		}
	}
	r := Reliability{Sample: len(late)}
	if len(late) == 0 {
		return r
	}
	slices.Sort(late)
	var onTime int
	var sum float64
	for _, d := range late {
		if d == 0 {
			onTime++
		}
		sum += d
	}
	share := float64(onTime) / float64(len(late))
	mean := sum / float64(len(late))
	r.lateness = late
	r.OnTimeShare, r.MeanLatenessDays, r.P80LatenessDays = &share, &mean, r.LatenessPercentile(80)
	return r
}
