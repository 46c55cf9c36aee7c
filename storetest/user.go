package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// testDashboard runs what the dashboard needs of a store: users and
// sessions, the tracking figures, and raising a line's priority.
func testDashboard(t *testing.T, open Opener, writers int) {
	t.Run("Users", func(t *testing.T) { t.Parallel(); testUsers(t, open, writers) })
	t.Run("Tracking", func(t *testing.T) { t.Parallel(); testTracking(t, open, writers) })
	t.Run("LinePriority", func(t *testing.T) { t.Parallel(); testLinePriority(t, open, writers) })
}

// testUsers covers dashboard users and sessions: creation with a unique
// email, sign-in with the right password only, a session that ends at its
// expiry or at sign-out, and expired sessions removed at the next sign-in.
func testUsers(t *testing.T, open Opener, writers int) {
	store := open(t)
	svc, clock := MustService(t, store, writers)
	ctx := context.Background()
	u, err := svc.CreateUser(ctx, &backorder.UserRequest{Email: "Ops@Example.com", Name: "Ops", Password: "correct horse"}, nil)
	if err != nil {
		t.Fatal(err)
	} else if u.ID == 0 || u.Email != "ops@example.com" || string(u.PasswordHash) == "correct horse" {
		t.Fatalf("user=%+v", u)
	}
	_, err = svc.CreateUser(ctx, &backorder.UserRequest{Email: "ops@example.com", Password: "another password"}, nil)
	checkCode(t, err, backorder.ECONFLICT)
	_, err = svc.CreateUser(ctx, &backorder.UserRequest{Email: "x@example.com", Password: "short"}, nil)
	checkCode(t, err, backorder.EINVALID)

	_, _, err = svc.SignIn(ctx, "ops@example.com", "wrong horse!")
	checkCode(t, err, backorder.EUNAUTHORIZED)
	_, _, err = svc.SignIn(ctx, "nobody@example.com", "correct horse")
	checkCode(t, err, backorder.EUNAUTHORIZED)

	first, token, err := svc.SignIn(ctx, " OPS@example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Session(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "session user", got.UserID, u.ID)
	checkEqual(t, "session email", got.Email, "ops@example.com")
	checkEqual(t, "session csrf", got.CSRF, first.CSRF)
	checkTime(t, "expires", got.ExpiresAt, epoch.Add(backorder.SessionTTL))
	_, err = svc.Session(ctx, token+"x")
	checkCode(t, err, backorder.EUNAUTHORIZED)

	// At its expiry the session is refused, and the next sign-in removes it.
	clock.Advance(backorder.SessionTTL)
	_, err = svc.Session(ctx, token)
	checkCode(t, err, backorder.EUNAUTHORIZED)
	_, second, err := svc.SignIn(ctx, "ops@example.com", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	tx := mustRead(t, store)
	_, err = tx.Session(ctx, backorder.HashSessionToken(token))
	checkCode(t, err, backorder.ENOTFOUND)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	if _, err := svc.Session(ctx, second); err != nil {
		t.Fatal(err)
	}
	if err := svc.SignOut(ctx, second); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Session(ctx, second)
	checkCode(t, err, backorder.EUNAUTHORIZED)
	if err := svc.SignOut(ctx, second); err != nil {
		t.Fatalf("second sign-out: %v", err)
	}
}

// testTracking checks the tracking dashboard's figures on the source
// document's queue: three orders of 20 waiting, then 50 units received.
func testTracking(t *testing.T, open Opener, writers int) {
	svc, clock := MustService(t, open(t), writers)
	ctx := context.Background()
	empty, err := svc.Tracking(ctx)
	if err != nil {
		t.Fatal(err)
	} else if empty.Lines != 0 || empty.Oldest != nil || len(empty.Value) != 0 || empty.Within.Share != nil {
		t.Fatalf("empty tracking=%s", dump(empty))
	}
	MustProduct(t, svc, "WIDGET-PRO-BLUE", 0, backorder.Policy{})
	MustProduct(t, svc, "GADGET", 0, backorder.Policy{})
	for _, id := range []string{"100", "101", "102"} {
		MustOrder(t, svc, id, "WIDGET-PRO-BLUE", 20)
		clock.Advance(24 * time.Hour)
	}
	MustOrder(t, svc, "200", "GADGET", 1)
	clock.Advance(7 * 24 * time.Hour)
	tr, err := svc.Tracking(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "lines", tr.Lines, int64(4))
	checkEqual(t, "units", tr.Units, int64(61))
	checkTime(t, "oldest", *tr.Oldest, epoch)
	checkEqual(t, "oldest days", tr.OldestDays, 10)
	checkEqual(t, "value", tr.Value, []backorder.Money{{Amount: 61 * 2500, Currency: "USD"}})
	checkEqual(t, "within lines", tr.Within.Lines, int64(4))
	var aged []int64
	for _, b := range tr.Aging {
		aged = append(aged, b.Lines)
	}
	// Ages 10, 9, 8 and 7 days: all four in [7,14).
	checkEqual(t, "aging", aged, []int64{0, 0, 4, 0, 0, 0})
	checkEqual(t, "skus", len(tr.SKUs), 2)
	checkEqual(t, "first sku", tr.SKUs[0].SKU, "WIDGET-PRO-BLUE")
	checkEqual(t, "first sku units", tr.SKUs[0].Units, int64(60))

	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "WIDGET-PRO-BLUE", Quantity: 50, Reference: "PO-1"}, nil); err != nil {
		t.Fatal(err)
	}
	tr, err = svc.Tracking(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "lines after receipt", tr.Lines, int64(2))
	checkEqual(t, "units after receipt", tr.Units, int64(11))
	checkTime(t, "oldest after receipt", *tr.Oldest, epoch.Add(2*24*time.Hour))
	checkEqual(t, "value after receipt", tr.Value, []backorder.Money{{Amount: 11 * 2500, Currency: "USD"}})
}
