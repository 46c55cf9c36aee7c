package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/chromedp/chromedp"
)

const (
	dashEmail    = "ops@example.com"
	dashPassword = "correct horse"
)

// mustBrowser starts headless Debian chromium for one test. Under CI=true a
// missing chromium fails the test rather than skipping it.
func mustBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (apt-get install chromium); CI requires it")
		}
		t.Skip("chromium is not installed; apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// mustDashboardServer starts the server on the test clock over a fresh
// SQLite file that holds a dashboard user added with `backorder user add`
// (its password read from standard input).
func mustDashboardServer(t *testing.T) (*server, string) {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "backorder.db")
	getenv := func(k string) string {
		if k == "BACKORDER_ADMIN_TOKEN" {
			return testToken
		}
		return ""
	}
	var out strings.Builder
	if err := runUser(ctx, []string{"add", "--db", db, "--email", dashEmail, "--name", "Ops"}, getenv, strings.NewReader(dashPassword+"\n"), &out, io.Discard); err != nil {
		t.Fatalf("user add: %v", err)
	} else if !strings.Contains(out.String(), "added: "+dashEmail) {
		t.Fatalf("user add printed %q", out.String())
	}
	s, err := startServer(ctx, serveConfig{addr: "127.0.0.1:0", dsn: db, testClock: true}, getenv, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.shutdown(); err != nil {
			t.Error(err)
		}
	})
	return s, "http://" + s.Addr
}

// saveScreenshot writes a full-page screenshot to the test's artifact
// directory, and also to BACKORDER_SCREENSHOT when that names a file.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", p, len(png))
	if dst := os.Getenv("BACKORDER_SCREENSHOT"); dst != "" {
		if err := os.WriteFile(dst, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func queueInBrowser(ctx context.Context) ([]string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#queue-table tr.queue-row td.order")).map(e => e.textContent)`))
}

// textOf is the visible text of the first element matching a CSS selector.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// count is the number of elements matching a CSS selector.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// TestDashboardBrowser drives the dashboard in headless Chromium: a wrong
// password is refused; the right one shows the source document's queue in
// FIFO order and the tracking figures; cancelling order 101's backorder
// changes both; a form without its CSRF token is refused; and a session past
// its expiry is sent back to the sign-in form.
func TestDashboardBrowser(t *testing.T) {
	s, base := mustDashboardServer(t)
	ctx := context.Background()
	if _, _, err := s.svc.PutProduct(ctx, &backorder.ProductInput{SKU: "WIDGET-PRO-BLUE", Name: "Widget Pro - Blue", PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"100", "101", "102"} {
		req := &backorder.OrderRequest{ID: id, Customer: backorder.Customer{ID: "cust-" + id, Email: "c" + id + "@example.com", Name: "C " + id},
			Lines: []backorder.LineRequest{{SKU: "WIDGET-PRO-BLUE", Quantity: 20}}}
		if _, err := s.svc.PlaceOrder(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Clock.Advance(24 * time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	b := mustBrowser(t)
	if err := chromedp.Do(b,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.SendKeys(chromedp.CSS("#email"), dashEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), "wrong horse!"),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#signin-error")),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, b, "#signin-error"); !strings.Contains(got, "not right") {
		t.Fatalf("wrong password message = %q", got)
	}
	if n := count(t, b, "#tracking"); n != 0 {
		t.Fatal("a wrong password shows the dashboard")
	}

	if err := chromedp.Do(b,
		chromedp.SetValue(chromedp.CSS("#password"), dashPassword),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#tracking")),
	); err != nil {
		t.Fatal(err)
	}
	if current, value := textOf(t, b, "#fig-current .value"), textOf(t, b, "#fig-value .value"); current != "3" || value != "1,500.00 USD" {
		t.Fatalf("figures = %q lines, %q; want 3 and 1,500.00 USD", current, value)
	}
	if q, err := queueInBrowser(b); err != nil {
		t.Fatal(err)
	} else if strings.Join(q, " ") != "100 101 102" {
		t.Fatalf("queue = %v, want the source document's FIFO 100 101 102", q)
	}
	saveScreenshot(t, b, "dashboard-source-document.png")

	row := `#queue-table tr.queue-row[data-order="101"]`
	if err := chromedp.Do(b,
		chromedp.SendKeys(chromedp.CSS(row+` input[name=reason]`), "customer called"),
		chromedp.Click(chromedp.CSS(row+` button`)),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	); err != nil {
		t.Fatal(err)
	}
	flash, current, value := textOf(t, b, "#flash"), textOf(t, b, "#fig-current .value"), textOf(t, b, "#fig-value .value")
	if !strings.Contains(flash, "order 101") || current != "2" || value != "1,000.00 USD" {
		t.Fatalf("after cancel: flash %q, figures %q %q; want order 101, 2, 1,000.00 USD", flash, current, value)
	}
	if q, err := queueInBrowser(b); err != nil {
		t.Fatal(err)
	} else if strings.Join(q, " ") != "100 102" {
		t.Fatalf("queue after cancel = %v, want 100 102", q)
	}

	// A form posted without its CSRF token is refused and changes nothing.
	if err := chromedp.Do(b,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(() => {
				const f = document.querySelector('#queue-table tr.queue-row[data-order="102"] form');
				f.querySelector('input[name=csrf]').remove();
				f.querySelector('input[name=reason]').value = 'no token';
				f.submit();
				return true;
			})()`)(ctx, tg)
			return err
		}),
		chromedp.WaitNotPresent(chromedp.CSS("#tracking")),
	); err != nil {
		t.Fatal(err)
	}
	if body := textOf(t, b, "body"); !strings.Contains(body, "CSRF") {
		t.Fatalf("post without CSRF token answered %q", body)
	}
	if o, err := s.svc.Order(ctx, "102"); err != nil {
		t.Fatal(err)
	} else if o.Status != backorder.OrderBackordered {
		t.Fatalf("order 102 status=%s after a refused post", o.Status)
	}

	// Past its expiry the session is refused: the page is the sign-in form.
	if err := s.Clock.Advance(backorder.SessionTTL); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#signin"))); err != nil {
		t.Fatal(err)
	}
	if n := count(t, b, "#tracking"); n != 0 {
		t.Fatal("a stale session still shows the dashboard")
	}
}

// TestDashboardDemo loads `backorder demo` and signs in with the demo user
// it prints: every panel renders over months of history. Its screenshot is
// the README's (BACKORDER_SCREENSHOT=docs/dashboard.png).
func TestDashboardDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	var out strings.Builder
	if err := run(context.Background(), []string{"demo", "--db", db}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	email, password := demoCredentials(t, out.String())
	s, err := startServer(context.Background(), serveConfig{addr: "127.0.0.1:0", dsn: db}, func(k string) string {
		if k == "BACKORDER_ADMIN_TOKEN" {
			return testToken
		}
		return ""
	}, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.shutdown() })
	b := mustBrowser(t)
	if err := chromedp.Do(b,
		chromedp.Navigate("http://"+s.Addr+"/"),
		chromedp.WaitVisible(chromedp.CSS("#signin")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#tracking")),
	); err != nil {
		t.Fatal(err)
	}
	current := textOf(t, b, "#fig-current .value")
	queueRows, skus := count(t, b, "#queue-table tr.queue-row"), count(t, b, "#queue .tabs a")
	lost, pos := count(t, b, "#lost tbody tr"), count(t, b, "#purchase-orders tr.po-row")
	if current == "0" || queueRows == 0 || skus < 2 || lost == 0 || pos == 0 {
		t.Fatalf("demo dashboard: %s lines, %d queue rows, %d SKUs waiting, %d lost-demand rows, %d open POs; want all non-zero (2+ SKUs)", current, queueRows, skus, lost, pos)
	}
	saveScreenshot(t, b, "dashboard-demo.png")
}

// demoCredentials reads the demo user's email and password from the demo's output.
func demoCredentials(t *testing.T, out string) (string, string) {
	t.Helper()
	var email, password string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "email:"); ok {
			email = strings.TrimSpace(v)
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "password:"); ok {
			password = strings.TrimSpace(v)
		}
	}
	if email == "" || password == "" {
		t.Fatalf("the demo printed no user credentials:\n%s", out)
	}
	return email, password
}
