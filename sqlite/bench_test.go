package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/storetest"
)

// seedQueue creates product sku with n waiting orders, the queue an
// allocation run reads. Each order has a first line of another, allocated
// SKU, so the queue's line IDs are not consecutive, and waits for 1 to 3
// units of sku, so quantities vary as they would.
func seedQueue(tb testing.TB, db *DB, sku string, n int) {
	tb.Helper()
	ctx := context.Background()
	btx, err := db.BeginWrite(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tx := btx.(*Tx)
	defer tx.Rollback()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{sku, "OTHER"} {
		if err := tx.PutProduct(ctx, &backorder.Product{SKU: s, Name: "Widget", PriceCents: 1999, Currency: "USD",
			Status: backorder.StatusActive, CreatedAt: now, UpdatedAt: now}); err != nil {
			tb.Fatal(err)
		}
	}
	qty := func(i int) int64 { return int64(1 + i%3) }
	_, err = tx.execBatch(ctx, 14, n,
		insertBuilder("orders", []string{"id", "seq", "customer_id", "customer_email", "customer_name", "vip", "wholesale",
			"shipping", "need_by", "split_policy", "split_choice", "accepted_at", "units", "line_count"}),
		func(i int, args []any) []any {
			return append(args, fmt.Sprintf("ORD-%07d", i), int64(i+1), fmt.Sprintf("C-%d", i%5000), "ann@example.com", "Ann Example",
				int64(0), int64(0), "standard", nil, "ship_available", nil, micros(now.Add(time.Duration(i)*time.Second)), 1+qty(i), int64(2))
		})
	if err != nil {
		tb.Fatal(err)
	}
	_, err = tx.execBatch(ctx, len(lineInsertColumns), 2*n, insertBuilder("order_lines", lineInsertColumns),
		func(j int, args []any) []any {
			i := j / 2
			at, seq := micros(now.Add(time.Duration(i)*time.Second)), int64(i+1)
			if j%2 == 0 {
				return append(args, int64(j+1), fmt.Sprintf("ORD-%07d", i), int64(1), "OTHER", int64(1), int64(1), int64(0),
					int64(0), int64(0), int64(1), int64(1999), "USD", "at_order", nil, at, seq, nil, nil, nil, nil, int64(0))
			}
			return append(args, int64(j+1), fmt.Sprintf("ORD-%07d", i), int64(2), sku, qty(i), int64(0), qty(i),
				int64(0), int64(0), int64(0), int64(1999), "USD", "at_order", nil, at, seq, nil, nil, nil, nil, qty(i))
		})
	if err != nil {
		tb.Fatal(err)
	}
	var waiting int64
	for i := range n {
		waiting += qty(i)
	}
	if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: sku, Backordered: waiting}, {SKU: "OTHER", OnHand: int64(n), Allocated: int64(n)}}); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// mustSeededDB opens a new SQLite file of that name in the benchmark's
// temporary folder with sku's queue of n waiting orders (seedQueue).
func mustSeededDB(b *testing.B, name, sku string, n int) *DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), name))
	if err != nil {
		b.Fatal(err)
	}
	seedQueue(b, db, sku, n)
	return db
}

// BenchmarkBulk100k measures one receipt that fills a queue of 100,000
// waiting lines of one SKU: the store calls the service makes, in one
// transaction, to allocate them all (with the kept metric lines' units
// moved to filled), and the commit. Each call is reported in
// ms per receipt, and ms/store is their sum; ns/op also counts building the
// domain values between the calls, which is the service's work.
func BenchmarkBulk100k(b *testing.B) {
	const n = 100_000
	const sku = "SKU-BULK"
	ctx := context.Background()
	phases := []string{"WaitingLines", "SaveLines", "AppendMovements", "InsertFulfillments", "AppendEvents", "AddMetricFills", "SaveStock", "Commit"}
	total := make([]time.Duration, len(phases))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := mustSeededDB(b, fmt.Sprintf("bench%d.db", i), sku, n)
		now := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
		b.StartTimer()

		mark := time.Now()
		lap := func(p int) {
			t := time.Now()
			total[p] += t.Sub(mark)
			mark = t
		}
		tx, err := db.BeginWrite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		queue, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: sku, Limit: n})
		if err != nil {
			b.Fatal(err)
		} else if len(queue) != n {
			b.Fatalf("queue=%d, want %d", len(queue), n)
		}
		lap(0)
		lines := make([]*backorder.Line, n)
		ms := make([]backorder.Movement, n)
		fs := make([]*backorder.Fulfillment, n)
		es := make([]backorder.Event, n)
		var received int64
		for j, e := range queue {
			l := e.Line
			q := l.Backordered
			received += q
			l.Allocated, l.Backordered, l.Fulfilling = q, 0, q
			lines[j] = l
			ms[j] = backorder.Movement{At: now, Kind: backorder.MoveAllocate, SKU: sku, Quantity: q, OrderID: e.Order.ID, LineID: l.ID, Reason: backorder.ReasonFIFO, Reference: "PO-1"}
			fs[j] = &backorder.Fulfillment{OrderID: e.Order.ID, State: backorder.FulfillmentOpen, CreatedAt: now,
				Lines: []backorder.FulfillmentLine{{LineID: l.ID, SKU: sku, Quantity: q}}}
			payload, _ := json.Marshal(map[string]any{"order_id": e.Order.ID, "status": backorder.OrderAllocated, "quantity": q})
			es[j] = backorder.Event{At: now, Kind: backorder.EventOrderAllocated, OrderID: e.Order.ID, SKU: sku, Payload: payload}
		}
		mark = time.Now() // building the domain values is the service's time, not the store's
		if err := tx.SaveLines(ctx, lines); err != nil {
			b.Fatal(err)
		}
		lap(1)
		if err := tx.AppendMovements(ctx, ms); err != nil {
			b.Fatal(err)
		}
		lap(2)
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			b.Fatal(err)
		}
		lap(3)
		if err := tx.AppendEvents(ctx, es); err != nil {
			b.Fatal(err)
		}
		lap(4)
		mustFillMetricLines(b, tx, queue)
		lap(5)
		if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: sku, OnHand: received, Allocated: received}}); err != nil {
			b.Fatal(err)
		}
		lap(6)
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		lap(7)

		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	storetest.ReportPhases(b, phases, total, "store")
}

// mustFillMetricLines moves the filled units of the queue's kept lines from
// waiting to filled, as the service's metrics do for a receipt
// (MetricDelta.QueueFills, Tx.AddMetricFills).
func mustFillMetricLines(tb testing.TB, tx backorder.Tx, queue []backorder.QueueEntry) {
	tb.Helper()
	fills := make([]backorder.MetricFill, 0, len(queue))
	for _, e := range queue {
		if e.IntakeBackordered > 0 {
			fills = append(fills, backorder.MetricFill{LineID: e.Line.ID, Intake: e.IntakeBackordered, Units: e.IntakeBackordered})
		}
	}
	if len(fills) != len(queue) {
		tb.Fatalf("%d of %d queue lines backordered at intake", len(fills), len(queue))
	}
	if err := tx.AddMetricFills(context.Background(), fills); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkReceive100k times one receipt through the service, end to end, as
// `backorder bench` does: units received into a SKU with 100,000 waiting
// lines, all allocated, requested for shipping and notified in one
// transaction.
func BenchmarkReceive100k(b *testing.B) {
	const n = 100_000
	const sku = "SKU-BULK"
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := mustSeededDB(b, fmt.Sprintf("receive%d.db", i), sku, n)
		svc := backorder.NewService(backorder.Config{Store: db})
		b.StartTimer()
		res, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: 2 * n}, nil)
		if err != nil {
			b.Fatal(err)
		} else if res.LinesFilled != n || res.Backordered != 0 {
			b.Fatalf("%d lines filled, %d still backordered", res.LinesFilled, res.Backordered)
		}
		b.StopTimer()
		svc.Close()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkFloor100k is the floor under BenchmarkBulk100k: the same rows
// written to the same schema in one transaction, by bare SQL statements that
// copy them from a temporary table made beforehand (not timed), so nothing is
// bound, scanned or built in Go. It reads the queue joined with its orders,
// allocates every line, appends a movement, a fulfillment with its line, an
// event and the metrics' state of the line (filled from the queue) per line,
// and commits. No store makes these writes faster with
// this schema and driver; each step is reported in ms per receipt.
func BenchmarkFloor100k(b *testing.B) {
	const n = 100_000
	const sku = "SKU-BULK"
	ctx := context.Background()
	steps := []struct{ name, sql string }{
		{"read", `SELECT count(*), sum(l.backordered + o.units + length(o.customer_id)) FROM order_lines l
			JOIN orders o ON o.id = l.order_id WHERE l.sku = ? AND l.backordered > 0`},
		{"lines", `UPDATE order_lines SET allocated = allocated + backordered, fulfilling = fulfilling + backordered,
			backordered = 0 WHERE sku = ? AND backordered > 0`},
		{"movements", `INSERT INTO movements (at, kind, sku, quantity, order_id, line_id, reason, cause_id)
			SELECT at, 'allocate', sku, quantity, order_id, line_id, 'fifo', 1 FROM temp.floor`},
		{"fulfillments", `INSERT INTO fulfillments (id, order_id, state, created_at)
			SELECT fulfillment_id, order_id, 'open', at FROM temp.floor`},
		{"fulfillment_lines", `INSERT INTO fulfillment_lines (fulfillment_id, line_id, sku, quantity)
			SELECT fulfillment_id, line_id, sku, quantity FROM temp.floor`},
		{"events", `INSERT INTO events (at, kind, order_id, sku, payload)
			SELECT at, 'order.allocated', order_id, sku, payload FROM temp.floor`},
		{"metric_lines", `INSERT INTO metric_lines (line_id, waiting, filled, shipped, cancelled)
			SELECT line_id, 0, quantity, 0, 0 FROM temp.floor`},
	}
	total := make([]time.Duration, len(steps)+1)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := mustSeededDB(b, fmt.Sprintf("floor%d.db", i), sku, n)
		btx, err := db.BeginWrite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tx := btx.(*Tx).tx
		// The rows the service would bind: the queue line of order i has ID
		// 2i+2 and waits for 1+i%3 units (seedQueue).
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE floor AS
			WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i < ?1 - 1)
			SELECT ?2 AS at, ?3 AS sku, printf('ORD-%07d', i) AS order_id, 2*i + 2 AS line_id, 1 + i % 3 AS quantity,
				i + 1 AS fulfillment_id,
				'{"version":1,"status":"allocated","units":' || (1 + i % 3) || ',"fulfillment_ids":[' || (i + 1) || ']}' AS payload FROM s`,
			n, micros(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)), sku); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		for s, step := range steps {
			t := time.Now()
			var res sql.Result
			if s < 2 {
				res, err = tx.ExecContext(ctx, step.sql, sku)
			} else {
				res, err = tx.ExecContext(ctx, step.sql)
			}
			if err != nil {
				b.Fatalf("%s: %v", step.name, err)
			}
			if got, _ := res.RowsAffected(); s > 0 && got != n {
				b.Fatalf("%s: %d rows, want %d", step.name, got, n)
			}
			total[s] += time.Since(t)
		}
		b.StopTimer()
		if _, err := tx.ExecContext(ctx, `DROP TABLE temp.floor`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t := time.Now()
		if err := btx.Commit(); err != nil {
			b.Fatal(err)
		}
		total[len(steps)] += time.Since(t)

		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	phases := make([]string, 0, len(steps)+1)
	for _, step := range steps {
		phases = append(phases, step.name)
	}
	storetest.ReportPhases(b, append(phases, "commit"), total, "floor")
}

// BenchmarkFloorBound100k is the floor of BenchmarkFloor100k's rows sent
// through this driver: the same reads and writes in one transaction, but
// with every row bound from Go values built beforehand (not timed), in the
// multi-row statements the store uses (execBatch), and the queue read into
// Go as the store reads it (waitingLinesQuery, eachPacked), decoded but not
// built into domain values. It
// is what sending and receiving the rows costs with no domain work at all,
// so it shows how much of the service's distance from the floor is the
// driver's binding and scanning. Each step is reported in ms per receipt.
func BenchmarkFloorBound100k(b *testing.B) {
	const n = 100_000
	const sku = "SKU-BULK"
	ctx := context.Background()
	steps := []string{"read", "lines", "movements", "fulfillments", "fulfillment_lines", "events", "metric_lines", "commit"}
	total := make([]time.Duration, len(steps))
	at := micros(time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC))
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := mustSeededDB(b, fmt.Sprintf("bound%d.db", i), sku, n)
		btx, err := db.BeginWrite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tx := btx.(*Tx)
		// The rows the service would bind: the queue line of order i has ID
		// 2i+2 and waits for 1+i%3 units (seedQueue).
		type bound struct {
			order string
			line  int64
			qty   int64
			pay   string
		}
		rows := make([]bound, n)
		for j := range rows {
			q := int64(1 + j%3)
			rows[j] = bound{fmt.Sprintf("ORD-%07d", j), int64(2*j + 2), q,
				fmt.Sprintf(`{"version":1,"status":"allocated","units":%d,"fulfillment_ids":[%d]}`, q, j+1)}
		}
		mark := time.Now()
		lap := func(s int) {
			t := time.Now()
			total[s] += t.Sub(mark)
			mark = t
		}
		b.StartTimer()
		mark = time.Now()

		// Read as the store reads the queue, packed as JSON arrays and
		// decoded on a second goroutine (eachPacked): the cheapest way this
		// driver brings the rows into Go.
		rs, err := tx.query(ctx, waitingLinesQuery, sku, int64(math.MinInt64), int64(0), int64(0), n)
		if err != nil {
			b.Fatal(err)
		}
		read := 0
		err = eachPacked(rs, 31, func(r *row) error {
			read++
			return nil
		})
		if err != nil || read != n {
			b.Fatalf("read %d rows, %v", read, err)
		}
		rs.Close()
		lap(0)
		exec := func(s, width int, build func(string) string, fn func(r *bound, args []any) []any) {
			got, err := tx.execBatch(ctx, width, n, build, func(j int, args []any) []any { return fn(&rows[j], args) })
			if err != nil {
				b.Fatalf("%s: %v", steps[s], err)
			} else if got != n {
				b.Fatalf("%s: %d rows, want %d", steps[s], got, n)
			}
			lap(s)
		}
		exec(1, 6, func(values string) string {
			return `UPDATE order_lines SET allocated = v.column2, backordered = v.column3, shipped = v.column4,
				cancelled = v.column5, fulfilling = v.column6 FROM (VALUES ` + values + `) AS v WHERE order_lines.id = v.column1`
		}, func(r *bound, args []any) []any {
			return append(args, r.line, r.qty, int64(0), int64(0), int64(0), r.qty)
		})
		exec(2, len(movementColumns), insertBuilder("movements", movementColumns), func(r *bound, args []any) []any {
			return append(args, r.line, at, "allocate", sku, r.qty, r.order, r.line, "fifo", nil, int64(1))
		})
		exec(3, len(fulfillmentColumns), insertBuilder("fulfillments", fulfillmentColumns), func(r *bound, args []any) []any {
			return append(args, r.line, r.order, "open", nil, at, nil, nil, nil, nil)
		})
		exec(4, len(fulfillmentLineColumns), insertBuilder("fulfillment_lines", fulfillmentLineColumns), func(r *bound, args []any) []any {
			return append(args, r.line, r.line, sku, r.qty)
		})
		exec(5, len(eventColumns), insertBuilder("events", eventColumns), func(r *bound, args []any) []any {
			return append(args, r.line, at, "order.allocated", r.order, sku, r.pay)
		})
		exec(6, 5, insertBuilder("metric_lines", []string{"line_id", "waiting", "filled", "shipped", "cancelled"}), func(r *bound, args []any) []any {
			return append(args, r.line, int64(0), r.qty, int64(0), int64(0))
		})
		if err := btx.Commit(); err != nil {
			b.Fatal(err)
		}
		lap(7)

		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	storetest.ReportPhases(b, steps, total, "bound")
}
