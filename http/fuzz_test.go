package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	bohttp "github.com/backorder/backorder/http"
)

// fuzzServer is a server over a real SQLite file holding one of each thing
// the routes name (product F1, supplier S1, purchase orders 1 and 2, order
// o1 with its fulfillment 1), so that a fuzzed request can get past "not
// found" to the decoders and the rules behind them.
func fuzzServer(f *testing.F) *Server {
	s := MustOpenServer(f)
	s.MustDo(f, http.StatusCreated, "PUT", "/v1/suppliers/S1", map[string]any{"name": "S", "lead_time_days": 5}, nil)
	s.MustPutProduct(f, "F1", "supplier_id", "S1")
	for range 2 {
		s.MustDo(f, http.StatusCreated, "POST", "/v1/purchase-orders", map[string]any{"reference": "PO", "supplier_id": "S1", "expected_at": "2024-06-01",
			"lines": []map[string]any{{"sku": "F1", "quantity": 10}}}, nil)
	}
	s.MustReceive(f, "F1", 1)
	s.MustPlaceOrder(f, order("o1", "c1", "F1", 3))
	return s
}

// fuzzRoutes returns the API's routes with the given methods, each pattern
// with its path parameters replaced by param (path-escaped).
func fuzzRoutes(param string, keep func(method string) bool) []bohttp.Route {
	var out []bohttp.Route
	wildcard := regexp.MustCompile(`\{[^}]+\}`)
	for _, rt := range bohttp.Routes(bohttp.Config{}) {
		if keep(rt.Method) {
			rt.Pattern = wildcard.ReplaceAllLiteralString(rt.Pattern, url.PathEscape(param))
			out = append(out, rt)
		}
	}
	return out
}

// headerSafe drops the bytes an HTTP client refuses to put in a header
// value, so that the fuzzer's key reaches the server.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// FuzzRequestBody sends the fuzzer's body, with its Idempotency-Key, to
// every route that takes a body (each POST, PUT and PATCH of routes.go),
// through the whole handler: decodePost, decodeBody and their JSON decoder,
// the Idempotency-Key check, validation and the flows behind them. No input
// may get a 5xx or a panic (a panic is answered 500), and every reply must
// match openapi.json. The seed corpus is testdata/fuzz/FuzzRequestBody.
func FuzzRequestBody(f *testing.F) {
	s := fuzzServer(f)
	routes := fuzzRoutes("1", func(m string) bool { return m != "GET" })
	for i, body := range []string{
		`{"name":"N","price_cents":1,"currency":"USD","status":"active"}`,
		`{"id":"o2","customer":{"id":"c","email":"c@example.com","name":"C"},"lines":[{"sku":"F1","quantity":1}]}`,
		`{"sku":"F1","quantity":2}`, `{"sku":"F1","delta":-1,"reason":"count"}`, `{"reason":"x","lines":[{"sku":"F1","quantity":1}]}`,
		`{"carrier":"UPS","tracking":"1"}`, `{"expected_at":"2024-07-01"}`, `{"lines":[{"sku":"F1","quantity":1}]}`,
		`{"choice":"ship_available"}`, `{"days":1}`, `{}`, `[]`, `null`, `{"lines":[{"sku":"F1","quantity":9223372036854775807}]}`,
	} {
		f.Add(uint8(i), []byte(body), "key-1")
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte, key string) {
		rt := routes[int(route)%len(routes)]
		var headers []string
		if key = headerSafe(key); key != "" {
			headers = []string{"Idempotency-Key", key}
		}
		resp := s.Do(t, rt.Method, rt.Pattern, body, headers...)
		if resp.Status >= 500 {
			t.Fatalf("%s %s %q (key %q): %d %s", rt.Method, rt.Pattern, body, key, resp.Status, resp.Body)
		}
	})
}

// FuzzRequestQuery sends every GET route of routes.go with the fuzzer's path
// parameter and query string: pathID, queryLimit, queryPage, queryInt64,
// queryEnum and the listings' own parameters. No input may get a 5xx or a
// panic, and every reply must match openapi.json. The seed corpus is
// testdata/fuzz/FuzzRequestQuery.
func FuzzRequestQuery(f *testing.F) {
	s := fuzzServer(f)
	for i, q := range []string{"", "limit=0", "limit=1001&after=-1", "after=abc", "status=ready", "status=nope&sku=F1",
		"since=2024-01-01T00:00:00Z", "since=yesterday", "sku=F1&days=30", "order_id=o1", "limit=9223372036854775808"} {
		f.Add(uint8(i), "1", q)
		f.Add(uint8(i+7), "o1", q)
	}
	f.Fuzz(func(t *testing.T, route uint8, param, query string) {
		routes := fuzzRoutes(param, func(m string) bool { return m == "GET" })
		rt := routes[int(route)%len(routes)]
		target := rt.Pattern
		if query != "" {
			target += "?" + query
		}
		// Only what a client can send: a URL that parses, and a path that
		// names this route ("." or ".." as a parameter names another path).
		if _, err := url.ParseRequestURI(s.URL + target); err != nil || strings.ContainsAny(target, " \t\r\n#") || param == "." || param == ".." {
			return
		}
		resp := s.Do(t, "GET", target, nil)
		if resp.Status >= 500 {
			t.Fatalf("GET %s: %d %s", target, resp.Status, resp.Body)
		}
	})
}
