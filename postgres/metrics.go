package postgres

import (
	"context"
	"fmt"

	"github.com/backorder/backorder"
)

// AddMetrics adds the counters to the stored rows, one statement per table.
// The rows come sorted by key, so concurrent batches lock them in one order.
func (tx *Tx) AddMetrics(ctx context.Context, days []backorder.MetricDay, fills []backorder.FillCount) error {
	if n := len(days); n > 0 {
		day, sku, cur := make([]string, n), make([]string, n), make([]string, n)
		cols := make([][]int64, 7)
		for i := range cols {
			cols[i] = make([]int64, n)
		}
		for i, d := range days {
			day[i], sku[i], cur[i] = d.Day, d.SKU, d.Currency
			for j, v := range []int64{d.Orders, d.Backordered, d.Cancelled, d.BackorderedUnits, d.BackorderedValue, d.LostUnits, d.LostValue} {
				cols[j][i] = v
			}
		}
		_, err := tx.tx.Exec(ctx, `INSERT INTO metric_days AS m (day, sku, currency, orders, backordered, cancelled, backordered_units, backordered_value, lost_units, lost_value)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
			ON CONFLICT (day, sku, currency) DO UPDATE SET orders = m.orders + excluded.orders, backordered = m.backordered + excluded.backordered,
				cancelled = m.cancelled + excluded.cancelled, backordered_units = m.backordered_units + excluded.backordered_units,
				backordered_value = m.backordered_value + excluded.backordered_value, lost_units = m.lost_units + excluded.lost_units,
				lost_value = m.lost_value + excluded.lost_value`,
			day, sku, cur, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6])
		if err != nil {
			return FormatError(err, "add metrics", "")
		}
	}
	if n := len(fills); n > 0 {
		day, sku, kind := make([]string, n), make([]string, n), make([]string, n)
		bucket := make([]int32, n)
		units, secs := make([]int64, n), make([]int64, n)
		for i, f := range fills {
			day[i], sku[i], kind[i], bucket[i], units[i], secs[i] = f.Day, f.SKU, f.Kind, int32(f.Bucket), f.Units, f.Seconds
		}
		_, err := tx.tx.Exec(ctx, `INSERT INTO metric_fills AS m (day, sku, kind, bucket, units, seconds)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[])
			ON CONFLICT (day, sku, kind, bucket) DO UPDATE SET units = m.units + excluded.units, seconds = m.seconds + excluded.seconds`,
			day, sku, kind, bucket, units, secs)
		if err != nil {
			return FormatError(err, "add fills", "")
		}
	}
	return nil
}

// InsertMetricLines keeps lines put on backorder (a rebuild's): each
// line's units backordered at intake on its order line, and its state where
// it is not the one intake leaves.
func (tx *Tx) InsertMetricLines(ctx context.Context, ls []backorder.MetricLine) error {
	n := len(ls)
	if n == 0 {
		return nil
	}
	id, bo := make([]int64, n), make([]int64, n)
	var mid, wait, filled, shipped []int64
	var canc []bool
	for i, l := range ls {
		id[i], bo[i] = l.LineID, l.Backordered
		if !l.AsAtIntake() {
			mid, wait, filled, shipped, canc = append(mid, l.LineID), append(wait, l.Waiting), append(filled, l.Filled), append(shipped, l.Shipped), append(canc, l.Cancelled)
		}
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE order_lines l SET intake_backordered = v.bo
		FROM unnest($1::bigint[], $2::bigint[]) AS v (id, bo) WHERE l.id = v.id`, id, bo)
	if err != nil {
		return FormatError(err, "insert metric lines", "metric line")
	}
	if tag.RowsAffected() != int64(n) {
		return fmt.Errorf("postgres: insert metric lines: %d of %d lines found", tag.RowsAffected(), n)
	}
	if len(mid) == 0 {
		return nil
	}
	_, err = tx.tx.Exec(ctx, `INSERT INTO metric_lines (line_id, waiting, filled, shipped, cancelled)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::boolean[])`,
		mid, wait, filled, shipped, canc)
	return FormatError(err, "insert metric lines", "metric line")
}

// SaveMetricLines writes what the metrics follow of kept lines.
func (tx *Tx) SaveMetricLines(ctx context.Context, ls []*backorder.MetricLine) error {
	n := len(ls)
	if n == 0 {
		return nil
	}
	id, wait, filled, shipped := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	canc := make([]bool, n)
	for i, l := range ls {
		id[i], wait[i], filled[i], shipped[i], canc[i] = l.LineID, l.Waiting, l.Filled, l.Shipped, l.Cancelled
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO metric_lines AS m (line_id, waiting, filled, shipped, cancelled)
		SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::boolean[])
		ON CONFLICT (line_id) DO UPDATE SET waiting = excluded.waiting, filled = excluded.filled, shipped = excluded.shipped, cancelled = excluded.cancelled`,
		id, wait, filled, shipped, canc)
	return FormatError(err, "save metric lines", "")
}

// AddMetricFills moves filled units of kept lines from waiting to filled;
// a line with no state kept starts from intake's.
func (tx *Tx) AddMetricFills(ctx context.Context, fs []backorder.MetricFill) error {
	n := len(fs)
	if n == 0 {
		return nil
	}
	id, intake, units := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, f := range fs {
		id[i], intake[i], units[i] = f.LineID, f.Intake, f.Units
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO metric_lines AS m (line_id, waiting, filled, shipped, cancelled)
		SELECT v.id, v.intake - v.units, v.units, 0, false FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v (id, intake, units)
		ON CONFLICT (line_id) DO UPDATE SET waiting = m.waiting - excluded.filled, filled = m.filled + excluded.filled`, id, intake, units)
	return FormatError(err, "add metric fills", "")
}

// metricLines reads kept lines: order lines with units backordered at
// intake, with their state (metric_lines) or, with none, intake's.
func (tx *Tx) metricLines(ctx context.Context, where string, args []any) ([]backorder.MetricLine, error) {
	out := []backorder.MetricLine{}
	var l backorder.MetricLine
	err := collect(ctx, tx.tx, `SELECT l.id, l.order_id, l.sku, l.accepted_at, l.price_cents, l.currency, l.intake_backordered,
			coalesce(m.waiting, l.intake_backordered), coalesce(m.filled, 0), coalesce(m.shipped, 0), coalesce(m.cancelled, false)
		FROM order_lines l LEFT JOIN metric_lines m ON m.line_id = l.id `+where+` ORDER BY l.id`, args,
		[]any{&l.LineID, &l.OrderID, &l.SKU, &l.AcceptedAt, &l.PriceCents, &l.Currency, &l.Backordered, &l.Waiting, &l.Filled, &l.Shipped, &l.Cancelled}, func() error {
			l.AcceptedAt = l.AcceptedAt.UTC()
			out = append(out, l)
			return nil
		})
	return out, FormatError(err, "metric lines", "")
}

// MetricLines returns the kept lines of the given orders.
func (tx *Tx) MetricLines(ctx context.Context, orderIDs []string) ([]backorder.MetricLine, error) {
	return tx.metricLines(ctx, `WHERE l.order_id = ANY($1::text[]) AND l.intake_backordered > 0`, []any{orderIDs})
}

// MetricLinesByID returns the kept lines of those IDs.
func (tx *Tx) MetricLinesByID(ctx context.Context, lineIDs []int64) ([]backorder.MetricLine, error) {
	return tx.metricLines(ctx, `WHERE l.id = ANY($1::bigint[]) AND l.intake_backordered > 0`, []any{lineIDs})
}

// MetricDays sums the counters over the range's rows (days and whole
// months) per SKU and currency.
func (tx *Tx) MetricDays(ctx context.Context, r backorder.MetricRange) ([]backorder.MetricDay, error) {
	q := `SELECT sku, currency, sum(orders)::bigint, sum(backordered)::bigint, sum(cancelled)::bigint, sum(backordered_units)::bigint,
			sum(backordered_value)::bigint, sum(lost_units)::bigint, sum(lost_value)::bigint
		FROM metric_days WHERE ` + spansWhere(r) + ` GROUP BY sku, currency ORDER BY sku, currency`
	out := []backorder.MetricDay{}
	var d backorder.MetricDay
	err := collect(ctx, tx.tx, q, spanArgs(r),
		[]any{&d.SKU, &d.Currency, &d.Orders, &d.Backordered, &d.Cancelled, &d.BackorderedUnits, &d.BackorderedValue, &d.LostUnits, &d.LostValue}, func() error {
			out = append(out, d)
			return nil
		})
	return out, FormatError(err, "metric days", "")
}

// spansWhere selects the rows of a range's three spans of keys
// (MetricRange.Spans), bound by spanArgs as $1 to $6, and those of the
// range's SKU ($7) when it has one.
func spansWhere(r backorder.MetricRange) string {
	if r.SKU != "" {
		return `sku = $7 AND (day BETWEEN $1 AND $2 OR day BETWEEN $3 AND $4 OR day BETWEEN $5 AND $6)`
	}
	return `(day BETWEEN $1 AND $2 OR day BETWEEN $3 AND $4 OR day BETWEEN $5 AND $6)`
}

func spanArgs(r backorder.MetricRange) []any {
	s := r.Spans()
	args := []any{s[0].From, s[0].To, s[1].From, s[1].To, s[2].From, s[2].To}
	if r.SKU != "" {
		args = append(args, r.SKU)
	}
	return args
}

// FillCounts sums the fill-time histograms over the range's rows.
func (tx *Tx) FillCounts(ctx context.Context, r backorder.MetricRange) ([]backorder.FillCount, error) {
	out := []backorder.FillCount{}
	var f backorder.FillCount
	err := collect(ctx, tx.tx, `SELECT sku, kind, bucket, sum(units)::bigint, sum(seconds)::bigint FROM metric_fills
		WHERE `+spansWhere(r)+` GROUP BY sku, kind, bucket ORDER BY sku, kind, bucket`, spanArgs(r),
		[]any{&f.SKU, &f.Kind, &f.Bucket, &f.Units, &f.Seconds}, func() error {
			out = append(out, f)
			return nil
		})
	return out, FormatError(err, "fill counts", "")
}

// DailyMetrics sums each day's counters over the currencies: the shop's row
// and every SKU's together, per day.
func (tx *Tx) DailyMetrics(ctx context.Context, r backorder.MetricRange) ([]backorder.MetricDay, error) {
	out := []backorder.MetricDay{}
	var d backorder.MetricDay
	err := collect(ctx, tx.tx, `SELECT day, CASE WHEN sku = '' THEN '' ELSE '*' END AS who, sum(orders)::bigint, sum(backordered)::bigint,
			sum(cancelled)::bigint, sum(backordered_units)::bigint, sum(backordered_value)::bigint, sum(lost_units)::bigint, sum(lost_value)::bigint
		FROM metric_days WHERE day BETWEEN $1 AND $2 GROUP BY day, who ORDER BY day, who`, []any{r.From, r.To},
		[]any{&d.Day, &d.SKU, &d.Orders, &d.Backordered, &d.Cancelled, &d.BackorderedUnits, &d.BackorderedValue, &d.LostUnits, &d.LostValue}, func() error {
			out = append(out, d)
			return nil
		})
	return out, FormatError(err, "daily metrics", "")
}

// WaitingTotals sums the waiting lines per SKU and currency.
func (tx *Tx) WaitingTotals(ctx context.Context, sku string) ([]backorder.WaitingTotal, error) {
	out := []backorder.WaitingTotal{}
	var w backorder.WaitingTotal
	err := collect(ctx, tx.tx, `SELECT sku, currency, count(*), sum(backordered)::bigint, sum(backordered * price_cents)::bigint, min(accepted_at)
		FROM order_lines WHERE backordered > 0 AND ($1 = '' OR sku = $1) GROUP BY sku, currency ORDER BY sku, currency`, []any{sku},
		[]any{&w.SKU, &w.Currency, &w.Lines, &w.Units, &w.Value, &w.Oldest}, func() error {
			w.Oldest = w.Oldest.UTC()
			out = append(out, w)
			return nil
		})
	return out, FormatError(err, "waiting totals", "")
}

// WaitingOrders counts the orders with a waiting line.
func (tx *Tx) WaitingOrders(ctx context.Context, sku string) (int64, error) {
	var n int64
	err := tx.tx.QueryRow(ctx, `SELECT count(DISTINCT order_id) FROM order_lines WHERE backordered > 0 AND ($1 = '' OR sku = $1)`, sku).Scan(&n)
	return n, FormatError(err, "waiting orders", "")
}

// AllMetrics returns every stored counter and kept line.
func (tx *Tx) AllMetrics(ctx context.Context) (backorder.MetricAggregates, error) {
	var a backorder.MetricAggregates
	var d backorder.MetricDay
	err := collect(ctx, tx.tx, `SELECT day, sku, currency, orders, backordered, cancelled, backordered_units, backordered_value, lost_units, lost_value
		FROM metric_days ORDER BY sku, day, currency`, nil,
		[]any{&d.Day, &d.SKU, &d.Currency, &d.Orders, &d.Backordered, &d.Cancelled, &d.BackorderedUnits, &d.BackorderedValue, &d.LostUnits, &d.LostValue}, func() error {
			a.Days = append(a.Days, d)
			return nil
		})
	if err != nil {
		return a, FormatError(err, "all metrics", "")
	}
	var f backorder.FillCount
	err = collect(ctx, tx.tx, `SELECT day, sku, kind, bucket, units, seconds FROM metric_fills ORDER BY sku, day, kind, bucket`, nil,
		[]any{&f.Day, &f.SKU, &f.Kind, &f.Bucket, &f.Units, &f.Seconds}, func() error {
			a.Fills = append(a.Fills, f)
			return nil
		})
	if err != nil {
		return a, FormatError(err, "all metrics", "")
	}
	// A state kept for a line with nothing backordered at intake is read
	// too (with Backordered 0), so the check sees it.
	a.Lines, err = tx.metricLines(ctx, `WHERE l.intake_backordered > 0 OR m.line_id IS NOT NULL`, nil)
	return a, err
}

// LastEventID is the ID of the newest outbox event.
func (tx *Tx) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := tx.tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&id)
	return id, FormatError(err, "last event id", "")
}

// ClearMetrics deletes every counter and kept line.
func (tx *Tx) ClearMetrics(ctx context.Context) error {
	_, err := tx.tx.Exec(ctx, `DELETE FROM metric_days; DELETE FROM metric_fills; DELETE FROM metric_lines;
		UPDATE order_lines SET intake_backordered = 0 WHERE intake_backordered <> 0`)
	return FormatError(err, "clear metrics", "")
}
