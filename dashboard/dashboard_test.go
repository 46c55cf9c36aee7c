package dashboard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/backorder/backorder"
	"github.com/backorder/backorder/dashboard"
	"github.com/backorder/backorder/sqlite"
)

const (
	email    = "ops@example.com"
	password = "correct horse"
)

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// env is a dashboard over a real SQLite file holding the source document's
// queue: orders 100, 101 and 102 of 20 Widget Pro - Blue, a day apart.
type env struct {
	svc   *backorder.Service
	clock *backorder.FixedClock
	srv   *httptest.Server
}

func mustEnv(t *testing.T, cfg dashboard.Config) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "dash.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := backorder.NewFixedClock(epoch)
	svc := backorder.NewService(backorder.Config{Store: db, Clock: clock, Writers: 1})
	t.Cleanup(func() { svc.Close() })
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "WIDGET-PRO-BLUE", Name: "Widget Pro - Blue", PriceCents: 2500, Currency: "USD", Status: backorder.StatusActive}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"100", "101", "102"} {
		req := &backorder.OrderRequest{ID: id, Customer: backorder.Customer{ID: "cust-" + id, Email: "c" + id + "@example.com", Name: "C " + id},
			Lines: []backorder.LineRequest{{SKU: "WIDGET-PRO-BLUE", Quantity: 20}}}
		if _, err := svc.PlaceOrder(ctx, req, nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(24 * time.Hour)
	}
	if _, err := svc.CreateUser(ctx, &backorder.UserRequest{Email: email, Password: password}, nil); err != nil {
		t.Fatal(err)
	}
	cfg.Service = svc
	cfg.Now = clock.Now
	h, err := dashboard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{svc: svc, clock: clock, srv: srv}
}

// client is a browser: it keeps cookies and does not follow redirects, so
// the tests see them.
func (e *env) client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type page struct {
	status int
	header http.Header
	doc    *goquery.Document
	body   string
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, doc: doc, body: string(b)}
}

func (e *env) signIn(t *testing.T, c *http.Client) page {
	t.Helper()
	p := do(t, c, "POST", e.srv.URL+"/ui/login", url.Values{"email": {email}, "password": {password}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in status=%d: %s", p.status, p.body)
	}
	return p
}

func text(p page, sel string) string { return strings.TrimSpace(p.doc.Find(sel).First().Text()) }

func queueOrders(p page) []string {
	var out []string
	p.doc.Find("#queue-table tr.queue-row td.order").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
	return out
}

func TestSignInAndQueue(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, dashboard.Config{})
	c := e.client(t)

	p := do(t, c, "GET", e.srv.URL+"/", nil)
	if p.status != http.StatusOK || p.doc.Find("#signin form[action='/ui/login']").Length() != 1 || p.doc.Find("#tracking").Length() != 0 {
		t.Fatalf("signed out: status=%d, want the sign-in form only:\n%s", p.status, p.body)
	}
	if p.doc.Find("meta[name=viewport]").Length() != 1 {
		t.Fatal("no viewport meta")
	}

	t.Run("ErrWrongPassword", func(t *testing.T) {
		p := do(t, e.client(t), "POST", e.srv.URL+"/ui/login", url.Values{"email": {email}, "password": {"wrong horse!"}})
		if p.status != http.StatusUnauthorized || text(p, "#signin-error") == "" || p.header.Get("Set-Cookie") != "" {
			t.Fatalf("status=%d set-cookie=%q, want 401 with an error and no cookie", p.status, p.header.Get("Set-Cookie"))
		}
	})

	in := e.signIn(t, c)
	cookie := in.header.Get("Set-Cookie")
	for _, want := range []string{dashboard.CookieName + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Fatalf("Set-Cookie %q lacks %q", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Fatalf("Set-Cookie %q is Secure on http", cookie)
	}

	p = do(t, c, "GET", e.srv.URL+"/", nil)
	if p.status != http.StatusOK {
		t.Fatalf("dashboard status=%d: %s", p.status, p.body)
	}
	for sel, want := range map[string]string{
		"#fig-current .value": "3",
		"#fig-oldest .value":  "3 days",
		"#fig-value .value":   "1,500.00 USD",
		"#queue-sku":          "WIDGET-PRO-BLUE",
		"#who":                email,
	} {
		if got := text(p, sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	if got := strings.Join(queueOrders(p), " "); got != "100 101 102" {
		t.Fatalf("queue = %q, want the source document's FIFO 100 101 102", got)
	}
	if p.doc.Find("#metrics-unavailable").Length() != 1 {
		t.Fatal("the metrics panel does not say its data is not available")
	}
	if n := p.doc.Find("#aging svg rect.bar").Length(); n != len(backorder.AgingBuckets) {
		t.Fatalf("aging bars = %d, want %d", n, len(backorder.AgingBuckets))
	}
	if got := p.doc.Find("#products td").First().Text(); got != "WIDGET-PRO-BLUE" {
		t.Fatalf("products panel first cell = %q", got)
	}
	if p.header.Get("Content-Security-Policy") == "" {
		t.Fatal("no Content-Security-Policy")
	}

	t.Run("Asset", func(t *testing.T) {
		href, _ := p.doc.Find("link[rel=stylesheet]").Attr("href")
		if !strings.HasPrefix(href, "/ui/assets/style.") || !strings.HasSuffix(href, ".css") || href == "/ui/assets/style.css" {
			t.Fatalf("stylesheet href=%q, want a content-hashed URL", href)
		}
		a := do(t, c, "GET", e.srv.URL+href, nil)
		if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "text/css") || !strings.Contains(a.header.Get("Cache-Control"), "immutable") {
			t.Fatalf("asset status=%d headers=%v", a.status, a.header)
		}
		if a := do(t, c, "GET", e.srv.URL+"/ui/assets/style.css", nil); a.status != http.StatusNotFound {
			t.Fatalf("unhashed asset status=%d, want 404", a.status)
		}
	})

	csrf, _ := p.doc.Find("#queue-table tr.queue-row[data-order='101'] input[name=csrf]").Attr("value")
	lineID, _ := p.doc.Find("#queue-table tr.queue-row[data-order='101'] input[name=line_id]").Attr("value")
	cancel := url.Values{"order_id": {"101"}, "line_id": {lineID}, "units": {"20"}, "sku": {"WIDGET-PRO-BLUE"}, "reason": {"customer called"}}

	t.Run("ErrCSRFMissing", func(t *testing.T) {
		if p := do(t, c, "POST", e.srv.URL+"/ui/backorders/cancel", cancel); p.status != http.StatusForbidden {
			t.Fatalf("status=%d, want 403", p.status)
		}
		bad := url.Values{"csrf": {"not-the-token"}}
		for k, v := range cancel {
			bad[k] = v
		}
		if p := do(t, c, "POST", e.srv.URL+"/ui/backorders/cancel", bad); p.status != http.StatusForbidden {
			t.Fatalf("wrong token status=%d, want 403", p.status)
		}
	})
	t.Run("ErrReasonRequired", func(t *testing.T) {
		form := url.Values{"csrf": {csrf}, "order_id": {"101"}, "line_id": {lineID}, "units": {"20"}, "sku": {"WIDGET-PRO-BLUE"}}
		p := do(t, c, "POST", e.srv.URL+"/ui/backorders/cancel", form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(text(p, "#flash-error"), "Reason is required") {
			t.Fatalf("status=%d flash=%q, want 422 naming the reason", p.status, text(p, "#flash-error"))
		}
	})

	cancel.Set("csrf", csrf)
	if p := do(t, c, "POST", e.srv.URL+"/ui/backorders/cancel", cancel); p.status != http.StatusSeeOther {
		t.Fatalf("cancel status=%d: %s", p.status, p.body)
	} else if loc := p.header.Get("Location"); !strings.Contains(loc, "done=cancelled") {
		t.Fatalf("cancel redirect=%q", loc)
	}
	p = do(t, c, "GET", e.srv.URL+"/?sku=WIDGET-PRO-BLUE&done=cancelled&order=101", nil)
	if got := strings.Join(queueOrders(p), " "); got != "100 102" {
		t.Fatalf("queue after cancel = %q, want 100 102", got)
	}
	if got := text(p, "#fig-current .value"); got != "2" {
		t.Fatalf("current backorders after cancel = %q, want 2", got)
	}
	if got := text(p, "#fig-value .value"); got != "1,000.00 USD" {
		t.Fatalf("value after cancel = %q, want 1,000.00 USD", got)
	}
	if !strings.Contains(text(p, "#flash"), "order 101") {
		t.Fatalf("flash = %q", text(p, "#flash"))
	}
	o, err := e.svc.Order(context.Background(), "101")
	if err != nil {
		t.Fatal(err)
	} else if o.Status != backorder.OrderCancelled {
		t.Fatalf("order 101 status=%s, want cancelled", o.Status)
	}
	ms, err := e.svc.Movements(context.Background(), backorder.MovementFilter{OrderID: "101", Kind: backorder.MoveCancel})
	if err != nil {
		t.Fatal(err)
	} else if len(ms) != 1 || ms[0].Reason != "customer called (by "+email+")" {
		t.Fatalf("cancel movements=%+v, want the reason with who", ms)
	}

	t.Run("ErrStaleSession", func(t *testing.T) {
		e.clock.Advance(backorder.SessionTTL)
		if p := do(t, c, "GET", e.srv.URL+"/", nil); p.doc.Find("#signin").Length() != 1 || p.doc.Find("#tracking").Length() != 0 {
			t.Fatalf("stale session: status=%d, want the sign-in form", p.status)
		}
		form := url.Values{"csrf": {csrf}, "order_id": {"102"}, "line_id": {"3"}, "units": {"20"}, "sku": {"WIDGET-PRO-BLUE"}, "reason": {"x"}}
		if p := do(t, c, "POST", e.srv.URL+"/ui/backorders/cancel", form); p.status != http.StatusUnauthorized {
			t.Fatalf("stale session post status=%d, want 401", p.status)
		}
	})
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, dashboard.Config{})
	c := e.client(t)
	e.signIn(t, c)
	p := do(t, c, "GET", e.srv.URL+"/", nil)
	csrf, _ := p.doc.Find("header form input[name=csrf]").Attr("value")
	if p := do(t, c, "POST", e.srv.URL+"/ui/logout", url.Values{"csrf": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out status=%d", p.status)
	}
	if p := do(t, c, "GET", e.srv.URL+"/", nil); p.doc.Find("#signin").Length() != 1 {
		t.Fatal("after sign-out the dashboard is still shown")
	}
}

func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, dashboard.Config{})
	c := e.client(t)
	for i := 0; i < 5; i++ {
		if p := do(t, c, "POST", e.srv.URL+"/ui/login", url.Values{"email": {email}, "password": {"wrong horse!"}}); p.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d status=%d, want 401", i+1, p.status)
		}
	}
	if p := do(t, c, "POST", e.srv.URL+"/ui/login", url.Values{"email": {email}, "password": {password}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("sixth attempt status=%d, want 429 even with the right password", p.status)
	}
	e.clock.Advance(15 * time.Minute)
	e.signIn(t, c)
}

func TestSecureCookieAndMetricsPanel(t *testing.T) {
	t.Parallel()
	rows := []dashboard.MetricRow{{Name: "Backorder rate", Value: "3.1%", Target: "< 5%", Status: "ok"}}
	e := mustEnv(t, dashboard.Config{Secure: true, MetricsFunc: func(context.Context) ([]dashboard.MetricRow, error) { return rows, nil }})
	c := e.client(t)
	in := e.signIn(t, c)
	if !strings.Contains(in.header.Get("Set-Cookie"), "Secure") {
		t.Fatalf("Set-Cookie %q, want Secure", in.header.Get("Set-Cookie"))
	}
	// The jar keeps a Secure cookie from an http server to itself; send it by hand.
	req, _ := http.NewRequest("GET", e.srv.URL+"/", nil)
	for _, ck := range (&http.Response{Header: in.header}).Cookies() {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(doc.Find("#metrics td.status-ok").Text()); got != "ok" {
		t.Fatalf("metrics panel status cell = %q, want ok", got)
	}
	if doc.Find("#metrics-unavailable").Length() != 0 {
		t.Fatal("metrics panel says unavailable with a MetricsFunc")
	}
}

func TestMovePurchaseOrderDate(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, dashboard.Config{})
	ctx := context.Background()
	if _, _, err := e.svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme", LeadTimeDays: 10}); err != nil {
		t.Fatal(err)
	}
	po, err := e.svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO-7", SupplierID: "ACME", ExpectedAt: "2026-01-20",
		Lines: []backorder.POLineRequest{{SKU: "WIDGET-PRO-BLUE", Quantity: 50}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	e.signIn(t, c)
	p := do(t, c, "GET", e.srv.URL+"/", nil)
	row := p.doc.Find("#purchase-orders tr.po-row")
	if got := strings.TrimSpace(row.Find("td.expected").Text()); got != "2026-01-20" {
		t.Fatalf("PO expected = %q", got)
	}
	if got := text(p, "#queue tr.queue-row td:nth-child(6)"); !strings.Contains(got, "purchase_order") {
		t.Fatalf("first line's promise = %q, want one from the purchase order", got)
	}
	csrf, _ := row.Find("input[name=csrf]").Attr("value")
	action, _ := row.Find("form").Attr("action")
	if p := do(t, c, "POST", e.srv.URL+action, url.Values{"csrf": {csrf}, "expected_at": {"2026-02-01"}}); p.status != http.StatusSeeOther {
		t.Fatalf("move status=%d: %s", p.status, p.body)
	}
	got, err := e.svc.PurchaseOrder(ctx, po.ID)
	if err != nil {
		t.Fatal(err)
	} else if got.ExpectedAt != "2026-02-01" || len(got.DateChanges) != 1 {
		t.Fatalf("PO after move = %s with %d changes", got.ExpectedAt, len(got.DateChanges))
	}
	p = do(t, c, "POST", e.srv.URL+action, url.Values{"csrf": {csrf}, "expected_at": {"next week"}})
	if p.status != http.StatusUnprocessableEntity || text(p, "#flash-error") == "" {
		t.Fatalf("bad date status=%d flash=%q, want 422 with the message", p.status, text(p, "#flash-error"))
	}
}

func TestRaiseLine(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, dashboard.Config{})
	c := e.client(t)
	e.signIn(t, c)
	p := do(t, c, "GET", e.srv.URL+"/", nil)
	if p.doc.Find("#manual-off").Length() != 1 || p.doc.Find("form[action='/ui/backorders/priority']").Length() != 0 {
		t.Fatal("with the manual rule off: want the note and no priority forms")
	}
	ctx := context.Background()
	settings, err := e.svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settings.Priority.Manual.Enabled = true
	if _, err := e.svc.PutSettings(ctx, settings); err != nil {
		t.Fatal(err)
	}
	p = do(t, c, "GET", e.srv.URL+"/", nil)
	form := p.doc.Find("#queue-table tr.queue-row[data-order='102'] form[action='/ui/backorders/priority']")
	vals := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		vals.Set(n, v)
	})
	if vals.Get("raised") != "true" || vals.Get("csrf") == "" {
		t.Fatalf("priority form = %v", vals)
	}
	vals.Set("why", "wedding on Saturday")
	if p := do(t, c, "POST", e.srv.URL+"/ui/backorders/priority", vals); p.status != http.StatusSeeOther {
		t.Fatalf("raise status=%d: %s", p.status, p.body)
	}
	p = do(t, c, "GET", e.srv.URL+"/?sku=WIDGET-PRO-BLUE&done=raised&order=102", nil)
	if got := strings.Join(queueOrders(p), " "); got != "102 100 101" {
		t.Fatalf("queue after raise = %q, want 102 first", got)
	}
	if got := text(p, "#queue-table tr.queue-row[data-order='102'] button.secondary"); got != "Lower" {
		t.Fatalf("raised line's button = %q, want Lower", got)
	}
	hist, err := e.svc.PriorityChanges(ctx, "102")
	if err != nil {
		t.Fatal(err)
	} else if len(hist) != 1 || hist[0].By != email || hist[0].Why != "wedding on Saturday" {
		t.Fatalf("history = %+v, want who and why", hist)
	}
	vals.Del("why")
	if p := do(t, c, "POST", e.srv.URL+"/ui/backorders/priority", vals); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("no why status=%d, want 422", p.status)
	}
}

// TestTrendAndReview: the trend shows a bar per day with the days' backordered
// orders (100, 101 and 102 came one a day), and the review list is empty
// until the stale policy is on, then lists the lines it finds stale,
// oldest first.
func TestTrendAndReview(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, dashboard.Config{})
	c := e.client(t)
	e.signIn(t, c)
	p := do(t, c, "GET", e.srv.URL+"/", nil)
	bars := p.doc.Find("#trend svg rect.bar")
	if bars.Length() != 30 {
		t.Fatalf("trend bars = %d, want 30 days", bars.Length())
	}
	var tall int
	bars.Each(func(_ int, s *goquery.Selection) {
		if h, _ := s.Attr("height"); h != "0" {
			tall++
		}
	})
	if tall != 3 {
		t.Fatalf("trend days with backordered orders = %d, want 3 (100, 101, 102)", tall)
	}
	if p.doc.Find("#review table").Length() != 0 || !strings.Contains(text(p, "#review"), "stale policy is off") {
		t.Fatalf("review panel with the policy off: %q", text(p, "#review"))
	}

	ctx := context.Background()
	set, err := e.svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Stale.AfterDays = 2
	if _, err := e.svc.PutSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	p = do(t, c, "GET", e.srv.URL+"/", nil)
	var orders []string
	p.doc.Find("#review tbody tr td:first-child").Each(func(_ int, s *goquery.Selection) { orders = append(orders, s.Text()) })
	if got := strings.Join(orders, " "); got != "100 101" {
		t.Fatalf("review lists %q, want 100 and 101, oldest first (3 and 2 days old; 102 is 1)", got)
	}
}
