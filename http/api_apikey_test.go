package http_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
)

// mustKey makes an API key with the admin token.
func (s *Server) mustKey(tb testing.TB, name string, rateLimit int, scopes ...string) *backorder.APIKey {
	tb.Helper()
	var k backorder.APIKey
	s.MustDo(tb, http.StatusCreated, "POST", "/v1/api-keys", backorder.APIKeyRequest{Name: name, Scopes: scopes, RateLimit: rateLimit}, &k)
	if !strings.HasPrefix(k.Secret, backorder.APIKeyPrefix) || !strings.HasPrefix(k.Secret, k.Prefix) {
		tb.Fatalf("key=%+v, want a secret starting with %q and its prefix", k, backorder.APIKeyPrefix)
	}
	return &k
}

func bearerOf(k *backorder.APIKey) []string { return []string{"Authorization", "Bearer " + k.Secret} }

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestAPIKeys_EveryRoute sends every /v1 route with no key, with a revoked
// key, and with a key of each scope: 401 for the first two, and for each
// scope 403 exactly where scope.go does not allow the route.
func TestAPIKeys_EveryRoute(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)
	keys := map[string]*backorder.APIKey{}
	for _, sc := range backorder.Scopes {
		keys[sc] = s.mustKey(t, sc, 0, sc)
	}
	revoked := s.mustKey(t, "gone", 0, backorder.ScopeAdmin)
	s.MustDo(t, http.StatusOK, "DELETE", "/v1/api-keys/"+revoked.ID, nil, nil)

	allows := map[string]map[string]bool{ // scope → "METHOD pattern" it may use, besides the GETs readonly may
		backorder.ScopeStorefront: {"GET /v1/openapi.json": true, "POST /v1/quotes": true, "POST /v1/orders": true,
			"GET /v1/orders": true, "GET /v1/orders/{id}": true, "POST /v1/orders/{id}/cancel": true,
			"GET /v1/orders/{id}/messages": true},
		backorder.ScopeWarehouse: {"GET /v1/openapi.json": true, "POST /v1/receipts": true, "GET /v1/receipts/{id}/allocations": true,
			"POST /v1/adjustments": true, "POST /v1/purchase-orders": true, "GET /v1/purchase-orders": true,
			"GET /v1/purchase-orders/at-risk": true, "GET /v1/purchase-orders/{id}": true, "PATCH /v1/purchase-orders/{id}": true,
			"POST /v1/purchase-orders/{id}/receipts": true, "POST /v1/purchase-orders/{id}/cancel": true,
			"GET /v1/fulfillments": true, "GET /v1/fulfillments/{id}": true, "POST /v1/fulfillments/{id}/ship": true},
	}
	hidden := map[string]bool{"/v1/api-keys": true, "/v1/audit-log": true}
	n := 0
	for _, rt := range bohttp.Routes(bohttp.Config{}) {
		if !strings.HasPrefix(rt.Pattern, "/v1") {
			continue
		}
		n++
		route := rt.Method + " " + rt.Pattern
		path := pathParam.ReplaceAllString(rt.Pattern, "999")
		var body any
		if rt.Method != "GET" && rt.Method != "DELETE" {
			body = "{}"
		}
		if r := s.Do(t, rt.Method, path, body, "Authorization", ""); r.Status != http.StatusUnauthorized {
			t.Errorf("%s with no key: status=%d, want 401", route, r.Status)
		}
		if r := s.Do(t, rt.Method, path, body, bearerOf(revoked)...); r.Status != http.StatusUnauthorized {
			t.Errorf("%s with a revoked key: status=%d, want 401", route, r.Status)
		}
		for sc, k := range keys {
			want := sc == backorder.ScopeAdmin || allows[sc][route] ||
				sc == backorder.ScopeReadonly && rt.Method == "GET" && !hidden[rt.Pattern]
			r := s.Do(t, rt.Method, path, body, bearerOf(k)...)
			if got := r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized; got != want {
				t.Errorf("%s with a %s key: status=%d (%s), want allowed=%v", route, sc, r.Status, r.Body, want)
			} else if !want && r.Error(t).Code != backorder.EFORBIDDEN {
				t.Errorf("%s with a %s key: error %s, want code forbidden", route, sc, r.Body)
			}
		}
	}
	if n < 40 {
		t.Fatalf("checked %d routes; the table of routes looks short", n)
	}
}

func TestAPIKeys_Lifecycle(t *testing.T) {
	t.Parallel()
	s := MustOpenServerWithTestClock(t)
	k := s.mustKey(t, "Storefront EU", 0, backorder.ScopeStorefront, backorder.ScopeReadonly, backorder.ScopeStorefront)
	if got, want := strings.Join(k.Scopes, ","), "readonly,storefront"; got != want {
		t.Fatalf("scopes=%s, want %s (sorted, once each)", got, want)
	}
	if k.LastUsedAt != nil || k.RevokedAt != nil {
		t.Fatalf("new key=%+v, want unused and live", k)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders", nil, nil, bearerOf(k)...)

	var page Page[backorder.APIKey]
	s.MustDo(t, http.StatusOK, "GET", "/v1/api-keys", nil, &page)
	if len(page.Data) != 1 || page.Data[0].ID != k.ID || page.Data[0].Secret != "" || page.Data[0].LastUsedAt == nil {
		t.Fatalf("keys=%+v, want the one key, used, without its secret", page.Data)
	}
	if got, want := *page.Data[0].LastUsedAt, s.Service.Now(); !got.Equal(want) {
		t.Fatalf("last_used_at=%v, want %v (the test clock)", got, want)
	}

	var rev backorder.APIKey
	s.MustDo(t, http.StatusOK, "DELETE", "/v1/api-keys/"+k.ID, nil, &rev)
	if rev.RevokedAt == nil {
		t.Fatalf("revoked=%+v, want revoked_at", rev)
	}
	if r := s.Do(t, "GET", "/v1/orders", nil, bearerOf(k)...); r.Status != http.StatusUnauthorized {
		t.Fatalf("revoked key: status=%d, want 401 at once", r.Status)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/api-keys", nil, &page)
	if len(page.Data) != 0 {
		t.Fatalf("live keys=%+v, want none", page.Data)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/api-keys?include_revoked=true", nil, &page)
	if len(page.Data) != 1 || page.Data[0].RevokedAt == nil {
		t.Fatalf("all keys=%+v, want the revoked one", page.Data)
	}
	s.MustDo(t, http.StatusNotFound, "DELETE", "/v1/api-keys/key_nope", nil, nil)

	for _, tc := range []struct {
		body  any
		field string
	}{
		{backorder.APIKeyRequest{Scopes: []string{"admin"}}, "name"},
		{backorder.APIKeyRequest{Name: "x"}, "scopes"},
		{backorder.APIKeyRequest{Name: "x", Scopes: []string{"readonly", "root"}}, "scopes[1]"},
		{backorder.APIKeyRequest{Name: "x", Scopes: []string{"admin"}, RateLimit: -1}, "rate_limit"},
		{map[string]any{"name": "x", "scopes": []string{"admin"}, "secret": "mine"}, "secret"}, // a client cannot choose the secret
	} {
		r := s.Do(t, "POST", "/v1/api-keys", tc.body)
		if e := r.Error(t); r.Status != http.StatusUnprocessableEntity || e.Field != tc.field {
			t.Errorf("%+v: status=%d error=%+v, want 422 on %s", tc.body, r.Status, e, tc.field)
		}
	}
	s.MustDo(t, http.StatusUnprocessableEntity, "GET", "/v1/api-keys?include_revoked=yes", nil, nil)
}

func TestAPIKeys_RateLimit(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	slow := s.mustKey(t, "slow", 2, backorder.ScopeReadonly)
	other := s.mustKey(t, "other", 2, backorder.ScopeReadonly)
	var limited *Response
	for range 10 {
		if r := s.Do(t, "GET", "/v1/products", nil, bearerOf(slow)...); r.Status == http.StatusTooManyRequests {
			limited = r
			break
		} else if r.Status != http.StatusOK {
			t.Fatalf("status=%d %s", r.Status, r.Body)
		}
	}
	if limited == nil {
		t.Fatal("10 requests at once under a limit of 2 per second: none refused")
	}
	if e := limited.Error(t); e.Code != backorder.ERATELIMITED {
		t.Fatalf("error=%+v, want rate_limited", e)
	}
	if n, err := strconv.Atoi(limited.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Fatalf("Retry-After=%q, want whole seconds >= 1", limited.Header.Get("Retry-After"))
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/products", nil, nil, bearerOf(other)...)
	s.MustDo(t, http.StatusOK, "GET", "/v1/products", nil, nil) // the admin token has no limit
	time.Sleep(600 * time.Millisecond)                          // a token comes back every 500 ms
	s.MustDo(t, http.StatusOK, "GET", "/v1/products", nil, nil, bearerOf(slow)...)
}

// TestAuditLog: each change is recorded with who made it; reads, refusals
// and replays are not changes.
func TestAuditLog(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	shop := s.mustKey(t, "Shop", 0, backorder.ScopeStorefront)
	s.MustPutProduct(t, "SKU-1")
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("A-1", "c1", "SKU-1", 2), nil, append(bearerOf(shop), "Idempotency-Key", "k-1")...)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", order("A-1", "c1", "SKU-1", 2), nil, append(bearerOf(shop), "Idempotency-Key", "k-1")...)
	s.MustDo(t, http.StatusUnprocessableEntity, "POST", "/v1/orders", order("A-2", "c1", "SKU-1", 0), nil, bearerOf(shop)...)
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/A-1", nil, nil, bearerOf(shop)...)
	s.MustDo(t, http.StatusOK, "POST", "/v1/orders/A-1/cancel", map[string]any{"reason": "changed mind"}, nil, bearerOf(shop)...)

	var page Page[backorder.AuditEntry]
	s.MustDo(t, http.StatusOK, "GET", "/v1/audit-log", nil, &page)
	var got []string
	for _, e := range page.Data {
		got = append(got, e.Actor.Kind+":"+e.Actor.ID+" "+e.Action+" "+e.Path+" "+e.Subject+" "+e.IdempotencyKey)
	}
	want := []string{
		"api_key:" + shop.ID + " POST /v1/orders/{id}/cancel /v1/orders/A-1/cancel  ",
		"api_key:" + shop.ID + " POST /v1/orders /v1/orders A-1 k-1",
		"admin_token: PUT /v1/products/{sku} /v1/products/SKU-1  ",
		"admin_token: POST /v1/api-keys /v1/api-keys  ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if page.Data[1].Actor.Name != "Shop" {
		t.Fatalf("actor=%+v, want the key's name", page.Data[1].Actor)
	}

	s.MustDo(t, http.StatusOK, "GET", "/v1/audit-log?limit=1&actor="+shop.ID, nil, &page)
	if len(page.Data) != 1 || page.NextCursor == "" {
		t.Fatalf("page=%+v, want one entry and a cursor", page)
	}
	cursor := page.NextCursor
	page = Page[backorder.AuditEntry]{}
	s.MustDo(t, http.StatusOK, "GET", "/v1/audit-log?limit=5&actor="+shop.ID+"&after="+cursor, nil, &page)
	if len(page.Data) != 1 || page.Data[0].Subject != "A-1" || page.NextCursor != "" {
		t.Fatalf("second page=%+v, want the order placed, last", page)
	}
}

// TestServerOwnedFields: no body sets priority, allocations, status or
// sequence; only an admin marks a customer VIP or wholesale, which orders
// the queue.
func TestServerOwnedFields(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	shop := s.mustKey(t, "Shop", 0, backorder.ScopeStorefront)
	s.MustPutProduct(t, "SKU-1")
	for _, field := range []string{"status", "seq", "allocations", "priority", "units"} {
		body := map[string]any{"id": "X-" + field, "customer": map[string]any{"id": "c", "email": "c@example.com", "name": "C"},
			"lines": []any{map[string]any{"sku": "SKU-1", "quantity": 1}}, field: 1}
		if r := s.Do(t, "POST", "/v1/orders", body, bearerOf(shop)...); r.Status != http.StatusUnprocessableEntity || r.Error(t).Field != field {
			t.Errorf("order with %q: status=%d %s, want 422 naming the field", field, r.Status, r.Body)
		}
	}
	for _, field := range []string{"allocated", "backordered", "shipped", "priority"} {
		body := map[string]any{"id": "Y-" + field, "customer": map[string]any{"id": "c", "email": "c@example.com", "name": "C"},
			"lines": []any{map[string]any{"sku": "SKU-1", "quantity": 1, field: 1}}}
		if r := s.Do(t, "POST", "/v1/orders", body, bearerOf(shop)...); r.Status != http.StatusUnprocessableEntity || r.Error(t).Field != "lines[0]."+field {
			t.Errorf("order line with %q: status=%d %s, want 422 naming the field", field, r.Status, r.Body)
		}
	}
	for _, flag := range []string{"vip", "wholesale"} {
		req := order("V-"+flag, "c", "SKU-1", 1)
		req.Customer.VIP, req.Customer.Wholesale = flag == "vip", flag == "wholesale"
		for _, path := range []string{"/v1/orders", "/v1/quotes"} {
			r := s.Do(t, "POST", path, req, bearerOf(shop)...)
			if e := r.Error(t); r.Status != http.StatusForbidden || e.Field != "customer."+flag {
				t.Errorf("%s with customer.%s from a storefront key: status=%d error=%+v, want 403 on the field", path, flag, r.Status, e)
			}
		}
		s.MustPlaceOrder(t, req) // the admin token may
	}
}
