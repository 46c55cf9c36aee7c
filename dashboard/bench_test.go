package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/dashboard"
	"github.com/backorder/backorder/sqlite"
)

// BenchmarkDashboardPage times the dashboard's first page, signed in, over
// a SQLite store of BACKORDER_BENCH_ORDERS orders (default 100,000) across
// 20 SKUs, every fourth with its units waiting, and prints the median and
// 90th percentile:
//
//	go test -run '^$' -bench DashboardPage -benchtime 50x ./dashboard/
func BenchmarkDashboardPage(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BACKORDER_BENCH_ORDERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	clock := backorder.NewFixedClock(epoch)
	svc := backorder.NewService(backorder.Config{Store: db, Clock: clock, Writers: 1})
	defer svc.Close()
	const skus = 20
	for i := 0; i < skus; i++ {
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: fmt.Sprintf("SKU-%02d", i), Name: "Product", PriceCents: 1000, Currency: "USD", Status: backorder.StatusActive}); err != nil {
			b.Fatal(err)
		}
	}
	// The orders go straight into the store, a thousand per transaction:
	// the page reads them, and how they were accepted does not matter.
	start := time.Now()
	for done := 0; done < n; {
		tx, err := db.BeginWrite(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var os []*backorder.Order
		for k := 0; k < 1000 && done < n; k++ {
			at := epoch.Add(time.Duration(done) * time.Minute)
			l := &backorder.Line{LineNo: 1, SKU: fmt.Sprintf("SKU-%02d", done%skus), Quantity: 2, PriceCents: 1000, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder}
			if done%4 == 0 {
				l.Backordered = 2
			} else {
				l.Shipped = 2
			}
			o := &backorder.Order{ID: fmt.Sprintf("B-%07d", done), Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"},
				Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: at, Lines: []*backorder.Line{l}}
			o.Tally()
			os = append(os, o)
			done++
		}
		if err := tx.InsertOrders(ctx, os); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	clock.Advance(time.Duration(n) * time.Minute)
	if _, err := svc.CreateUser(ctx, &backorder.UserRequest{Email: email, Password: password}, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d orders in %v", n, time.Since(start).Round(time.Millisecond))
	h, err := dashboard.New(dashboard.Config{Service: svc, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	form := url.Values{"email": {email}, "password": {password}}
	resp, err := http.PostForm(srv.URL+"/ui/login", form) // follows the redirect without the cookie
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Request.Response.Cookies() {
		if c.Name == dashboard.CookieName {
			cookie = c
		}
	}
	if cookie == nil {
		b.Fatal("no session cookie")
	}
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.AddCookie(cookie)
		t0 := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		took = append(took, time.Since(t0))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	p50, p90 := took[len(took)/2], took[len(took)*9/10]
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p90.Microseconds())/1000, "p90-ms")
	fmt.Printf("dashboard first page, SQLite, %d orders (%d waiting): p50 %v, p90 %v over %d requests\n", n, (n+3)/4, p50, p90, len(took))
}
