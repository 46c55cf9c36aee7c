package backorder

import (
	"context"
	"slices"
	"time"
)

// BacklogDay is what waits of one SKU from the orders accepted on one UTC
// day, in one currency (Tx.Backlog): the waiting lines, their backordered
// units, those units' value at the line prices, and the earliest acceptance.
type BacklogDay struct {
	SKU        string
	Currency   string
	Day        string // YYYY-MM-DD, UTC
	Lines      int64
	Units      int64
	ValueCents int64
	Oldest     time.Time
}

// BacklogTx is the store's read of the waiting lines, summed per SKU and day.
type BacklogTx interface {
	// Backlog sums the waiting lines (backordered > 0) per SKU, currency
	// and UTC day of acceptance, in SKU, currency, day order.
	Backlog(ctx context.Context) ([]BacklogDay, error)
}

// Tracking is the source document's tracking dashboard: the current
// backorders, the oldest, the share expected within a week, and the total
// value waiting.
type Tracking struct {
	Lines int64 `json:"lines"`
	Units int64 `json:"units"`
	// Oldest is when the longest-waiting line's order was accepted, and
	// OldestDays its age in whole days; nil with nothing waiting.
	Oldest     *time.Time `json:"oldest,omitempty"`
	OldestDays int        `json:"oldest_days"`
	// Within is the projection over TrackingDays (its Share is of lines).
	Within Projection `json:"within"`
	// Value is the value waiting, one sum per currency, in currency order.
	Value []Money `json:"value"`
	// Aging counts the waiting lines and units by age (AgingBuckets).
	Aging []AgeBucket `json:"aging"`
	// SKUs is the backlog per SKU, most units first.
	SKUs []SKUBacklog `json:"skus"`
}

// SKUBacklog is one SKU's share of the backlog.
type SKUBacklog struct {
	SKU        string    `json:"sku"`
	Lines      int64     `json:"lines"`
	Units      int64     `json:"units"`
	Value      []Money   `json:"value"`
	Oldest     time.Time `json:"oldest"`
	OldestDays int       `json:"oldest_days"`
}

// AgeBucket is the waiting lines aged at least FromDays and less than
// ToDays (0: no upper bound) whole days.
type AgeBucket struct {
	FromDays int   `json:"from_days"`
	ToDays   int   `json:"to_days"`
	Lines    int64 `json:"lines"`
	Units    int64 `json:"units"`
}

// TrackingDays is the window of the tracking dashboard's "expected within".
const TrackingDays = 7

// AgingBuckets are the lower bounds, in days, of the aging histogram's bars.
var AgingBuckets = []int{0, 3, 7, 14, 30, 60}

// AgeDays is the whole days from a day (YYYY-MM-DD) to now's UTC day; 0 for
// a day not in that shape or not before today.
func AgeDays(day string, now time.Time) int {
	d, err := time.Parse(DateLayout, day)
	if err != nil {
		return 0
	}
	return max(int(today(now).Sub(d)/(24*time.Hour)), 0)
}

// Track computes the tracking figures from the backlog and the projection
// over TrackingDays.
func Track(days []BacklogDay, within Projection, now time.Time) *Tracking {
	t := &Tracking{Within: within, Value: []Money{}, SKUs: []SKUBacklog{}}
	for i, from := range AgingBuckets {
		b := AgeBucket{FromDays: from}
		if i+1 < len(AgingBuckets) {
			b.ToDays = AgingBuckets[i+1]
		}
		t.Aging = append(t.Aging, b)
	}
	per := map[string]*SKUBacklog{}
	for _, d := range days {
		t.Lines += d.Lines
		t.Units += d.Units
		t.Value = addMoney(t.Value, Money{Amount: d.ValueCents, Currency: d.Currency})
		if t.Oldest == nil || d.Oldest.Before(*t.Oldest) {
			o := d.Oldest
			t.Oldest = &o
		}
		age := AgeDays(d.Day, now)
		for i := len(t.Aging) - 1; i >= 0; i-- {
			if age >= t.Aging[i].FromDays {
				t.Aging[i].Lines += d.Lines
				t.Aging[i].Units += d.Units
				break
			}
		}
		s := per[d.SKU]
		if s == nil {
			s = &SKUBacklog{SKU: d.SKU, Value: []Money{}, Oldest: d.Oldest}
			per[d.SKU] = s
		}
		s.Lines += d.Lines
		s.Units += d.Units
		s.Value = addMoney(s.Value, Money{Amount: d.ValueCents, Currency: d.Currency})
		if d.Oldest.Before(s.Oldest) {
			s.Oldest = d.Oldest
		}
	}
	if t.Oldest != nil {
		t.OldestDays = AgeDays(t.Oldest.UTC().Format(DateLayout), now)
	}
	for _, s := range per {
		s.OldestDays = AgeDays(s.Oldest.UTC().Format(DateLayout), now)
		t.SKUs = append(t.SKUs, *s)
	}
	slices.SortFunc(t.SKUs, func(a, b SKUBacklog) int {
		if a.Units != b.Units {
			if a.Units > b.Units {
				return -1
			}
			return 1
		}
		if a.SKU < b.SKU {
			return -1
		}
		return 1
	})
	return t
}

// addMoney adds m to the sum of its currency in sums, kept in currency order.
func addMoney(sums []Money, m Money) []Money {
	i, found := slices.BinarySearchFunc(sums, m.Currency, func(a Money, c string) int {
		switch {
		case a.Currency < c:
			return -1
		case a.Currency > c:
			return 1
		}
		return 0
	})
	if found {
		sums[i].Amount += m.Amount
		return sums
	}
	return slices.Insert(sums, i, m)
}
