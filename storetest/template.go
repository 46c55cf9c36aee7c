package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testTemplates stores, replaces, lists and deletes edited email templates
// through the service, and checks the times and texts come back as stored.
func testTemplates(t *testing.T, open Opener, writers int) {
	ctx := context.Background()
	svc, clock := MustService(t, open(t), writers)

	if _, err := svc.Template(ctx, "shipped"); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("Template before any put: err=%v, want not found", err)
	}
	if ts, err := svc.Templates(ctx); err != nil {
		t.Fatal(err)
	} else if len(ts) != 0 {
		t.Fatalf("Templates=%s, want none", dump(ts))
	}

	shipped := &backorder.Template{Name: "shipped", Subject: "Shipped: {{.OrderID}}", Text: "Ünïcode ✓ and 'quotes' \"too\"\n", HTML: "<p>{{.OrderID}}</p>"}
	got, err := svc.PutTemplate(ctx, shipped)
	if err != nil {
		t.Fatal(err)
	}
	checkTime(t, "UpdatedAt", got.UpdatedAt, epoch)
	clock.Advance(time.Hour)
	if _, err := svc.PutTemplate(ctx, &backorder.Template{Name: "cancelled", Subject: "s", Text: "t", HTML: "h"}); err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		got, err := svc.Template(ctx, "shipped")
		if err != nil {
			t.Fatal(err)
		}
		checkTime(t, "UpdatedAt", got.UpdatedAt, epoch)
		got.UpdatedAt = time.Time{}
		checkEqual(t, "Template", *got, *shipped)
	})
	t.Run("List", func(t *testing.T) {
		ts, err := svc.Templates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 2 || ts[0].Name != "cancelled" || ts[1].Name != "shipped" {
			t.Fatalf("Templates=%s, want cancelled, shipped", dump(ts))
		}
		checkTime(t, "cancelled.UpdatedAt", ts[0].UpdatedAt, epoch.Add(time.Hour))
	})
	t.Run("Replace", func(t *testing.T) {
		clock.Advance(time.Hour)
		if _, err := svc.PutTemplate(ctx, &backorder.Template{Name: "cancelled", Subject: "s2", Text: "t2", HTML: "h2"}); err != nil {
			t.Fatal(err)
		}
		got, err := svc.Template(ctx, "cancelled")
		if err != nil {
			t.Fatal(err)
		} else if got.Subject != "s2" || got.Text != "t2" || got.HTML != "h2" {
			t.Fatalf("Template=%s", dump(got))
		}
		checkTime(t, "UpdatedAt", got.UpdatedAt, epoch.Add(2*time.Hour))
	})
	t.Run("Delete", func(t *testing.T) {
		if err := svc.DeleteTemplate(ctx, "cancelled"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Template(ctx, "cancelled"); backorder.ErrorCode(err) != backorder.ENOTFOUND {
			t.Fatalf("Template after delete: err=%v, want not found", err)
		}
		// Deleting again, or a name never stored, is not an error.
		if err := svc.DeleteTemplate(ctx, "cancelled"); err != nil {
			t.Fatal(err)
		}
		if ts, err := svc.Templates(ctx); err != nil {
			t.Fatal(err)
		} else if len(ts) != 1 || ts[0].Name != "shipped" {
			t.Fatalf("Templates=%s, want shipped", dump(ts))
		}
	})
}
