package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
)

// The customer pages answer HTML; the document describes it as a string,
// which the validator reads as it is.
func init() {
	openapi3filter.RegisterBodyDecoder("text/html", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

// link is the path of a customer link of an order, valid for ttl from the
// server's time.
func (s *Server) link(tb testing.TB, orderID, purpose string, ttl time.Duration) string {
	tb.Helper()
	return "/c/" + backorder.SignLink(testLinkSecret, backorder.LinkClaim{OrderID: orderID, Purpose: purpose, Expires: s.Service.Now().Add(ttl)})
}

// page sends a customer page request as a browser would (no token, no
// redirect followed, a form body when given), checks the reply against
// openapi.json, and returns it.
func (s *Server) page(tb testing.TB, method, path string, form url.Values) *Response {
	tb.Helper()
	var body []byte
	var r io.Reader
	if form != nil {
		body = []byte(form.Encode())
		r = strings.NewReader(string(body))
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	reply := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	checkReply(tb, req, body, reply)
	return reply
}

func TestCustomerPage(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)
	s.MustPutProduct(t, "W", "name", "Widget Pro - Blue")
	s.MustPlaceOrder(t, order("A-1", "c1", "W", 2))
	s.MustPlaceOrder(t, order("A-2", "c2", "W", 1))
	view := s.link(t, "A-1", backorder.LinkView, time.Hour)
	cancel := s.link(t, "A-1", backorder.LinkCancel, time.Hour)

	t.Run("View", func(t *testing.T) {
		resp := s.page(t, "GET", view, nil)
		body := string(resp.Body)
		if resp.Status != http.StatusOK {
			t.Fatalf("status=%d: %s", resp.Status, body)
		}
		for _, want := range []string{"Order A-1", "Widget Pro - Blue", `id="status">On backorder<`, "we will email you the date as soon as we know it", `name="viewport"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		for _, not := range []string{"<form", "<script", "A-2"} {
			if strings.Contains(body, not) {
				t.Errorf("view page holds %q", not)
			}
		}
		if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("Referrer-Policy=%q, want no-referrer: the token must not leak", got)
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control=%q, want no-store", got)
		}
	})
	t.Run("ErrViewLinkCannotCancel", func(t *testing.T) {
		resp := s.page(t, "POST", view+"/cancel", url.Values{"reason": {"too_slow"}})
		mustInvalidLink(t, resp)
		resp = s.page(t, "POST", view+"/choose", url.Values{"choice": {"ship_available"}})
		mustInvalidLink(t, resp)
	})
	t.Run("ErrNoReason", func(t *testing.T) {
		resp := s.page(t, "POST", cancel+"/cancel", url.Values{"reason": {"bored"}})
		if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(string(resp.Body), "Please choose a reason") {
			t.Fatalf("status=%d: %s", resp.Status, resp.Body)
		}
	})
	t.Run("ErrBadLinks", func(t *testing.T) {
		tok := strings.TrimPrefix(cancel, "/c/")
		p64, mac, _ := strings.Cut(tok, ".")
		other := strings.TrimPrefix(s.link(t, "A-2", backorder.LinkCancel, time.Hour), "/c/")
		_, otherMAC, _ := strings.Cut(other, ".")
		for name, path := range map[string]string{
			"Tampered":       "/c/" + p64 + "." + strings.ToUpper(mac[:4]) + mac[4:] + "x",
			"OtherOrdersMAC": "/c/" + p64 + "." + otherMAC,
			"Garbage":        "/c/not-a-token",
			"OtherSecret":    "/c/" + backorder.SignLink([]byte("another secret of enough length"), backorder.LinkClaim{OrderID: "A-1", Purpose: backorder.LinkView, Expires: s.Service.Now().Add(time.Hour)}),
			"UnknownOrder":   s.link(t, "A-404", backorder.LinkView, time.Hour),
			"TamperedCancel": "/c/" + p64 + "." + otherMAC + "/cancel",
		} {
			method, form := "GET", url.Values(nil)
			if strings.HasSuffix(path, "/cancel") {
				method, form = "POST", url.Values{"reason": {"too_slow"}}
			}
			t.Run(name, func(t *testing.T) { mustInvalidLink(t, s.page(t, method, path, form)) })
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		resp := s.page(t, "GET", cancel, nil)
		if !strings.Contains(string(resp.Body), `action="`+cancel+`/cancel"`) {
			t.Fatalf("cancel page has no cancel form: %s", resp.Body)
		}
		resp = s.page(t, "POST", cancel+"/cancel", url.Values{"reason": {"too_slow"}, "note": {"  need it\nby Friday "}})
		if resp.Status != http.StatusSeeOther || resp.Header.Get("Location") != cancel+"?done=cancelled" {
			t.Fatalf("status=%d Location=%q: %s", resp.Status, resp.Header.Get("Location"), resp.Body)
		}
		resp = s.page(t, "GET", cancel+"?done=cancelled", nil)
		body := string(resp.Body)
		if !strings.Contains(body, `id="status">Cancelled<`) || !strings.Contains(body, "Your order has been cancelled.") || strings.Contains(body, "<form") {
			t.Fatalf("page after cancel: %s", body)
		}
		var ms Page[backorder.Movement]
		s.MustDo(t, http.StatusOK, "GET", "/v1/movements?order_id=A-1", nil, &ms)
		found := false
		for _, m := range ms.Data {
			if m.OrderID == "A-1" && m.Kind == backorder.MoveCancel {
				found = true
				if got, want := m.Reason, "too_slow: need it by Friday"; got != want {
					t.Errorf("Reason=%q, want %q", got, want)
				}
			}
		}
		if !found {
			t.Fatalf("no cancel movement of A-1 in %+v", ms.Data)
		}
		// The cancellation takes the listed reason as its code, and the
		// audit log records the customer, never the link's token.
		var evs Page[backorder.Event]
		s.MustDo(t, http.StatusOK, "GET", "/v1/events?limit=1000", nil, &evs)
		var codes []string
		for _, e := range evs.Data {
			if e.Kind == backorder.EventOrderCancelled && e.OrderID == "A-1" {
				var p backorder.OrderCancelledPayload
				if err := json.Unmarshal(e.Payload, &p); err != nil {
					t.Fatal(err)
				}
				codes = append(codes, p.ReasonCode)
			}
		}
		if len(codes) != 1 || codes[0] != "too_slow" {
			t.Fatalf("reason codes of A-1's cancellation=%v, want [too_slow]", codes)
		}
		var audit Page[backorder.AuditEntry]
		s.MustDo(t, http.StatusOK, "GET", "/v1/audit-log?actor=A-1", nil, &audit)
		if len(audit.Data) != 1 || audit.Data[0].Actor.Kind != backorder.ActorCustomer || audit.Data[0].Path != "/c/{token}/cancel" {
			t.Fatalf("audit of A-1=%+v, want the customer's cancel, without the token", audit.Data)
		}
		// Cancelling again finds nothing open.
		resp = s.page(t, "POST", cancel+"/cancel", url.Values{"reason": {"other"}})
		if resp.Status != http.StatusConflict || !strings.Contains(string(resp.Body), "can no longer be done") {
			t.Fatalf("second cancel: %d %s", resp.Status, resp.Body)
		}
		var a2 backorder.Order
		s.MustDo(t, http.StatusOK, "GET", "/v1/orders/A-2", nil, &a2)
		if a2.Status != backorder.OrderBackordered {
			t.Fatalf("A-2 is %s: one order's link reached another", a2.Status)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		short := s.link(t, "A-2", backorder.LinkView, time.Minute)
		if resp := s.page(t, "GET", short, nil); resp.Status != http.StatusOK {
			t.Fatalf("fresh link: %d", resp.Status)
		}
		s.MustDo(t, http.StatusOK, "POST", "/v1/test-clock/advance", map[string]string{"duration": "2m"}, nil)
		mustInvalidLink(t, s.page(t, "GET", short, nil))
	})
}

// mustInvalidLink checks the reply to a bad link: a 404 page that names no order.
func mustInvalidLink(tb testing.TB, resp *Response) {
	tb.Helper()
	body := string(resp.Body)
	if resp.Status != http.StatusNotFound {
		tb.Fatalf("status=%d, want 404: %s", resp.Status, body)
	}
	if !strings.Contains(body, "This link is not valid") {
		tb.Fatalf("404 page: %s", body)
	}
	for _, leak := range []string{"A-1", "A-2", "A-404", "Widget", "Customer"} {
		if strings.Contains(body, leak) {
			tb.Fatalf("404 page names %q: %s", leak, body)
		}
	}
}

func TestCustomerPage_Choose(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W", "split_policy", backorder.SplitCustomerChoice)
	s.MustPutProduct(t, "V", "name", "Other")
	s.MustReceive(t, "W", 1)
	s.MustPlaceOrder(t, order("o1", "c1", "W", 3))
	choose := s.link(t, "o1", backorder.LinkChoose, time.Hour)

	resp := s.page(t, "GET", choose, nil)
	if body := string(resp.Body); !strings.Contains(body, `action="`+choose+`/choose"`) || strings.Contains(body, `/cancel"`) {
		t.Fatalf("choose page: %s", body)
	}
	if resp := s.page(t, "POST", choose+"/choose", url.Values{"choice": {"ship_sometime"}}); resp.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad choice: %d", resp.Status)
	}
	resp = s.page(t, "POST", choose+"/choose", url.Values{"choice": {"ship_available"}})
	if resp.Status != http.StatusSeeOther {
		t.Fatalf("choose: %d %s", resp.Status, resp.Body)
	}
	var o backorder.Order
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/o1", nil, &o)
	if o.SplitChoice != backorder.SplitShipAvailable {
		t.Fatalf("SplitChoice=%q", o.SplitChoice)
	}
	if body := string(s.page(t, "GET", choose+"?done=chosen", nil).Body); !strings.Contains(body, `value="ship_available" checked`) {
		t.Fatalf("page after choosing does not show the choice: %s", body)
	}

	// An order without the customer_choice policy shows no choice.
	s.MustPlaceOrder(t, order("o2", "c1", "V", 1))
	if body := string(s.page(t, "GET", s.link(t, "o2", backorder.LinkChoose, time.Hour), nil).Body); strings.Contains(body, "<form") {
		t.Fatalf("choice offered to a ship_available order: %s", body)
	}
}

// TestCustomerPage_Off checks a server without a link secret answers every
// link with 404.
func TestCustomerPage_Off(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	h := bohttp.NewServer(bohttp.Config{Service: s.Service})
	req, _ := http.NewRequest("GET", s.link(t, "x", backorder.LinkView, time.Hour), nil)
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	if rec.code != http.StatusNotFound {
		t.Fatalf("status=%d, want 404", rec.code)
	}
}

type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(code int)        { r.code = code }
