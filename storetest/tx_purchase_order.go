package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func testTxPurchaseOrders(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := mustOpenWith(t, open, "A", "B")
	mustWrite(t, s, func(tx backorder.Tx) {
		for _, id := range []string{"ACME", "BOLT"} {
			if err := tx.PutSupplier(ctx, &backorder.Supplier{ID: id, Name: id, CreatedAt: t0, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
	})
	newPO := func(supplier string) *backorder.PurchaseOrder {
		return &backorder.PurchaseOrder{Reference: "PO-" + supplier, SupplierID: supplier, ExpectedAt: "2026-02-20", Status: backorder.POOpen,
			Lines:       []backorder.POLine{{SKU: "A", Quantity: 10}, {SKU: "B", Quantity: 5}},
			DateChanges: []backorder.PODateChange{}, Deliveries: []backorder.PODelivery{}, CreatedAt: t0, UpdatedAt: t0}
	}
	var po *backorder.PurchaseOrder
	mustWrite(t, s, func(tx backorder.Tx) {
		po = newPO("ACME")
		if err := tx.InsertPurchaseOrder(ctx, po); err != nil {
			t.Fatal(err)
		}
		for _, sup := range []string{"BOLT", "ACME"} {
			if err := tx.InsertPurchaseOrder(ctx, newPO(sup)); err != nil {
				t.Fatal(err)
			}
		}
	})
	if po.ID <= 0 || po.Lines[0].ID <= 0 || po.Lines[1].ID <= po.Lines[0].ID {
		t.Fatalf("IDs not set: %s", dump(po))
	}
	checkPO := func(t *testing.T, got, want *backorder.PurchaseOrder) {
		t.Helper()
		checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
		checkTime(t, "UpdatedAt", got.UpdatedAt, want.UpdatedAt)
		for i := range want.DateChanges {
			checkTime(t, "DateChanges.At", got.DateChanges[i].At, want.DateChanges[i].At)
		}
		if len(got.Deliveries) != len(want.Deliveries) {
			t.Fatalf("deliveries=%s, want %s", dump(got.Deliveries), dump(want.Deliveries))
		}
		for i, d := range want.Deliveries {
			checkTime(t, "Deliveries.At", got.Deliveries[i].At, d.At)
			if got.Deliveries[i].SKU != d.SKU || got.Deliveries[i].Quantity != d.Quantity {
				t.Fatalf("deliveries=%s, want %s", dump(got.Deliveries), dump(want.Deliveries))
			}
		}
		g, w := *got, *want
		g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		g.DateChanges, w.DateChanges, g.Deliveries, w.Deliveries = nil, nil, nil, nil
		checkEqual(t, "PurchaseOrder", g, w)
		if len(got.DateChanges) != len(want.DateChanges) {
			t.Fatalf("date changes=%s, want %s", dump(got.DateChanges), dump(want.DateChanges))
		}
		for i := range want.DateChanges {
			if got.DateChanges[i].From != want.DateChanges[i].From || got.DateChanges[i].To != want.DateChanges[i].To {
				t.Fatalf("date changes=%s, want %s", dump(got.DateChanges), dump(want.DateChanges))
			}
		}
	}
	t.Run("OK", func(t *testing.T) {
		got, err := mustRead(t, s).PurchaseOrder(ctx, po.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkPO(t, got, po)
	})
	t.Run("Save", func(t *testing.T) {
		p := *po
		p.Lines = append([]backorder.POLine(nil), po.Lines...)
		later := t0.Add(time.Hour)
		p.Lines[0].Received, p.Lines[1].Received, p.Lines[1].Cancelled = 12, 2, 3
		p.Status, p.ExpectedAt, p.UpdatedAt = backorder.POReceived, "2026-02-27", later
		p.DateChanges = []backorder.PODateChange{{At: later, From: "2026-02-20", To: "2026-02-25"}, {At: later, From: "2026-02-25", To: "2026-02-27"}}
		p.Deliveries = []backorder.PODelivery{{At: t0, SKU: "A", Quantity: 7}, {At: later, SKU: "B", Quantity: 2}, {At: later, SKU: "A", Quantity: 5}}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SavePurchaseOrder(ctx, &p); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).PurchaseOrder(ctx, po.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkPO(t, got, &p)
		// Saving again appends nothing twice.
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SavePurchaseOrder(ctx, &p); err != nil {
				t.Fatal(err)
			}
		})
		if got, err := mustRead(t, s).PurchaseOrder(ctx, po.ID); err != nil || len(got.DateChanges) != 2 || len(got.Deliveries) != 3 {
			t.Fatalf("after a second save: %v, %v", got, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, s).PurchaseOrder(ctx, 424242)
		checkCode(t, err, backorder.ENOTFOUND)
		tx := mustBegin(t, s)
		defer tx.Rollback()
		checkCode(t, tx.SavePurchaseOrder(ctx, &backorder.PurchaseOrder{ID: 424242, Status: backorder.POOpen, ExpectedAt: "2026-01-01"}), backorder.ENOTFOUND)
	})
	t.Run("List", func(t *testing.T) {
		tx := mustRead(t, s)
		all, err := tx.ListPurchaseOrders(ctx, backorder.POFilter{Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if len(all) != 3 || all[0].ID != po.ID || len(all[1].Lines) != 2 {
			t.Fatalf("all=%s", dump(all))
		}
		acme, err := tx.ListPurchaseOrders(ctx, backorder.POFilter{SupplierID: "ACME", Status: backorder.POOpen, Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if len(acme) != 1 || acme[0].ID != all[2].ID {
			t.Fatalf("ACME's open=%s, want the third only", dump(acme))
		}
		if withB, err := tx.ListPurchaseOrders(ctx, backorder.POFilter{SKU: "B", Limit: 10}); err != nil || len(withB) != 3 {
			t.Fatalf("with SKU B=%d, %v; want 3", len(withB), err)
		}
		if withC, err := tx.ListPurchaseOrders(ctx, backorder.POFilter{SKU: "C", Limit: 10}); err != nil || len(withC) != 0 {
			t.Fatalf("with SKU C=%d, %v; want none", len(withC), err)
		}
		page, err := tx.ListPurchaseOrders(ctx, backorder.POFilter{After: all[0].ID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		} else if len(page) != 1 || page[0].ID != all[1].ID {
			t.Fatalf("page after the first=%s", dump(page))
		}
	})
}
