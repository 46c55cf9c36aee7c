package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func testTxSuppliers(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	acme := &backorder.Supplier{ID: "ACME", Name: "Acme Widgets", ContactEmail: "orders@acme.example", LeadTimeDays: 21, CreatedAt: t0, UpdatedAt: t0}
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.PutSupplier(ctx, acme); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if err := tx.PutSupplier(ctx, &backorder.Supplier{ID: fmt.Sprintf("S-%d", i), Name: "Other", CreatedAt: t0, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("OK", func(t *testing.T) {
		got, err := mustRead(t, s).Supplier(ctx, "ACME")
		if err != nil {
			t.Fatal(err)
		}
		checkTime(t, "CreatedAt", got.CreatedAt, t0)
		checkTime(t, "UpdatedAt", got.UpdatedAt, t0)
		got.CreatedAt, got.UpdatedAt = acme.CreatedAt, acme.UpdatedAt
		checkEqual(t, "Supplier", *got, *acme)
	})
	t.Run("Replace", func(t *testing.T) {
		later := t0.Add(time.Hour)
		mustWrite(t, s, func(tx backorder.Tx) {
			err := tx.PutSupplier(ctx, &backorder.Supplier{ID: "S-0", Name: "Renamed", LeadTimeDays: 3, CreatedAt: t0, UpdatedAt: later})
			if err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Supplier(ctx, "S-0")
		if err != nil {
			t.Fatal(err)
		} else if got.Name != "Renamed" || got.LeadTimeDays != 3 || got.ContactEmail != "" {
			t.Fatalf("Supplier=%s", dump(got))
		}
		checkTime(t, "UpdatedAt", got.UpdatedAt, later)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, s).Supplier(ctx, "missing")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("List", func(t *testing.T) {
		tx := mustRead(t, s)
		first, err := tx.ListSuppliers(ctx, backorder.SupplierFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		} else if len(first) != 2 || first[0].ID != "ACME" || first[1].ID != "S-0" {
			t.Fatalf("first page=%s", dump(first))
		}
		rest, err := tx.ListSuppliers(ctx, backorder.SupplierFilter{After: first[1].ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if len(rest) != 3 || rest[0].ID != "S-1" || rest[2].ID != "S-3" {
			t.Fatalf("second page=%s", dump(rest))
		}
	})
}
