package http

import (
	"encoding/csv"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backorder/backorder"
)

// The CSV exports are what a spreadsheet opens as is: a header row, one row
// per item, times in ISO 8601 (UTC), dates as YYYY-MM-DD, money in major
// units beside a currency column, and text that a spreadsheet would run as
// a formula (starting with =, +, -, @, a tab or a carriage return) prefixed
// with a quote. Each takes the same filters as its JSON form and streams
// every matching row, reading a page at a time; an error before the first
// row is the usual JSON error, one after it ends the file early (and is
// logged).

// csvPage is the rows read per page of an export.
const csvPage = backorder.MaxPageLimit

// csvStream writes a CSV file of name with header, then the rows rows
// emits. rows reads its first page before anything is written, so that a bad
// filter is still a 4xx.
type csvStream struct {
	w       http.ResponseWriter
	cw      *csv.Writer
	name    string
	header  []string
	started bool
	log     *slog.Logger
}

func newCSV(w http.ResponseWriter, name string, header []string, log *slog.Logger) *csvStream {
	return &csvStream{w: w, name: name, header: header, log: log}
}

// write writes rows, the header first.
func (c *csvStream) write(rows [][]string) error {
	if !c.started {
		c.started = true
		c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		c.w.Header().Set("Content-Disposition", `attachment; filename="`+c.name+`"`)
		c.w.WriteHeader(http.StatusOK)
		c.cw = csv.NewWriter(c.w)
		if err := c.cw.Write(c.header); err != nil {
			return err
		}
	}
	for _, r := range rows {
		if err := c.cw.Write(r); err != nil {
			return err
		}
	}
	c.cw.Flush()
	if f, ok := c.w.(http.Flusher); ok {
		f.Flush()
	}
	return c.cw.Error()
}

// fail ends the file: before it started, err is the reply; after, the file
// stops where it is and err is logged.
func (c *csvStream) fail(r *http.Request, err error) error {
	if !c.started {
		return err
	}
	c.log.Error("csv export ended early", "path", r.URL.Path, "err", err)
	return nil
}

// done ends a file, writing the header of one with no rows.
func (c *csvStream) done() error {
	if !c.started {
		return c.write(nil)
	}
	return nil
}

// csvText guards a text cell against being read as a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvInt(n int64) string { return strconv.FormatInt(n, 10) }

func csvTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// csvFloat writes a rate, share or number of days; empty when unmeasured.
func csvFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

// handleBackordersCSV exports the shop-wide listing of waiting lines, with
// the filters of GET /v1/backorders (sku, customer_id, min_age_days,
// max_age_days, priority, promised_from, promised_by), oldest first.
func handleBackordersCSV(svc *backorder.Service, log *slog.Logger) apiFunc {
	header := []string{"order_id", "line_id", "sku", "customer_id", "customer_name", "quantity", "unit_price", "value", "currency",
		"accepted_at", "age_days", "priority_score", "priority_rules", "promise_date", "promise_basis"}
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := backorderFilter(r)
		if err != nil {
			return err
		}
		out := newCSV(w, "backorders.csv", header, log)
		for {
			f.Limit = csvPage
			ls, err := svc.Backorders(r.Context(), f)
			if err != nil {
				return out.fail(r, err)
			}
			if len(ls) == 0 {
				return out.done()
			}
			rows := make([][]string, len(ls))
			for i, l := range ls {
				date, basis := "", ""
				if l.ETA != nil {
					date, basis = l.ETA.Date, l.ETA.Basis
				}
				rows[i] = []string{csvText(l.OrderID), csvInt(l.LineID), csvText(l.SKU), csvText(l.CustomerID), csvText(l.CustomerName), csvInt(l.Quantity),
					backorder.FormatMajor(l.PriceCents, l.Currency), backorder.FormatMajor(l.ValueCents, l.Currency), l.Currency,
					csvTime(l.AcceptedAt), strconv.FormatFloat(float64(l.AgeSeconds)/86400, 'f', 2, 64), strconv.Itoa(l.Priority.Score),
					strings.Join(l.Priority.Rules, "+"), date, basis}
			}
			if err := out.write(rows); err != nil {
				return out.fail(r, err)
			}
			f.After = ls[len(ls)-1].Cursor()
		}
	}
}

// handleLostDemandCSV exports the lost demand recorded since ?since (RFC
// 3339), in the order it was recorded.
func handleLostDemandCSV(svc *backorder.Service, log *slog.Logger) apiFunc {
	header := []string{"id", "at", "order_id", "customer_id", "sku", "quantity", "value", "currency", "rule"}
	return func(w http.ResponseWriter, r *http.Request) error {
		var since time.Time
		if s := r.URL.Query().Get("since"); s != "" {
			t, err := parseTime(s)
			if err != nil {
				return backorder.FieldErrorf(backorder.EINVALID, "since", "since must be a time as RFC 3339, such as 2024-05-01T00:00:00Z.")
			}
			since = t
		}
		out := newCSV(w, "lost-demand.csv", header, log)
		var after int64
		for {
			ls, err := svc.LostDemand(r.Context(), backorder.LostDemandFilter{Since: since, After: after, Limit: csvPage})
			if err != nil {
				return out.fail(r, err)
			}
			if len(ls) == 0 {
				return out.done()
			}
			rows := make([][]string, len(ls))
			for i, l := range ls {
				rows[i] = []string{csvInt(l.ID), csvTime(l.At), csvText(l.OrderID), csvText(l.CustomerID), csvText(l.SKU), csvInt(l.Quantity),
					backorder.FormatMajor(l.ValueCents, l.Currency), l.Currency, l.Rule}
			}
			if err := out.write(rows); err != nil {
				return out.fail(r, err)
			}
			after = ls[len(ls)-1].ID
		}
	}
}

// handleMetricsCSV exports the per-SKU breakdown of the backorder metrics
// with the query of GET /v1/metrics/backorders (from, to, sku, sort,
// order), every SKU: one row per SKU and currency of its money figures (one
// row with an empty currency for a SKU with none).
func handleMetricsCSV(svc *backorder.Service, log *slog.Logger) apiFunc {
	header := []string{"sku", "from", "to", "orders", "backordered_orders", "backorder_rate", "backorder_rate_status",
		"cancelled_orders", "cancel_rate", "cancel_rate_status",
		"fill_time_mean_days", "fill_time_p50_days", "fill_time_p90_days", "fill_time_status",
		"ship_time_mean_days", "ship_time_p50_days", "ship_time_p90_days",
		"captured_units", "lost_units", "sales_saved", "sales_saved_status",
		"waiting_orders", "waiting_units", "oldest_accepted_at", "oldest_age_days", "expected_within_7_days",
		"currency", "value_on_backorder", "captured_value", "lost_value"}
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := metricsQuery(r)
		if err != nil {
			return err
		}
		q.All, q.Offset = true, 0
		m, err := svc.BackorderMetrics(r.Context(), q)
		if err != nil {
			return err
		}
		out := newCSV(w, "backorder-metrics.csv", header, log)
		var rows [][]string
		for _, s := range m.SKUs {
			oldest := ""
			if s.Current.Oldest != nil {
				oldest = csvTime(*s.Current.Oldest)
			}
			a, sh := s.FillTimes.ToAllocated, s.FillTimes.ToShipped
			base := []string{csvText(s.SKU), m.From, m.To, csvInt(s.Orders), csvInt(s.BackorderedOrders), csvFloat(s.BackorderRate.Value), s.BackorderRate.Status,
				csvInt(s.CancelledOrders), csvFloat(s.CancelRate.Value), s.CancelRate.Status,
				csvFloat(a.Mean), csvFloat(a.P50), csvFloat(a.P90), s.FillTime.Status,
				csvFloat(sh.Mean), csvFloat(sh.P50), csvFloat(sh.P90),
				csvInt(s.SalesSaved.CapturedUnits), csvInt(s.SalesSaved.LostUnits), csvFloat(s.SalesSaved.Value), s.SalesSaved.Status,
				csvInt(s.Current.Orders), csvInt(s.Current.Units), oldest, csvFloat(s.Current.OldestAgeDays.Value), csvFloat(s.Current.ExpectedWithin7Days.Value)}
			by := map[string][3]int64{}
			for i, ms := range [][]backorder.Money{s.Current.Value.Values, s.SalesSaved.CapturedValue, s.SalesSaved.LostValue} {
				for _, v := range ms {
					x := by[v.Currency]
					x[i] += v.Amount
					by[v.Currency] = x
				}
			}
			if len(by) == 0 {
				rows = append(rows, append(slices.Clone(base), "", "", "", ""))
			}
			for _, cur := range slices.Sorted(maps.Keys(by)) {
				x := by[cur]
				rows = append(rows, append(slices.Clone(base), cur, backorder.FormatMajor(x[0], cur), backorder.FormatMajor(x[1], cur), backorder.FormatMajor(x[2], cur)))
			}
			if len(rows) >= csvPage {
				if err := out.write(rows); err != nil {
					return out.fail(r, err)
				}
				rows = rows[:0]
			}
		}
		if err := out.write(rows); err != nil {
			return out.fail(r, err)
		}
		return nil
	}
}
