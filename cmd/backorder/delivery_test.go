package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/internal/mailpittest"
	"github.com/backorder/backorder/webhook"
)

// hookReceiver is a webhook endpoint that verifies each post and counts
// the event ids it got, as a receiver dropping duplicates by id would.
type hookReceiver struct {
	*httptest.Server
	t      *testing.T
	secret string
	delay  time.Duration
	mu     sync.Mutex
	seen   map[string]int
	posts  int
	first  chan struct{}
	once   sync.Once
}

func newHookReceiver(t *testing.T, delay time.Duration) *hookReceiver {
	h := &hookReceiver{t: t, delay: delay, seen: map[string]int{}, first: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		secret := h.secret
		h.mu.Unlock()
		if err := webhook.Verify(r.Header.Get(webhook.Header), body, secret, time.Now()); err != nil {
			t.Errorf("webhook refused: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var ev struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
			t.Errorf("webhook body %s: %v", body, err)
		}
		h.mu.Lock()
		h.seen[ev.ID]++
		h.posts++
		h.mu.Unlock()
		h.once.Do(func() { close(h.first) })
		time.Sleep(h.delay)
	}))
	t.Cleanup(h.Close)
	return h
}

// unique is how many distinct event ids arrived, and how many posts.
func (h *hookReceiver) unique() (ids, posts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.seen), h.posts
}

func (h *hookReceiver) register(t *testing.T, c *client) {
	t.Helper()
	var ep backorder.WebhookEndpoint
	if st := c.do("POST", "/v1/webhook-endpoints", map[string]any{"url": h.URL, "events": []string{"*"}}, &ep); st != http.StatusCreated || ep.Secret == "" {
		t.Fatalf("POST /v1/webhook-endpoints: %d %+v", st, ep)
	}
	h.mu.Lock()
	h.secret = ep.Secret
	h.mu.Unlock()
}

// mailIDs counts the distinct Message-IDs Mailpit received, and the mails.
func mailIDs(t *testing.T, mp *mailpittest.Server) (ids map[string]int, mails int) {
	ids = map[string]int{}
	for _, m := range mp.Messages(t) {
		ids[m.MessageID]++
		mails++
	}
	return ids, mails
}

// waitDelivered waits until the receivers hold every message and the
// service has recorded every delivery done, or fails after a minute with
// what is missing.
func waitDelivered(t *testing.T, c *client, mp *mailpittest.Server, h *hookReceiver, emails, hooks int) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		ids, _ := mailIDs(t, mp)
		got, _ := h.unique()
		var open struct {
			Data []backorder.Delivery `json:"data"`
		}
		if len(ids) == emails && got == hooks {
			c.do("GET", "/v1/deliveries?status=pending", nil, &open)
			n := len(open.Data)
			c.do("GET", "/v1/deliveries?status=sending", nil, &open)
			if n+len(open.Data) == 0 {
				return
			}
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("after a minute: %d of %d emails, %d of %d webhooks", len(ids), emails, got, hooks)
		}
	}
}

func placeBackorders(t *testing.T, clients []*client, sku string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := clients[i%len(clients)]
			id := fmt.Sprintf("D%03d", i)
			body := map[string]any{"id": id, "customer": map[string]any{"id": "c-" + id, "email": id + "@example.com", "name": "C"},
				"lines": []map[string]any{{"sku": sku, "quantity": 1}}, "shipping": "standard"}
			if st := c.do("POST", "/v1/orders", body, nil); st != http.StatusCreated {
				t.Errorf("order %s: %d", id, st)
			}
		}()
	}
	wg.Wait()
}

// TestDeliveryCrash_SQLite kills `backorder serve` with SIGKILL while it
// delivers: events committed and not yet fanned out, deliveries claimed
// and in flight. After a restart every message arrives, and a recipient
// that drops duplicates by id (the webhook event id, the email
// Message-ID) sees each once. A refused order, whose change rolled back,
// delivers nothing.
func TestDeliveryCrash_SQLite(t *testing.T) {
	mp := mailpittest.Start(t)
	bin := mustBuild(t)
	hook := newHookReceiver(t, 100*time.Millisecond)
	env := []string{"BACKORDER_DB=" + filepath.Join(t.TempDir(), "crash.db"), "BACKORDER_ADMIN_TOKEN=" + testToken,
		"BACKORDER_SMTP_URL=smtp://" + mp.SMTPAddr, "BACKORDER_MAIL_FROM=orders@shop.example",
		"BACKORDER_NOTIFY_INTERVAL=20ms", "BACKORDER_NOTIFY_LEASE=1s"}
	p := mustStart(t, bin, env...)
	hc := &http.Client{Timeout: 30 * time.Second}
	c := &client{t: t, base: p.base, hc: hc}
	hook.register(t, c)
	skus := mustHotSKUs(t, c, 1)
	if st := c.do("PUT", "/v1/products/NOBO", map[string]any{"name": "n", "price_cents": 1000, "currency": "USD", "status": "active",
		"accept_backorders": false}, nil); st != http.StatusCreated {
		t.Fatalf("PUT product: %d", st)
	}
	if st := c.do("POST", "/v1/orders", map[string]any{"id": "REFUSED", "customer": map[string]any{"id": "r", "email": "refused@example.com", "name": "R"},
		"lines": []map[string]any{{"sku": "NOBO", "quantity": 1}}, "shipping": "standard"}, nil); st != http.StatusUnprocessableEntity && st != http.StatusConflict {
		t.Fatalf("refused order: %d", st)
	}
	const orders = 40
	placeBackorders(t, []*client{c}, skus[0], orders)
	<-hook.first // deliveries are under way
	p.stopped = true
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	ids, _ := mailIDs(t, mp)
	got, _ := hook.unique()
	t.Logf("killed with %d of %d emails and %d of %d webhooks delivered", len(ids), orders, got, 2*orders)
	if got == 2*orders {
		t.Fatal("every webhook was delivered before the kill: the kill did not land mid-delivery")
	}

	p = mustStart(t, bin, env...)
	c = &client{t: t, base: p.base, hc: hc}
	waitDelivered(t, c, mp, hook, orders, 2*orders)
	ids, mails := mailIDs(t, mp)
	hooks, posts := hook.unique()
	t.Logf("after restart: %d emails (%d distinct), %d webhook posts (%d distinct)", mails, len(ids), posts, hooks)
	for _, m := range mp.Messages(t) {
		if len(m.To) != 1 || m.To[0].Address == "refused@example.com" {
			t.Fatalf("mail to %v: a refused order was mailed", m.To)
		}
	}
	var dead struct {
		Data []backorder.Delivery `json:"data"`
	}
	if st := c.do("GET", "/v1/deliveries?status=dead", nil, &dead); st != 200 || len(dead.Data) != 0 {
		t.Fatalf("dead deliveries: %d %+v", st, dead.Data)
	}
	var msgs struct {
		Data []backorder.Delivery `json:"data"`
	}
	if st := c.do("GET", "/v1/orders/D000/messages", nil, &msgs); st != 200 || len(msgs.Data) != 1 || msgs.Data[0].Status != backorder.DeliverySent {
		t.Fatalf("messages of D000: %d %+v", st, msgs.Data)
	}
}

// TestDeliveryMulti_Postgres runs three `backorder serve` instances on one
// PostgreSQL database: each fans out and claims, and with nothing crashing
// every message is delivered exactly once.
func TestDeliveryMulti_Postgres(t *testing.T) {
	base := testPostgresURL(t)
	mp := mailpittest.Start(t)
	bin := mustBuild(t)
	dbURL := mustCreateDatabase(t, base)
	hook := newHookReceiver(t, 0)
	hc := &http.Client{Timeout: 30 * time.Second}
	var clients []*client
	for range 3 {
		p := mustStart(t, bin, "BACKORDER_DB="+dbURL, "BACKORDER_ADMIN_TOKEN="+testToken,
			"BACKORDER_SMTP_URL=smtp://"+mp.SMTPAddr, "BACKORDER_MAIL_FROM=orders@shop.example", "BACKORDER_NOTIFY_INTERVAL=10ms")
		clients = append(clients, &client{t: t, base: p.base, hc: hc})
	}
	hook.register(t, clients[0])
	skus := mustHotSKUs(t, clients[0], 1)
	const orders = 90
	placeBackorders(t, clients, skus[0], orders)
	waitDelivered(t, clients[2], mp, hook, orders, 2*orders)
	ids, mails := mailIDs(t, mp)
	hooks, posts := hook.unique()
	if mails != orders || len(ids) != orders || posts != 2*orders || hooks != 2*orders {
		t.Fatalf("emails %d (%d distinct), webhooks %d (%d distinct); want %d and %d, each once", mails, len(ids), posts, hooks, orders, 2*orders)
	}
	var sent struct {
		Data []backorder.Delivery `json:"data"`
	}
	if st := clients[1].do("GET", "/v1/deliveries?status=sent&limit=500", nil, &sent); st != 200 || len(sent.Data) != 3*orders {
		t.Fatalf("sent deliveries: %d, %d; want %d", st, len(sent.Data), 3*orders)
	}
	// A second claim of a delivery would have counted a second attempt.
	for _, d := range sent.Data {
		if d.Attempts != 1 {
			t.Fatalf("delivery %d took %d attempts", d.ID, d.Attempts)
		}
	}
}

// TestDeliveryTimeline_TestClock is the source document's timeline through
// `backorder serve --test-clock` and the API, as mails in Mailpit: the
// confirmation on day 0, "still awaiting inventory" on day 7 (a row in the
// store, due on the test clock), the date once a purchase order brings one,
// the stock arrived, and shipped.
func TestDeliveryTimeline_TestClock(t *testing.T) {
	mp := mailpittest.Start(t)
	bin := mustBuild(t)
	p := mustStart(t, bin, "BACKORDER_DB="+filepath.Join(t.TempDir(), "timeline.db"), "BACKORDER_ADMIN_TOKEN="+testToken,
		"BACKORDER_TEST_CLOCK=true", "BACKORDER_SMTP_URL=smtp://"+mp.SMTPAddr, "BACKORDER_MAIL_FROM=Shop <orders@shop.example>",
		"BACKORDER_NOTIFY_INTERVAL=20ms")
	c := &client{t: t, base: p.base, hc: &http.Client{Timeout: 30 * time.Second}}
	mails := func(n int) []string {
		t.Helper()
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			ms := mp.Messages(t)
			if len(ms) >= n {
				var subjects []string
				for i := len(ms) - 1; i >= 0; i-- {
					subjects = append(subjects, ms[i].Subject)
				}
				return subjects
			}
			if time.Since(start) > 30*time.Second {
				t.Fatalf("%d mails after 30s, want %d", len(ms), n)
			}
		}
	}
	must := func(want int, method, path string, body any) {
		t.Helper()
		if st := c.do(method, path, body, nil); st != want {
			t.Fatalf("%s %s: %d, want %d", method, path, st, want)
		}
	}
	must(201, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme"})
	must(201, "PUT", "/v1/products/MUG", map[string]any{"name": "Mug", "price_cents": 1200, "currency": "USD", "status": "active"})
	must(201, "POST", "/v1/orders", map[string]any{"id": "T1", "customer": map[string]any{"id": "c", "email": "tia@example.com", "name": "Tia"},
		"lines": []map[string]any{{"sku": "MUG", "quantity": 1}}})
	mails(1)
	must(200, "POST", "/v1/test-clock/advance", map[string]any{"days": 7})
	mails(2)
	var clock struct {
		Now time.Time `json:"now"`
	}
	c.do("GET", "/v1/test-clock", nil, &clock)
	expected := clock.Now.AddDate(0, 0, 20).Format(backorder.DateLayout)
	must(201, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO-1", "supplier_id": "ACME", "expected_at": expected,
		"lines": []map[string]any{{"sku": "MUG", "quantity": 1}}})
	mails(3)
	must(201, "POST", "/v1/receipts", map[string]any{"sku": "MUG", "quantity": 1})
	mails(4)
	var fs struct {
		Data []backorder.Fulfillment `json:"data"`
	}
	if st := c.do("GET", "/v1/fulfillments?order_id=T1", nil, &fs); st != 200 || len(fs.Data) != 1 {
		t.Fatalf("fulfillments: %d %+v", st, fs.Data)
	}
	must(200, "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", fs.Data[0].ID), map[string]any{"carrier": "UPS", "tracking": "1Z42"})
	got := mails(5)
	var o backorder.Order
	c.do("GET", "/v1/orders/T1", nil, &o)
	promised, err := time.Parse(backorder.DateLayout, o.Lines[0].FirstPromise)
	if err != nil {
		t.Fatalf("first promise %q: %v", o.Lines[0].FirstPromise, err)
	}
	want := []string{"Order Confirmed - Item on Backorder (order T1)", "Still Awaiting Inventory - Order T1",
		"Stock Arriving " + promised.Format("Jan 2") + " - Order T1", "Good News - Your Backordered Item Is Being Prepared (order T1)",
		"Great News - Your Backordered Item Has Shipped!"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("mails=%q\nwant %q", got, want)
	}
	ms := mp.Messages(t)
	date := mp.Message(t, ms[2].ID) // the third mail, newest first
	if !strings.Contains(date.Text, promised.Format("January 2, 2006")) || date.To[0].Address != "tia@example.com" {
		t.Fatalf("date mail to %v, want the date %s:\n%s", date.To, promised.Format("January 2, 2006"), date.Text)
	}
}
