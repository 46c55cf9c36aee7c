package customer_test

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
	"github.com/backorder/backorder/mail"
	"github.com/backorder/backorder/sqlite"
)

// chromiumPath is Debian's chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// mustBrowser starts a headless Chromium for one test. Under CI=true a
// missing browser fails the test; elsewhere it skips.
func mustBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required under CI (apt-get install chromium): %v", err)
		}
		t.Skipf("chromium not installed: %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(390, 844), // a phone's viewport
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// mustRun runs one action that yields a value.
func mustRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestBrowser_CancelFromMail follows the Cancel link of a confirmation
// mail in headless Chromium: the page shows the status and the promise
// date of each line, cancels with a reason from the list, and shows the new
// state; a tampered link is a 404 that names no order.
func TestBrowser_CancelFromMail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "backorder.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := backorder.NewFixedClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	svc := backorder.NewService(backorder.Config{Store: db, Clock: clock})
	t.Cleanup(func() { svc.Close() })
	links := &mail.Linker{Secret: []byte("browser-test-secret-0123456789")}
	// Anything logged at warning or above (an internal error) fails the test.
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ts := httptest.NewServer(bohttp.NewServer(bohttp.Config{Service: svc, TokenHash: sha256.Sum256([]byte("t")), Links: links, Logger: log}))
	t.Cleanup(func() {
		if logs.Len() > 0 {
			t.Errorf("server logged errors:\n%s", logs.String())
		}
	})
	t.Cleanup(ts.Close)
	links.BaseURL = ts.URL

	lead := 14
	for _, p := range []backorder.ProductInput{
		{SKU: "WIDGET-PRO-BLUE", Name: "Widget Pro - Blue", PriceCents: 4999, Currency: "USD", Status: "active", Supply: backorder.Supply{LeadTimeDays: &lead}},
		{SKU: "GADGET", Name: "Gadget <Mini>", PriceCents: 1999, Currency: "USD", Status: "active"},
	} {
		if _, _, err := svc.PutProduct(ctx, &p); err != nil {
			t.Fatal(err)
		}
	}
	req := &backorder.OrderRequest{ID: "1001", Customer: backorder.Customer{ID: "C-1", Email: "alex@example.com", Name: "Alex Doe"},
		Lines: []backorder.LineRequest{{SKU: "WIDGET-PRO-BLUE", Quantity: 2}, {SKU: "GADGET", Quantity: 1}}}
	if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	o, err := svc.Order(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if o.Lines[0].ETA == nil || o.Lines[0].ETA.Date == "" {
		t.Fatalf("the widget line has no promise date: %+v", o.Lines[0])
	}
	wantDate, _ := time.Parse(backorder.DateLayout, o.Lines[0].ETA.Date)

	// The confirmation mail, as the customer gets it.
	products := map[string]*backorder.Product{}
	for _, sku := range []string{"WIDGET-PRO-BLUE", "GADGET"} {
		if products[sku], err = svc.Product(ctx, sku); err != nil {
			t.Fatal(err)
		}
	}
	d, err := mail.NewData(o, products, backorder.Event{}, links.Links(o.ID, svc.Now()), svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.Defaults().Render(mail.BackorderConfirmation, d)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Cancel Order: (\S+)`).FindStringSubmatch(msg.Text)
	if m == nil {
		t.Fatalf("no Cancel Order link in the mail:\n%s", msg.Text)
	}
	cancelURL := m[1]

	b := mustBrowser(t)
	if err := chromedp.Do(b, chromedp.Navigate(cancelURL)); err != nil {
		t.Fatal(err)
	}
	status := mustRun(t, b, chromedp.Text(chromedp.ID("status")))
	lineStatus := mustRun(t, b, chromedp.Text(chromedp.CSS(".line-status")))
	lines := mustRun(t, b, chromedp.Text(chromedp.ID("lines")))
	title := mustRun(t, b, chromedp.Title())
	if status != "On backorder" || lineStatus != "On backorder" {
		t.Fatalf("status=%q line status=%q, want On backorder", status, lineStatus)
	}
	for _, want := range []string{"Widget Pro - Blue", wantDate.Format("January 2, 2006"), "Gadget <Mini>", "we will email you the date as soon as we know it"} {
		if !strings.Contains(lines, want) {
			t.Fatalf("lines %q lack %q", lines, want)
		}
	}
	if !strings.Contains(title, "Order 1001") {
		t.Fatalf("title=%q", title)
	}
	saveShot(t, "customer-page-before-cancel.png", mustRun(t, b, chromedp.FullScreenshot(100)))

	if err := chromedp.Do(b,
		chromedp.SetValue(chromedp.ID("reason"), "too_slow"),
		chromedp.SendKeys(chromedp.ID("note"), "need it sooner"),
	); err != nil {
		t.Fatal(err)
	}
	// The click posts the form and the browser follows the 303 to the page.
	if _, err := chromedp.RunResponse(b, chromedp.Click(chromedp.ID("cancel-submit"))); err != nil {
		t.Fatal(err)
	}
	notice := mustRun(t, b, chromedp.Text(chromedp.ID("notice")))
	after := mustRun(t, b, chromedp.Text(chromedp.ID("status")))
	forms := mustRun(t, b, chromedp.Evaluate[int]("document.forms.length"))
	saveShot(t, "customer-page-after-cancel.png", mustRun(t, b, chromedp.FullScreenshot(100)))
	if notice != "Your order has been cancelled." || after != "Cancelled" || forms != 0 {
		t.Fatalf("after cancel: notice=%q status=%q forms=%d", notice, after, forms)
	}
	if reason := mustRun(t, b, chromedp.Location()); !strings.HasSuffix(reason, "?done=cancelled") {
		t.Fatalf("location after cancel: %q", reason)
	}
	o, err = svc.Order(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	} else if o.Status != backorder.OrderCancelled {
		t.Fatalf("order status=%s, want cancelled", o.Status)
	}

	// A tampered link: one character of the signature changed.
	i := strings.LastIndexByte(cancelURL, '.') + 3
	c := byte('A')
	if cancelURL[i] == 'A' {
		c = 'B'
	}
	tampered := cancelURL[:i] + string(c) + cancelURL[i+1:]
	if err := chromedp.Do(b, chromedp.Navigate(tampered)); err != nil {
		t.Fatal(err)
	}
	body := mustRun(t, b, chromedp.Text(chromedp.CSS("body")))
	if !strings.Contains(body, "This link is not valid") || strings.Contains(body, "1001") || strings.Contains(body, "Widget") {
		t.Fatalf("tampered link page: %q", body)
	}
	resp, err := ts.Client().Get(tampered)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("tampered link: status %d, want 404", resp.StatusCode)
	}
}

// saveShot writes a screenshot under the test's temporary directory and
// logs its path (kept with -test.v and BACKORDER_SCREENSHOTS=dir, which
// saves it there instead).
func saveShot(t *testing.T, name string, b []byte) {
	t.Helper()
	dir := os.Getenv("BACKORDER_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(b))
}
