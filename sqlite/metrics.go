package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/backorder/backorder"
)

// jsonRows encodes rows of values as one JSON array of arrays, read back
// with json_each (one bound parameter whatever the row count).
func jsonRows(rows [][]any) (string, error) {
	b, err := json.Marshal(rows)
	return string(b), err
}

// AddMetrics adds the counters to the stored rows, one statement per table.
func (tx *Tx) AddMetrics(ctx context.Context, days []backorder.MetricDay, fills []backorder.FillCount) error {
	if len(days) > 0 {
		rows := make([][]any, len(days))
		for i, d := range days {
			rows[i] = []any{d.Day, d.SKU, d.Currency, d.Orders, d.Backordered, d.Cancelled, d.BackorderedUnits, d.BackorderedValue, d.LostUnits, d.LostValue}
		}
		body, err := jsonRows(rows)
		if err != nil {
			return fmt.Errorf("sqlite: add metrics: %w", err)
		}
		_, err = tx.exec(ctx, `INSERT INTO metric_days (day, sku, currency, orders, backordered, cancelled, backordered_units, backordered_value, lost_units, lost_value)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9 FROM json_each(?) WHERE true
			ON CONFLICT (day, sku, currency) DO UPDATE SET orders = orders + excluded.orders, backordered = backordered + excluded.backordered,
				cancelled = cancelled + excluded.cancelled, backordered_units = backordered_units + excluded.backordered_units,
				backordered_value = backordered_value + excluded.backordered_value, lost_units = lost_units + excluded.lost_units,
				lost_value = lost_value + excluded.lost_value`, body)
		if err != nil {
			return FormatError(err, "add metrics", "")
		}
	}
	if len(fills) > 0 {
		rows := make([][]any, len(fills))
		for i, f := range fills {
			rows[i] = []any{f.Day, f.SKU, f.Kind, f.Bucket, f.Units, f.Seconds}
		}
		body, err := jsonRows(rows)
		if err != nil {
			return fmt.Errorf("sqlite: add fills: %w", err)
		}
		_, err = tx.exec(ctx, `INSERT INTO metric_fills (day, sku, kind, bucket, units, seconds)
			SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM json_each(?) WHERE true
			ON CONFLICT (day, sku, kind, bucket) DO UPDATE SET units = units + excluded.units, seconds = seconds + excluded.seconds`, body)
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
	if len(ls) == 0 {
		return nil
	}
	rows := make([][]any, len(ls))
	for i, l := range ls {
		rows[i] = []any{l.LineID, l.Backordered}
	}
	body, err := jsonRows(rows)
	if err != nil {
		return fmt.Errorf("sqlite: insert metric lines: %w", err)
	}
	res, err := tx.exec(ctx, `UPDATE order_lines SET intake_backordered = v.value->>1
		FROM json_each(?) AS v WHERE order_lines.id = v.value->>0`, body)
	if err != nil {
		return FormatError(err, "insert metric lines", "metric line")
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(ls)) {
		return fmt.Errorf("sqlite: insert metric lines: %d of %d lines found (%v)", n, len(ls), err)
	}
	var moved [][]any
	for _, l := range ls {
		if !l.AsAtIntake() {
			moved = append(moved, []any{l.LineID, l.Waiting, l.Filled, l.Shipped, boolInt(l.Cancelled)})
		}
	}
	if len(moved) == 0 {
		return nil
	}
	if body, err = jsonRows(moved); err != nil {
		return fmt.Errorf("sqlite: insert metric lines: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO metric_lines (line_id, waiting, filled, shipped, cancelled)
		SELECT value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each(?)`, body)
	return FormatError(err, "insert metric lines", "metric line")
}

// SaveMetricLines writes what the metrics follow of kept lines, one
// multi-row statement per chunk.
func (tx *Tx) SaveMetricLines(ctx context.Context, ls []*backorder.MetricLine) error {
	_, err := tx.execBatch(ctx, 5, len(ls),
		func(values string) string {
			return `INSERT INTO metric_lines (line_id, waiting, filled, shipped, cancelled) VALUES ` + values + `
				ON CONFLICT (line_id) DO UPDATE SET waiting = excluded.waiting, filled = excluded.filled,
					shipped = excluded.shipped, cancelled = excluded.cancelled`
		},
		func(i int, args []any) []any {
			l := ls[i]
			return append(args, l.LineID, l.Waiting, l.Filled, l.Shipped, boolInt(l.Cancelled))
		})
	return FormatError(err, "save metric lines", "")
}

// AddMetricFills moves filled units of kept lines from waiting to filled,
// one multi-row statement per chunk; a line with no state kept starts from
// intake's.
func (tx *Tx) AddMetricFills(ctx context.Context, fs []backorder.MetricFill) error {
	_, err := tx.execBatch(ctx, 3, len(fs),
		func(values string) string {
			return `INSERT INTO metric_lines (line_id, waiting, filled, shipped, cancelled)
				SELECT column1, column2 - column3, column3, 0, 0 FROM (VALUES ` + values + `) WHERE true
				ON CONFLICT (line_id) DO UPDATE SET waiting = waiting - excluded.filled, filled = filled + excluded.filled`
		},
		func(i int, args []any) []any {
			f := &fs[i]
			return append(args, f.LineID, f.Intake, f.Units)
		})
	return FormatError(err, "add metric fills", "")
}

// metricLinesQuery reads kept lines, packed: order lines with units
// backordered at intake, with their state (metric_lines) or, with none,
// intake's. Its WHERE clause follows.
var metricLinesQuery = `SELECT ` + packed(`l.id, l.order_id, l.sku, l.accepted_at, l.price_cents, l.currency, l.intake_backordered,
	coalesce(m.waiting, l.intake_backordered), coalesce(m.filled, 0), coalesce(m.shipped, 0), coalesce(m.cancelled, 0)`) + `
	FROM order_lines l LEFT JOIN metric_lines m ON m.line_id = l.id `

func (tx *Tx) metricLines(ctx context.Context, where string, args ...any) ([]backorder.MetricLine, error) {
	rows, err := tx.query(ctx, metricLinesQuery+where+` ORDER BY l.id`, args...)
	if err != nil {
		return nil, FormatError(err, "metric lines", "")
	}
	defer rows.Close()
	out := []backorder.MetricLine{}
	err = eachPacked(rows, 11, func(r *row) error {
		out = append(out, backorder.MetricLine{LineID: r.int(0), OrderID: r.str(1), SKU: r.str(2), AcceptedAt: fromMicros(r.int(3)),
			PriceCents: r.int(4), Currency: r.str(5), Backordered: r.int(6), Waiting: r.int(7), Filled: r.int(8), Shipped: r.int(9),
			Cancelled: r.bool(10)})
		return nil
	})
	return out, FormatError(err, "metric lines", "")
}

// MetricLines returns the kept lines of the given orders.
func (tx *Tx) MetricLines(ctx context.Context, orderIDs []string) ([]backorder.MetricLine, error) {
	return tx.metricLines(ctx, `WHERE l.order_id IN (SELECT value FROM json_each(?)) AND l.intake_backordered > 0`, jsonList(orderIDs))
}

// MetricLinesByID returns the kept lines of those IDs.
func (tx *Tx) MetricLinesByID(ctx context.Context, lineIDs []int64) ([]backorder.MetricLine, error) {
	return tx.metricLines(ctx, `WHERE l.id IN (SELECT value FROM json_each(?)) AND l.intake_backordered > 0`, jsonList(lineIDs))
}

// spansWhere selects the rows of a range's three spans of keys
// (MetricRange.Spans), bound by spanArgs as ?1 to ?6; skuSpansWhere those
// of one SKU, ?7. SQLite reads each span as a range of the index that leads
// with day, or with sku and day.
const (
	spansWhere    = `(day BETWEEN ?1 AND ?2 OR day BETWEEN ?3 AND ?4 OR day BETWEEN ?5 AND ?6)`
	skuSpansWhere = `(sku = ?7 AND day BETWEEN ?1 AND ?2 OR sku = ?7 AND day BETWEEN ?3 AND ?4 OR sku = ?7 AND day BETWEEN ?5 AND ?6)`
)

func spanArgs(r backorder.MetricRange) []any {
	s := r.Spans()
	return []any{s[0].From, s[0].To, s[1].From, s[1].To, s[2].From, s[2].To, r.SKU}
}

// MetricDays sums the counters over the range's rows (days and whole
// months) per SKU and currency.
func (tx *Tx) MetricDays(ctx context.Context, r backorder.MetricRange) ([]backorder.MetricDay, error) {
	q := `SELECT sku, currency, sum(orders), sum(backordered), sum(cancelled), sum(backordered_units), sum(backordered_value), sum(lost_units), sum(lost_value)
		FROM metric_days WHERE ` + spansWhere + ` GROUP BY sku, currency ORDER BY sku, currency`
	if r.SKU != "" {
		q = `SELECT sku, currency, sum(orders), sum(backordered), sum(cancelled), sum(backordered_units), sum(backordered_value), sum(lost_units), sum(lost_value)
			FROM metric_days WHERE ` + skuSpansWhere + ` GROUP BY sku, currency ORDER BY sku, currency`
	}
	args := spanArgs(r)
	if r.SKU == "" {
		args = args[:6]
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "metric days", "")
	}
	defer rows.Close()
	out := []backorder.MetricDay{}
	for rows.Next() {
		var d backorder.MetricDay
		if err := rows.Scan(&d.SKU, &d.Currency, &d.Orders, &d.Backordered, &d.Cancelled, &d.BackorderedUnits, &d.BackorderedValue, &d.LostUnits, &d.LostValue); err != nil {
			return nil, FormatError(err, "metric days", "")
		}
		out = append(out, d)
	}
	return out, FormatError(rows.Err(), "metric days", "")
}

// FillCounts sums the fill-time histograms over the range's rows.
func (tx *Tx) FillCounts(ctx context.Context, r backorder.MetricRange) ([]backorder.FillCount, error) {
	q := `SELECT sku, kind, bucket, sum(units), sum(seconds) FROM metric_fills
		WHERE ` + spansWhere + ` GROUP BY sku, kind, bucket ORDER BY sku, kind, bucket`
	if r.SKU != "" {
		q = `SELECT sku, kind, bucket, sum(units), sum(seconds) FROM metric_fills
			WHERE ` + skuSpansWhere + ` GROUP BY sku, kind, bucket ORDER BY sku, kind, bucket`
	}
	args := spanArgs(r)
	if r.SKU == "" {
		args = args[:6]
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "fill counts", "")
	}
	defer rows.Close()
	out := []backorder.FillCount{}
	for rows.Next() {
		var f backorder.FillCount
		if err := rows.Scan(&f.SKU, &f.Kind, &f.Bucket, &f.Units, &f.Seconds); err != nil {
			return nil, FormatError(err, "fill counts", "")
		}
		out = append(out, f)
	}
	return out, FormatError(rows.Err(), "fill counts", "")
}

// DailyMetrics sums each day's counters over the currencies: the shop's row
// and every SKU's together, per day.
func (tx *Tx) DailyMetrics(ctx context.Context, r backorder.MetricRange) ([]backorder.MetricDay, error) {
	rows, err := tx.query(ctx, `SELECT day, CASE WHEN sku = '' THEN '' ELSE '*' END AS who, sum(orders), sum(backordered), sum(cancelled),
			sum(backordered_units), sum(backordered_value), sum(lost_units), sum(lost_value)
		FROM metric_days WHERE day BETWEEN ? AND ? GROUP BY day, who ORDER BY day, who`, r.From, r.To)
	if err != nil {
		return nil, FormatError(err, "daily metrics", "")
	}
	defer rows.Close()
	out := []backorder.MetricDay{}
	for rows.Next() {
		var d backorder.MetricDay
		if err := rows.Scan(&d.Day, &d.SKU, &d.Orders, &d.Backordered, &d.Cancelled, &d.BackorderedUnits, &d.BackorderedValue, &d.LostUnits, &d.LostValue); err != nil {
			return nil, FormatError(err, "daily metrics", "")
		}
		out = append(out, d)
	}
	return out, FormatError(rows.Err(), "daily metrics", "")
}

// WaitingTotals sums the waiting lines per SKU and currency, through the
// partial index of waiting lines.
func (tx *Tx) WaitingTotals(ctx context.Context, sku string) ([]backorder.WaitingTotal, error) {
	rows, err := tx.query(ctx, `SELECT sku, currency, count(*), sum(backordered), sum(backordered * price_cents), min(accepted_at)
		FROM order_lines WHERE backordered > 0 AND (? = '' OR sku = ?) GROUP BY sku, currency ORDER BY sku, currency`, sku, sku)
	if err != nil {
		return nil, FormatError(err, "waiting totals", "")
	}
	defer rows.Close()
	out := []backorder.WaitingTotal{}
	for rows.Next() {
		var w backorder.WaitingTotal
		var oldest int64
		if err := rows.Scan(&w.SKU, &w.Currency, &w.Lines, &w.Units, &w.Value, &oldest); err != nil {
			return nil, FormatError(err, "waiting totals", "")
		}
		w.Oldest = fromMicros(oldest)
		out = append(out, w)
	}
	return out, FormatError(rows.Err(), "waiting totals", "")
}

// waitingOrdersQuery counts the orders with a waiting line. Left to
// itself, SQLite reads count(DISTINCT order_id) in order_id order through
// the primary key, which scans every line ever written; the partial index
// of waiting lines reads only those.
const waitingOrdersQuery = `SELECT count(DISTINCT order_id) FROM order_lines INDEXED BY order_lines_waiting_all
	WHERE backordered > 0 AND (? = '' OR sku = ?)`

// WaitingOrders counts the orders with a waiting line.
func (tx *Tx) WaitingOrders(ctx context.Context, sku string) (int64, error) {
	var n int64
	err := tx.queryRow(ctx, waitingOrdersQuery, sku, sku).Scan(&n)
	return n, FormatError(err, "waiting orders", "")
}

// AllMetrics returns every stored counter and kept line.
func (tx *Tx) AllMetrics(ctx context.Context) (backorder.MetricAggregates, error) {
	var a backorder.MetricAggregates
	rows, err := tx.query(ctx, `SELECT day, sku, currency, orders, backordered, cancelled, backordered_units, backordered_value, lost_units, lost_value
		FROM metric_days ORDER BY sku, day, currency`)
	if err != nil {
		return a, FormatError(err, "all metrics", "")
	}
	for rows.Next() {
		var d backorder.MetricDay
		if err := rows.Scan(&d.Day, &d.SKU, &d.Currency, &d.Orders, &d.Backordered, &d.Cancelled, &d.BackorderedUnits, &d.BackorderedValue, &d.LostUnits, &d.LostValue); err != nil {
			rows.Close()
			return a, FormatError(err, "all metrics", "")
		}
		a.Days = append(a.Days, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, FormatError(err, "all metrics", "")
	}
	rows, err = tx.query(ctx, `SELECT day, sku, kind, bucket, units, seconds FROM metric_fills ORDER BY sku, day, kind, bucket`)
	if err != nil {
		return a, FormatError(err, "all metrics", "")
	}
	for rows.Next() {
		var f backorder.FillCount
		if err := rows.Scan(&f.Day, &f.SKU, &f.Kind, &f.Bucket, &f.Units, &f.Seconds); err != nil {
			rows.Close()
			return a, FormatError(err, "all metrics", "")
		}
		a.Fills = append(a.Fills, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, FormatError(err, "all metrics", "")
	}
	// A state kept for a line with nothing backordered at intake is read
	// too (with Backordered 0), so the check sees it.
	a.Lines, err = tx.metricLines(ctx, `WHERE l.intake_backordered > 0 OR m.line_id IS NOT NULL`)
	return a, err
}

// LastEventID is the ID of the newest outbox event.
func (tx *Tx) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&id)
	return id, FormatError(err, "last event id", "")
}

// ClearMetrics deletes every counter and kept line.
func (tx *Tx) ClearMetrics(ctx context.Context) error {
	for _, q := range []string{`DELETE FROM metric_days`, `DELETE FROM metric_fills`, `DELETE FROM metric_lines`,
		`UPDATE order_lines SET intake_backordered = 0 WHERE intake_backordered <> 0`} {
		if _, err := tx.exec(ctx, q); err != nil {
			return FormatError(err, "clear metrics", "")
		}
	}
	return nil
}
