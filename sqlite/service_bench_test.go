package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
)

// BenchmarkPlaceOrder measures order intake through the service on SQLite
// with 64 concurrent callers, so the committer batches as it does under load.
func BenchmarkPlaceOrder(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := backorder.NewService(backorder.Config{Store: db})
	defer svc.Close()
	ctx := context.Background()
	skus := make([]string, 10)
	for i := range skus {
		skus[i] = fmt.Sprintf("HOT-%d", i)
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: skus[i], Name: "Hot", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/64 + 1
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				id := fmt.Sprintf("%d-%d", w, i)
				_, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{
					ID: id, Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"},
					Lines: []backorder.LineRequest{{SKU: skus[(w+i)%10], Quantity: 2}}, Shipping: backorder.ShippingStandard,
				}, &backorder.Idempotency{Key: id, Hash: "h"})
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*64)/b.Elapsed().Seconds(), "orders/s")
}
