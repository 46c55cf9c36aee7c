package storetest

import (
	"context"
	"testing"

	"github.com/backorder/backorder"
)

func testTxSettings(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("Default", func(t *testing.T) {
		s := open(t)
		got, err := mustRead(t, s).Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Settings", *got, backorder.DefaultSettings())
	})
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		want := backorder.DefaultSettings()
		want.Defaults.AcceptBackorders = false
		want.Defaults.MaxBackorderPerCustomer = ptr[int64](5)
		want.Defaults.SplitPolicy = backorder.SplitShipComplete
		want.Priority.VIP = backorder.PriorityRule{Enabled: true, Weight: 20}
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutSettings(ctx, &want); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Settings", *got, want)

		// Putting again replaces.
		want.Defaults.MaxBackorderPerCustomer = nil
		want.Priority.NeedBy.Enabled = true
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.PutSettings(ctx, &want); err != nil {
				t.Fatal(err)
			}
		})
		got, err = mustRead(t, s).Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		checkEqual(t, "Settings", *got, want)
	})
}

func testTxMeta(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			if err := tx.SetMeta(ctx, "admin_token_hash", "abc"); err != nil {
				t.Fatal(err)
			}
			if err := tx.SetMeta(ctx, "admin_token_hash", "def"); err != nil {
				t.Fatal(err)
			}
			if err := tx.SetMeta(ctx, "other", ""); err != nil {
				t.Fatal(err)
			}
		})
		tx := mustRead(t, s)
		if got, err := tx.Meta(ctx, "admin_token_hash"); err != nil {
			t.Fatal(err)
		} else if want := "def"; got != want {
			t.Fatalf("Meta=%q, want %q", got, want)
		}
		if got, err := tx.Meta(ctx, "other"); err != nil {
			t.Fatal(err)
		} else if got != "" {
			t.Fatalf("Meta=%q, want empty", got)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := mustRead(t, open(t)).Meta(ctx, "missing")
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("Add", func(t *testing.T) {
		s := open(t)
		mustWrite(t, s, func(tx backorder.Tx) {
			for _, v := range []string{"first", "second"} {
				if got, err := tx.AddMeta(ctx, "admin_token_hash", v); err != nil {
					t.Fatal(err)
				} else if got != "first" {
					t.Fatalf("AddMeta(%q)=%q, want the value stored first", v, got)
				}
			}
		})
		if got, err := mustRead(t, s).Meta(ctx, "admin_token_hash"); err != nil || got != "first" {
			t.Fatalf("Meta=%q, %v, want first", got, err)
		}
	})
}
