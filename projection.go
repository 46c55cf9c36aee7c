package backorder

import "time"

// PromiseCount is, for one SKU, its waiting lines and units (backordered),
// and those of them promised to ship on or before a date (Tx.Promised).
type PromiseCount struct {
	SKU     string
	Lines   int64
	Units   int64
	LinesBy int64
	UnitsBy int64
}

// Projection is the share of current backorders expected to ship within a
// number of days, by their promise dates: the source document's "Expected
// fulfillment: 80% within 7 days".
type Projection struct {
	Days        int    `json:"days"`
	By          string `json:"by"`
	Lines       int64  `json:"lines"`
	LinesWithin int64  `json:"lines_within"`
	Units       int64  `json:"units"`
	UnitsWithin int64  `json:"units_within"`
	// Share is LinesWithin / Lines (0–1), and UnitsShare the same of
	// units; both are null with nothing waiting.
	Share      *float64 `json:"share"`
	UnitsShare *float64 `json:"units_share"`
}

// SKUProjection is a Projection of one SKU.
type SKUProjection struct {
	SKU string `json:"sku"`
	Projection
}

// ProjectionHorizon is the last date a projection over days counts: a
// line promised on or before it is expected within the days.
func ProjectionHorizon(today time.Time, days int) string { return addDays(today, days) }

// Project sums per-SKU promise counts into a projection, shop-wide and per
// SKU, over days ending on the date by.
func Project(counts []PromiseCount, days int, by string) (Projection, []SKUProjection) {
	total := Projection{Days: days, By: by}
	per := make([]SKUProjection, 0, len(counts))
	for _, c := range counts {
		p := Projection{Days: days, By: by, Lines: c.Lines, LinesWithin: c.LinesBy, Units: c.Units, UnitsWithin: c.UnitsBy}
		p.shares()
		per = append(per, SKUProjection{SKU: c.SKU, Projection: p})
		total.Lines += c.Lines
		total.LinesWithin += c.LinesBy
		total.Units += c.Units
		total.UnitsWithin += c.UnitsBy
	}
	total.shares()
	return total, per
}

func (p *Projection) shares() {
	p.Share, p.UnitsShare = ratio(p.LinesWithin, p.Lines), ratio(p.UnitsWithin, p.Units)
}

func ratio(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	r := float64(a) / float64(b)
	return &r
}
