package http_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
	"github.com/backorder/backorder/mail"
	"github.com/backorder/backorder/sqlite"
)

// testToken is the admin bearer token of every test server.
const testToken = "s3cret-test-token"

// testLinkSecret signs the customer links of every test server.
var testLinkSecret = []byte("test-link-secret-0123456789abcdef")

// testStart is the time every test clock starts at.
var testStart = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// Server is a test API server over a real SQLite file.
type Server struct {
	URL       string
	Service   *backorder.Service
	TestClock *backorder.TestClock // nil unless opened with MustOpenServerWithTestClock
}

// MustOpenServer starts a server on a fixed clock, without the test clock routes.
func MustOpenServer(tb testing.TB) *Server {
	tb.Helper()
	return mustOpenServer(tb, backorder.NewFixedClock(testStart), nil)
}

// MustOpenServerWithTestClock starts a server whose service runs on a test
// clock that the test clock routes move.
func MustOpenServerWithTestClock(tb testing.TB) *Server {
	tb.Helper()
	c := backorder.NewTestClock(func() time.Time { return testStart })
	return mustOpenServer(tb, c, c)
}

func mustOpenServer(tb testing.TB, clock backorder.Clock, tc *backorder.TestClock) *Server {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	// Anything logged at warning or above (internal errors, panics) fails the
	// test: bad input must never be a 500.
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc := backorder.NewService(backorder.Config{Store: db, Clock: clock, Logger: log})
	tb.Cleanup(func() {
		svc.Close()
		if s := logs.String(); s != "" {
			tb.Errorf("server logged errors:\n%s", s)
		}
	})
	ts := httptest.NewServer(bohttp.NewServer(bohttp.Config{
		Service:   svc,
		TokenHash: sha256.Sum256([]byte(testToken)),
		TestClock: tc,
		Logger:    log,
		Version:   "test",
		Links:     &mail.Linker{Secret: testLinkSecret},
	}))
	tb.Cleanup(ts.Close)
	return &Server{URL: ts.URL, Service: svc, TestClock: tc}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Response is a reply read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request with the admin token. body is sent as is when it is a
// string or []byte, and as JSON otherwise; nil sends no body. headers are
// name, value pairs; an "Authorization" pair replaces the token, and an
// empty value removes it. Every reply is checked against openapi.json
// (checkReply), so the document cannot drift from what the server answers.
func (s *Server) Do(tb testing.TB, method, path string, body any, headers ...string) *Response {
	tb.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		data = buf
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Authorization" && headers[i+1] == "" {
			req.Header.Del("Authorization")
			continue
		}
		req.Header[http.CanonicalHeaderKey(headers[i])] = []string{headers[i+1]}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	reply := &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	checkReply(tb, req, data, reply)
	return reply
}

// MustDo sends a request like Do and fails unless it answers want, then
// decodes the reply into v (unless v is nil).
func (s *Server) MustDo(tb testing.TB, want int, method, path string, body, v any, headers ...string) *Response {
	tb.Helper()
	resp := s.Do(tb, method, path, body, headers...)
	if resp.Status != want {
		tb.Fatalf("%s %s: status=%d, want %d; body: %s", method, path, resp.Status, want, resp.Body)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		tb.Fatalf("%s %s: Content-Type=%q, want application/json", method, path, got)
	}
	if v != nil {
		resp.Decode(tb, v)
	}
	return resp
}

// Decode decodes the reply body into v.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Error decodes the reply as an error body.
func (r *Response) Error(tb testing.TB) backorder.Error {
	tb.Helper()
	var body struct {
		Error *backorder.Error `json:"error"`
	}
	r.Decode(tb, &body)
	if body.Error == nil {
		tb.Fatalf("no error in %s", r.Body)
	}
	return *body.Error
}

// Page is a list reply.
type Page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor"`
}

// product is a product body with the fields tests vary.
func product(name string, fields ...any) map[string]any {
	p := map[string]any{"name": name, "price_cents": 4999, "currency": "USD", "status": "active"}
	for i := 0; i+1 < len(fields); i += 2 {
		p[fields[i].(string)] = fields[i+1]
	}
	return p
}

// MustPutProduct creates a product; fields override the defaults of product.
func (s *Server) MustPutProduct(tb testing.TB, sku string, fields ...any) *backorder.Product {
	tb.Helper()
	var p backorder.Product
	s.MustDo(tb, http.StatusCreated, "PUT", "/v1/products/"+sku, product("Product "+sku, fields...), &p)
	return &p
}

// MustReceive receives units of a SKU.
func (s *Server) MustReceive(tb testing.TB, sku string, qty int64) *backorder.StockResult {
	tb.Helper()
	var res backorder.StockResult
	s.MustDo(tb, http.StatusCreated, "POST", "/v1/receipts", backorder.ReceiptRequest{SKU: sku, Quantity: qty}, &res)
	return &res
}

// order returns an order request for customer c with lines of sku, quantity pairs.
func order(id, customer string, lines ...any) backorder.OrderRequest {
	req := backorder.OrderRequest{
		ID:       id,
		Customer: backorder.Customer{ID: customer, Email: customer + "@example.com", Name: "Customer " + customer},
	}
	for i := 0; i+1 < len(lines); i += 2 {
		req.Lines = append(req.Lines, backorder.LineRequest{SKU: lines[i].(string), Quantity: int64(lines[i+1].(int))})
	}
	return req
}

// MustPlaceOrder places an order and expects it accepted.
func (s *Server) MustPlaceOrder(tb testing.TB, req backorder.OrderRequest) *backorder.Order {
	tb.Helper()
	var o backorder.Order
	s.MustDo(tb, http.StatusCreated, "POST", "/v1/orders", req, &o)
	return &o
}

// MustCheck asserts that every invariant holds.
func (s *Server) MustCheck(tb testing.TB) {
	tb.Helper()
	var rep backorder.CheckReport
	s.MustDo(tb, http.StatusOK, "GET", "/v1/check", nil, &rep)
	if !rep.OK {
		tb.Fatalf("check: %+v", rep.Violations)
	}
}
