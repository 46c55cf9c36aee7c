package main

import (
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// TestServe_AuthorizationSweep: serve's sweep follows the test clock and
// asks for the re-authorization of an authorization that lapsed.
func TestServe_AuthorizationSweep(t *testing.T) {
	c := mustRun(t, "--test-clock", "--sweep-interval", "20ms")
	if st := c.do("PUT", "/v1/products/S", map[string]any{"name": "S", "price_cents": 1000, "currency": "USD", "status": "active", "payment_timing": "at_ship"}, nil); st != 201 {
		t.Fatalf("put product: %d", st)
	}
	if st := c.do("POST", "/v1/orders", map[string]any{"id": "A", "customer": map[string]any{"id": "c", "email": "c@example.com", "name": "C"},
		"lines": []map[string]any{{"sku": "S", "quantity": 2}}}, nil); st != 201 {
		t.Fatalf("place order: %d", st)
	}
	if st := c.do("POST", "/v1/test-clock/advance", map[string]any{"days": 8}, nil); st != 200 {
		t.Fatalf("advance: %d", st)
	}
	// Wait for the sweep's next pass, whenever it comes.
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		var l backorder.PaymentLedger
		if st := c.do("GET", "/v1/orders/A/payments", nil, &l); st != 200 {
			t.Fatalf("ledger: %d", st)
		}
		if n := len(l.Payments); n > 1 {
			if p := l.Payments[n-1]; p.Kind != backorder.PaymentReauthorization || p.Amount != 2000 || n != 2 {
				t.Fatalf("ledger=%+v", l.Payments)
			}
			return
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("no re-authorization asked for")
		}
	}
}
