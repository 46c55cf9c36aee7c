package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/postgres"
	"github.com/backorder/backorder/storetest"
)

// mustSeedQueue creates product sku with n orders of one backordered unit
// each, straight in SQL: the benchmarks time the allocation run, not the
// intake of the orders.
func mustSeedQueue(tb testing.TB, db *postgres.DB, sku string, n int) {
	tb.Helper()
	ctx := context.Background()
	pool := db.Pool()
	now := time.Now().UTC().Add(-time.Hour)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO products (sku, name, price_cents, currency, status, backordered, created_at, updated_at)
			VALUES ($1, 'Hot item', 1999, 'USD', 'active', $2, $3, $3)`, []any{sku, n, now}},
		{`INSERT INTO orders (id, seq, customer_id, customer_email, customer_name, shipping, split_policy, accepted_at, units, line_count)
			SELECT $1 || '-' || g, nextval('order_seq'), 'c' || (g % 5000), 'c@example.com', 'C', 'standard', 'ship_available',
				$3::timestamptz + g * interval '1 microsecond', 1, 1
			FROM generate_series(1, $2::int) AS g`, []any{sku, n, now}},
		{`INSERT INTO order_lines (order_id, line_no, sku, quantity, allocated, backordered, shipped, cancelled, fulfilling,
				price_cents, currency, payment_timing, accepted_at, seq, intake_backordered)
			SELECT o.id, 1, $1, 1, 0, 1, 0, 0, 0, 1999, 'USD', 'at_order', o.accepted_at, o.seq, 1
			FROM orders o WHERE o.id LIKE $1 || '-%'`, []any{sku}},
		{`INSERT INTO movements (at, kind, sku, quantity, order_id, line_id)
			SELECT $2, 'backorder', $1, 1, order_id, id FROM order_lines WHERE sku = $1`, []any{sku, now}},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkBulk100k times the store calls of one receipt that fills 100,000
// waiting lines of one SKU, in one transaction, as the service makes them:
// WaitingLines, SaveLines, AppendMovements, InsertFulfillments (one line
// each), AppendEvents (one per order and one per fulfillment), the kept
// metric lines' units moved to filled (AddMetricFills), SaveStock and
// Commit. Each step's time is reported as a metric (ms).
func BenchmarkBulk100k(b *testing.B) {
	const n = 100_000
	db := MustOpenDB(b)
	ctx := context.Background()
	steps := []string{"lock", "waiting", "savelines", "movements", "fulfillments", "events", "metrics", "stock", "commit"}
	total := map[string]time.Duration{}
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		sku := fmt.Sprintf("HOT-%d", i)
		mustSeedQueue(b, db, sku, n)
		b.StartTimer()

		var mark time.Time
		step := func(name string) {
			now := time.Now()
			if name != "" {
				total[name] += now.Sub(mark)
			}
			mark = now
		}
		step("")
		now := time.Now().UTC().Truncate(time.Microsecond)
		tx, err := db.BeginWrite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.LockSKUs(ctx, []string{sku}); err != nil {
			b.Fatal(err)
		}
		p, err := tx.Product(ctx, sku)
		if err != nil {
			b.Fatal(err)
		}
		step("lock")
		queue, err := tx.WaitingLines(ctx, backorder.QueueQuery{SKU: sku, Limit: n})
		if err != nil {
			b.Fatal(err)
		} else if len(queue) != n {
			b.Fatalf("%d waiting lines, want %d", len(queue), n)
		}
		step("waiting")
		lines := make([]*backorder.Line, n)
		moves := make([]backorder.Movement, 0, n+1)
		moves = append(moves, backorder.Movement{At: now, Kind: backorder.MoveReceipt, SKU: sku, Quantity: n, Reference: "PO"})
		fs := make([]*backorder.Fulfillment, n)
		events := make([]backorder.Event, 0, 2*n)
		for j, e := range queue {
			l := e.Line
			l.Allocated, l.Backordered, l.Fulfilling = 1, 0, 1
			lines[j] = l
			moves = append(moves, backorder.Movement{At: now, Kind: backorder.MoveAllocate, SKU: sku, Quantity: 1, OrderID: l.OrderID, LineID: l.ID, Reason: backorder.ReasonFIFO})
			fs[j] = &backorder.Fulfillment{OrderID: l.OrderID, State: backorder.FulfillmentOpen, CreatedAt: now,
				Lines: []backorder.FulfillmentLine{{LineID: l.ID, SKU: sku, Quantity: 1}}}
			events = append(events, backorder.Event{At: now, Kind: backorder.EventOrderAllocated, OrderID: l.OrderID, SKU: sku,
				Payload: []byte(`{"status":"allocated","reason":""}`)})
		}
		if err := tx.SaveLines(ctx, lines); err != nil {
			b.Fatal(err)
		}
		step("savelines")
		if err := tx.AppendMovements(ctx, moves); err != nil {
			b.Fatal(err)
		}
		step("movements")
		if err := tx.InsertFulfillments(ctx, fs); err != nil {
			b.Fatal(err)
		}
		step("fulfillments")
		for _, f := range fs {
			events = append(events, backorder.Event{At: now, Kind: backorder.EventOrderSplitChosen, OrderID: f.OrderID,
				Payload: []byte(fmt.Sprintf(`{"fulfillment_id":%d,"hold_until":""}`, f.ID))})
		}
		if err := tx.AppendEvents(ctx, events); err != nil {
			b.Fatal(err)
		}
		step("events")
		fills := make([]backorder.MetricFill, 0, n)
		for _, e := range queue {
			if e.IntakeBackordered > 0 {
				fills = append(fills, backorder.MetricFill{LineID: e.Line.ID, Intake: e.IntakeBackordered, Units: 1})
			}
		}
		if len(fills) != n {
			b.Fatalf("%d of %d queue lines backordered at intake", len(fills), n)
		}
		if err := tx.AddMetricFills(ctx, fills); err != nil {
			b.Fatal(err)
		}
		step("metrics")
		st := p.Stock
		st.OnHand, st.Allocated, st.Backordered = n, n, 0
		if err := tx.SaveStock(ctx, []backorder.Stock{st}); err != nil {
			b.Fatal(err)
		}
		step("stock")
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		step("commit")
	}
	totals := make([]time.Duration, len(steps))
	for i, s := range steps {
		totals[i] = total[s]
	}
	storetest.ReportPhases(b, steps, totals, "store")
}

// BenchmarkReceive100k times one receipt through the service, end to end:
// 100,000 units received into a SKU with 100,000 single-unit backorders,
// allocated, requested for shipping and notified in one transaction.
func BenchmarkReceive100k(b *testing.B) {
	const n = 100_000
	db := MustOpenDB(b)
	svc := backorder.NewService(backorder.Config{Store: db, Writers: 1})
	defer svc.Close()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		sku := fmt.Sprintf("HOT-%d", i)
		mustSeedQueue(b, db, sku, n)
		b.StartTimer()
		res, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: n}, nil)
		if err != nil {
			b.Fatal(err)
		} else if res.LinesFilled != n || res.Backordered != 0 {
			b.Fatalf("%d lines filled, %d still backordered", res.LinesFilled, res.Backordered)
		}
	}
}

// BenchmarkFloor100k is the floor under BenchmarkBulk100k: the same rows
// written to the same schema in one transaction, by bare SQL statements that
// copy them from a temporary table made beforehand (not timed), so nothing is
// sent, bound or built by the client. It reads the queue joined with its
// orders, allocates every line, appends a movement, a fulfillment with its
// line, an event and the metrics' state of the line (filled from the queue)
// per line, and commits. No store makes these writes faster
// with this schema and server; each step is reported in ms per receipt.
func BenchmarkFloor100k(b *testing.B) {
	const n = 100_000
	db := MustOpenDB(b)
	ctx := context.Background()
	pool := db.Pool()
	steps := []struct{ name, sql string }{
		{"read", `SELECT count(*), sum(l.backordered + o.units + length(o.customer_id)) FROM order_lines l
			JOIN orders o ON o.id = l.order_id WHERE l.sku = $1 AND l.backordered > 0`},
		{"lines", `UPDATE order_lines SET allocated = allocated + backordered, fulfilling = fulfilling + backordered,
			backordered = 0 WHERE sku = $1 AND backordered > 0`},
		{"movements", `INSERT INTO movements (at, kind, sku, quantity, order_id, line_id, reason, cause_id)
			SELECT at, 'allocate', sku, quantity, order_id, line_id, 'fifo', 1 FROM floor`},
		{"fulfillments", `INSERT INTO fulfillments (id, order_id, state, created_at)
			SELECT fulfillment_id, order_id, 'open', at FROM floor`},
		{"fulfillment_lines", `INSERT INTO fulfillment_lines (fulfillment_id, line_id, sku, quantity)
			SELECT fulfillment_id, line_id, sku, quantity FROM floor`},
		{"events", `INSERT INTO events (at, kind, order_id, sku, payload)
			SELECT at, 'order.allocated', order_id, sku, payload FROM floor`},
		{"metric_lines", `INSERT INTO metric_lines (line_id, waiting, filled, shipped, cancelled)
			SELECT line_id, 0, quantity, 0, false FROM floor`},
	}
	total := make([]time.Duration, len(steps)+1)
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		sku := fmt.Sprintf("FLOOR-%d", i)
		mustSeedQueue(b, db, sku, n)
		tx, err := pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		// The rows the service would send, one per waiting line.
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE floor ON COMMIT DROP AS
			SELECT now() AS at, sku, order_id, id AS line_id, backordered AS quantity,
				(SELECT coalesce(max(id), 0) FROM fulfillments) + row_number() OVER (ORDER BY id) AS fulfillment_id,
				json_build_object('version', 1, 'status', 'allocated', 'units', backordered, 'fulfillment_ids', json_build_array(id)) AS payload
			FROM order_lines WHERE sku = $1 AND backordered > 0`, sku); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(ctx, `ANALYZE floor`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		for s, step := range steps {
			t := time.Now()
			var args []any
			if s < 2 {
				args = []any{sku}
			}
			tag, err := tx.Exec(ctx, step.sql, args...)
			if err != nil {
				b.Fatalf("%s: %v", step.name, err)
			}
			if s > 0 && tag.RowsAffected() != n {
				b.Fatalf("%s: %d rows, want %d", step.name, tag.RowsAffected(), n)
			}
			total[s] += time.Since(t)
		}
		t := time.Now()
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		total[len(steps)] += time.Since(t)
	}
	phases := make([]string, 0, len(steps)+1)
	for _, step := range steps {
		phases = append(phases, step.name)
	}
	storetest.ReportPhases(b, append(phases, "commit"), total, "floor")
}
