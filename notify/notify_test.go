package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/internal/mailpittest"
	"github.com/backorder/backorder/notify"
	"github.com/backorder/backorder/smtp"
	"github.com/backorder/backorder/sqlite"
)

var epoch = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func mustService(t *testing.T) (*backorder.Service, *backorder.FixedClock) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "backorder.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := backorder.NewFixedClock(epoch)
	svc := backorder.NewService(backorder.Config{Store: db, Clock: clock, Writers: 1})
	t.Cleanup(func() { svc.Close() })
	return svc, clock
}

// mustWorker starts a worker that only runs when the test calls Pass.
func mustWorker(t *testing.T, cfg notify.Config) *notify.Worker {
	t.Helper()
	cfg.Interval = time.Hour
	w := notify.New(cfg)
	t.Cleanup(func() { w.Close() })
	return w
}

func mustPass(t *testing.T, w *notify.Worker) int {
	t.Helper()
	n, err := w.Pass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustSMTP(t *testing.T, mp *mailpittest.Server) notify.Mailer {
	t.Helper()
	c, err := smtp.New("smtp://"+mp.SMTPAddr, "Shop <orders@shop.example>")
	if err != nil {
		t.Fatal(err)
	}
	return notify.MailerFunc(func(ctx context.Context, e notify.Email) error { return c.Send(ctx, smtp.Message(e)) })
}

func order(id, email, sku string, qty int64) *backorder.OrderRequest {
	return &backorder.OrderRequest{ID: id, Customer: backorder.Customer{ID: "c-" + id, Email: email, Name: "Ann"},
		Lines: []backorder.LineRequest{{SKU: sku, Quantity: qty}}, Shipping: backorder.ShippingStandard}
}

// TestTimeline is the source document's timeline on the clock, as mails
// received by a real SMTP server: confirmed on day 0 without a date, still
// awaiting inventory on day 7, the date once a purchase order brings one,
// stock arrived, shipped with its tracking.
func TestTimeline(t *testing.T) {
	mp := mailpittest.Start(t)
	svc, clock := mustService(t)
	ctx := context.Background()
	w := mustWorker(t, notify.Config{Service: svc, Mailer: mustSMTP(t, mp), MessageIDDomain: "shop.example"})
	if _, _, err := svc.PutSupplier(ctx, &backorder.SupplierInput{ID: "ACME", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "MUG", Name: "Mug", PriceCents: 1200, Currency: "USD",
		Status: backorder.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlaceOrder(ctx, order("A1", "ann@example.com", "MUG", 2), nil); err != nil {
		t.Fatal(err)
	}
	mustPass(t, w)
	clock.Advance(7 * 24 * time.Hour)
	mustPass(t, w)
	clock.Advance(24 * time.Hour)
	if _, err := svc.CreatePurchaseOrder(ctx, &backorder.PurchaseOrderRequest{Reference: "PO-1", SupplierID: "ACME", ExpectedAt: "2026-02-16",
		Lines: []backorder.POLineRequest{{SKU: "MUG", Quantity: 5}}}, nil); err != nil {
		t.Fatal(err)
	}
	mustPass(t, w)
	o, err := svc.Order(ctx, "A1")
	if err != nil || o.ETA == nil || o.ETA.Date == "" {
		t.Fatalf("order after the purchase order: %+v, %v; want a promise date", o, err)
	}
	date := o.ETA.Date
	clock.Advance(24 * time.Hour)
	if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: "MUG", Quantity: 2}, nil); err != nil {
		t.Fatal(err)
	}
	mustPass(t, w)
	fs, err := svc.Fulfillments(ctx, backorder.FulfillmentFilter{OrderID: "A1"})
	if err != nil || len(fs) != 1 {
		t.Fatalf("fulfillments=%v, %v", fs, err)
	}
	if _, err := svc.ShipFulfillment(ctx, fs[0].ID, &backorder.Shipment{Carrier: "UPS", Tracking: "1Z999AA1", EstimatedDelivery: "2026-01-20"}, nil); err != nil {
		t.Fatal(err)
	}
	mustPass(t, w)
	mustPass(t, w) // nothing twice

	msgs := mp.Messages(t)
	type mail struct{ subject, body string }
	var got []mail
	for i := len(msgs) - 1; i >= 0; i-- { // Mailpit lists newest first
		m := mp.Message(t, msgs[i].ID)
		if len(m.To) != 1 || m.To[0].Address != "ann@example.com" || m.From.Address != "orders@shop.example" {
			t.Fatalf("message %q: to %v from %v", m.Subject, m.To, m.From)
		}
		if !strings.HasPrefix(m.MessageID, "delivery-") || !strings.HasSuffix(m.MessageID, "@shop.example") {
			t.Fatalf("Message-ID %q", m.MessageID)
		}
		if m.HTML == "" {
			t.Fatalf("message %q has no HTML part", m.Subject)
		}
		got = append(got, mail{m.Subject, m.Text})
	}
	want := []struct{ subject, inBody string }{
		{"Your order A1 is confirmed: some items are on backorder", notify.NoDate},
		{"Order A1: still awaiting inventory", "As of January 12, 2026 your order is still awaiting inventory"},
		{"Order A1: your expected ship date", "expected to ship by " + date},
		{"Order A1: your items have arrived and are being prepared", "2 ready to ship"},
		{"Your order A1 has shipped!", "Tracking: 1Z999AA1"},
	}
	if len(got) != len(want) {
		t.Fatalf("mails=%+v, want %d", got, len(want))
	}
	for i, w := range want {
		if got[i].subject != w.subject || !strings.Contains(got[i].body, w.inBody) {
			t.Errorf("mail %d: %q\n%s\nwant %q containing %q", i, got[i].subject, got[i].body, w.subject, w.inBody)
		}
	}
	sent, err := svc.OrderMessages(ctx, "A1", 0, 100)
	if err != nil || len(sent) != len(want) {
		t.Fatalf("messages=%d, %v", len(sent), err)
	}
	for _, d := range sent {
		if d.Status != backorder.DeliverySent || d.Subject == "" || d.Text == "" || d.HTML == "" || d.SentAt == nil {
			t.Fatalf("delivery %+v: want sent with its content", d)
		}
	}
}

// TestKept: without SMTP, emails are rendered and kept, and the order's
// messages show them.
func TestKept(t *testing.T) {
	svc, _ := mustService(t)
	ctx := context.Background()
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "MUG", Name: "Mug", PriceCents: 1200, Currency: "USD", Status: backorder.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlaceOrder(ctx, order("K1", "kim@example.com", "MUG", 1), nil); err != nil {
		t.Fatal(err)
	}
	w := mustWorker(t, notify.Config{Service: svc})
	if n := mustPass(t, w); n != 1 {
		t.Fatalf("tried %d, want 1", n)
	}
	ms, err := svc.OrderMessages(ctx, "K1", 0, 10)
	if err != nil || len(ms) != 1 {
		t.Fatalf("messages=%v, %v", ms, err)
	}
	m := ms[0]
	if m.Status != backorder.DeliveryKept || m.Recipient != "kim@example.com" || m.Moment != backorder.MomentBackorderConfirmation ||
		!strings.Contains(m.Text, notify.NoDate) || !strings.Contains(m.HTML, "<html>") {
		t.Fatalf("kept message=%+v", m)
	}
}

// TestSMTPDown: a server that is down is tried again after the first
// retry delay.
func TestSMTPDown(t *testing.T) {
	svc, clock := mustService(t)
	ctx := context.Background()
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "MUG", Name: "Mug", PriceCents: 1200, Currency: "USD", Status: backorder.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlaceOrder(ctx, order("D1", "dan@example.com", "MUG", 1), nil); err != nil {
		t.Fatal(err)
	}
	c, err := smtp.New("smtp://127.0.0.1:1", "orders@shop.example") // nothing listens on port 1
	if err != nil {
		t.Fatal(err)
	}
	w := mustWorker(t, notify.Config{Service: svc, Mailer: notify.MailerFunc(func(ctx context.Context, e notify.Email) error { return c.Send(ctx, smtp.Message(e)) })})
	mustPass(t, w)
	ds, err := svc.Deliveries(ctx, backorder.DeliveryFilter{})
	if err != nil || len(ds) != 1 || ds[0].Status != backorder.DeliveryPending || ds[0].Attempts != 1 || ds[0].LastError == "" ||
		!ds[0].NextAt.Equal(clock.Now().Add(backorder.FirstRetryDelay)) {
		t.Fatalf("deliveries=%+v, %v; want pending after one try", ds[0], err)
	}
}

// verify is an independent verifier of Backorder-Signature, as a receiver
// would write it from the README: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">,
// within five minutes.
func verify(header string, body []byte, secret string, now time.Time) error {
	var ts, sig string
	for _, kv := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(kv, "t="); ok {
			ts = v
		} else if v, ok := strings.CutPrefix(kv, "v1="); ok {
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("too old")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(body)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return errors.New("bad signature")
	}
	return nil
}

type received struct {
	header string
	body   []byte
}

// TestWebhookSignature: each delivery is signed so that an independent
// verifier accepts it and refuses it with the body tampered; its JSON is
// {id, type, created, data} built from the event's payload.
func TestWebhookSignature(t *testing.T) {
	var mu sync.Mutex
	var got []received
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Header.Get("Backorder-Signature"), b})
		mu.Unlock()
	}))
	defer hook.Close()
	svc, _ := mustService(t)
	ctx := context.Background()
	ep, err := svc.CreateWebhookEndpoint(ctx, &backorder.WebhookEndpointRequest{URL: hook.URL, Events: []string{"*"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "MUG", Name: "Mug", PriceCents: 1200, Currency: "USD", Status: backorder.StatusActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlaceOrder(ctx, order("W1", "wes@example.com", "MUG", 2), nil); err != nil {
		t.Fatal(err)
	}
	w := mustWorker(t, notify.Config{Service: svc})
	mustPass(t, w)
	if len(got) != 2 {
		t.Fatalf("posts=%d, want 2 (order.accepted, order.backordered)", len(got))
	}
	now := time.Now()
	types := map[string]bool{}
	for _, r := range got {
		if err := verify(r.header, r.body, ep.Secret, now); err != nil {
			t.Fatalf("verifier refused a delivery: %v (%s)", err, r.header)
		}
		tampered := []byte(strings.Replace(string(r.body), `"quantity":2`, `"quantity":20`, 1))
		if string(tampered) == string(r.body) {
			t.Fatalf("nothing to tamper with in %s", r.body)
		}
		if err := verify(r.header, tampered, ep.Secret, now); err == nil {
			t.Fatal("verifier accepted a tampered body")
		}
		if err := verify(r.header, r.body, ep.Secret, now.Add(6*time.Minute)); err == nil {
			t.Fatal("verifier accepted a signature 6 minutes old")
		}
		var ev struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Created int64  `json:"created"`
			Data    struct {
				OrderID string `json:"order_id"`
				Kind    string `json:"kind"`
				Object  struct {
					Lines []struct {
						Backordered int64 `json:"backordered"`
					} `json:"lines"`
				} `json:"object"`
			} `json:"data"`
		}
		if err := json.Unmarshal(r.body, &ev); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ev.ID, "evt_") || !strings.HasSuffix(ev.ID, "."+ev.Type) || ev.Created != epoch.Unix() || ev.Data.OrderID != "W1" ||
			ev.Data.Kind != "order.accepted" || len(ev.Data.Object.Lines) != 1 || ev.Data.Object.Lines[0].Backordered != 2 {
			t.Fatalf("webhook body %s", r.body)
		}
		types[ev.Type] = true
	}
	if !types["order.accepted"] || !types["order.backordered"] {
		t.Fatalf("types=%v", types)
	}
	log, err := svc.EndpointDeliveries(ctx, ep.ID, 0, 10)
	if err != nil || len(log) != 2 || log[0].Status != backorder.DeliverySent || log[0].Code != 200 {
		t.Fatalf("delivery log=%+v, %v", log, err)
	}
}

// TestWebhookAnswers: a 4xx other than 408 and 429 is permanent (dead at
// once); 408, 429 and 5xx are tried again.
func TestWebhookAnswers(t *testing.T) {
	for _, tc := range []struct {
		code   int
		status string
	}{{410, backorder.DeliveryDead}, {400, backorder.DeliveryDead}, {408, backorder.DeliveryPending}, {429, backorder.DeliveryPending}, {503, backorder.DeliveryPending}} {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.code) }))
			defer hook.Close()
			svc, _ := mustService(t)
			ctx := context.Background()
			if _, err := svc.CreateWebhookEndpoint(ctx, &backorder.WebhookEndpointRequest{URL: hook.URL, Events: []string{"order.accepted"}}, nil); err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "MUG", Name: "Mug", PriceCents: 1200, Currency: "USD", Status: backorder.StatusActive}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.PlaceOrder(ctx, order("X", "x@example.com", "MUG", 1), nil); err != nil {
				t.Fatal(err)
			}
			w := mustWorker(t, notify.Config{Service: svc})
			mustPass(t, w)
			ds, err := svc.Deliveries(ctx, backorder.DeliveryFilter{Channel: backorder.ChannelWebhook})
			if err != nil || len(ds) != 1 || ds[0].Status != tc.status || ds[0].Code != tc.code || ds[0].Attempts != 1 {
				t.Fatalf("delivery=%+v, %v; want %s", ds, err, tc.status)
			}
		})
	}
}
