package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// BenchmarkReviewPage100k measures one page of 100 of the stale review
// read from the middle of 100,000 waiting lines (StaleLines): the partial
// index order_lines_waiting_all makes it cost the page, not the queue.
func BenchmarkReviewPage100k(b *testing.B) {
	const n = 100_000
	db := MustOpenBench(b)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tx, err := db.BeginWrite(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.PutProduct(ctx, &backorder.Product{SKU: "S", Name: "S", PriceCents: 999, Currency: "USD", Status: backorder.StatusActive, CreatedAt: start, UpdatedAt: start}); err != nil {
		b.Fatal(err)
	}
	os := make([]*backorder.Order, n)
	for i := range os {
		os[i] = &backorder.Order{ID: fmt.Sprint("O", i), Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"}, Shipping: "standard",
			SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: start.Add(time.Duration(i) * time.Second), Units: 1, LineCount: 1,
			Lines: []*backorder.Line{{LineNo: 1, SKU: "S", Quantity: 1, Backordered: 1, PriceCents: 999, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder}}}
	}
	if err := tx.InsertOrders(ctx, os); err != nil {
		b.Fatal(err)
	}
	if err := tx.SaveStock(ctx, []backorder.Stock{{SKU: "S", Backordered: n}}); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	mid := os[n/2].Lines[0]
	after := backorder.ReviewCursor{AcceptedAt: os[n/2].AcceptedAt, LineID: mid.ID}
	b.ResetTimer()
	for range b.N {
		tx, err := db.BeginRead(ctx)
		if err != nil {
			b.Fatal(err)
		}
		ls, err := tx.StaleLines(ctx, backorder.StaleQuery{Before: start.Add(365 * 24 * time.Hour), After: after, Limit: 101})
		if err != nil || len(ls) != 101 {
			b.Fatalf("%d lines, %v", len(ls), err)
		}
		tx.Rollback()
	}
}

// BenchmarkCancellationReport100k measures the sums of a 7-day window of
// the cancellation report among 100,000 records over 100 days
// (CancellationSums): the index cancellations_at makes it read the window.
func BenchmarkCancellationReport100k(b *testing.B) {
	const n = 100_000
	db := MustOpenBench(b)
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	codes := backorder.DefaultCancelReasons()
	cs := make([]backorder.Cancellation, n)
	for i := range cs {
		cs[i] = backorder.Cancellation{At: start.Add(time.Duration(i) * (100 * 24 * time.Hour / n)), OrderID: fmt.Sprint("O", i), LineID: int64(i + 1),
			SKU: fmt.Sprint("SKU-", i%200), Units: int64(1 + i%3), ValueCents: 999, Currency: "USD", ReasonCode: codes[i%len(codes)]}
	}
	tx, err := db.BeginWrite(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.InsertCancellations(ctx, cs); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	from := start.Add(50 * 24 * time.Hour)
	b.ResetTimer()
	for range b.N {
		tx, err := db.BeginRead(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sums, err := tx.CancellationSums(ctx, from, from.Add(7*24*time.Hour))
		if err != nil || len(sums) == 0 {
			b.Fatalf("%d sums, %v", len(sums), err)
		}
		tx.Rollback()
	}
}

// MustOpenBench opens a database file in the benchmark's temporary directory.
func MustOpenBench(b *testing.B) *DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}
