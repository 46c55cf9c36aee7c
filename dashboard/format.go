package dashboard

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/backorder/backorder"
)

// formatCents renders minor units as major units with thousands
// separators: 123456 is "1,234.56".
func formatCents(c int64) string {
	neg := c < 0
	if neg {
		c = -c
	}
	whole, frac := strconv.FormatInt(c/100, 10), c%100
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	b.WriteByte('.')
	if frac < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.FormatInt(frac, 10))
	return b.String()
}

// formatMoneys renders sums in several currencies: "1,234.56 USD · 9.00 EUR";
// "0.00" for none.
func formatMoneys(ms []backorder.Money) string {
	if len(ms) == 0 {
		return "0.00"
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = formatCents(m.Amount) + " " + m.Currency
	}
	return strings.Join(parts, " · ")
}

// percent renders a share (0–1) as a whole percentage; "–" for none.
func percent(share *float64) string {
	if share == nil {
		return "–"
	}
	return strconv.FormatFloat(*share*100, 'f', 0, 64) + "%"
}

// chart is a bar chart drawn on the server as SVG.
type chart struct {
	Width, Height int
	Bars          []bar
}

type bar struct {
	X, Y, W, H             int
	LabelX, LabelY, CountY int
	Label                  string
	Title                  string // the bar's tooltip, when it says more than its label
	Count                  int64
}

// agingChart draws the aging histogram: one bar per age bucket, its height
// proportional to the lines waiting in it.
func agingChart(buckets []backorder.AgeBucket) chart {
	return barChart(len(buckets), func(i int) bar {
		b := buckets[i]
		label := strconv.Itoa(b.FromDays) + "–" + strconv.Itoa(b.ToDays-1)
		if b.ToDays == 0 {
			label = strconv.Itoa(b.FromDays) + "+"
		}
		return bar{Label: label, Count: b.Lines}
	})
}

// trendChart draws the backorder trend: one bar per day, its height
// proportional to the orders accepted that day with a unit put on
// backorder; every seventh day and the last are labelled with their date.
func trendChart(days []backorder.TrendDay) chart {
	return barChart(len(days), func(i int) bar {
		d := days[i]
		b := bar{
			Title: fmt.Sprintf("%s: %d of %d orders backordered, %d units, %d cancelled", d.Day, d.Backordered, d.Orders, d.BackorderedUnits, d.Cancelled),
			Count: d.Backordered,
		}
		if (len(days)-1-i)%7 == 0 && len(d.Day) == len("2006-01-02") {
			b.Label = d.Day[5:] // MM-DD
		}
		return b
	})
}

// barChart lays out n bars side by side, each with the label, title and
// count that nth(i) gives, their heights proportional to their counts.
func barChart(n int, nth func(i int) bar) chart {
	const width, height, top, bottom = 600, 220, 20, 30
	c := chart{Width: width, Height: height}
	bars := make([]bar, n)
	var most int64
	for i := range bars {
		bars[i] = nth(i)
		most = max(most, bars[i].Count)
	}
	slot := width / max(n, 1)
	for _, b := range bars {
		h := 0
		if most > 0 {
			h = int(b.Count * int64(height-top-bottom) / most)
		}
		x := len(c.Bars)*slot + slot/8
		b.X, b.Y, b.W, b.H = x, height-bottom-h, max(slot*3/4, 1), h
		b.LabelX, b.LabelY, b.CountY = x+slot*3/8, height-bottom+16, height-bottom-h-5
		c.Bars = append(c.Bars, b)
	}
	return c
}
