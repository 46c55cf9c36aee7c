package http_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                          `json:"openapi"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas map[string]openAPISchema `json:"schemas"`
	} `json:"components"`
}

type openAPIOp struct {
	Parameters []struct {
		Ref  string `json:"$ref"`
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	Security  *[]map[string][]string     `json:"security"`
	Responses map[string]json.RawMessage `json:"responses"`
}

type openAPISchema struct {
	Properties map[string]json.RawMessage `json:"properties"`
	Required   []string                   `json:"required"`
}

func mustOpenAPI(tb testing.TB) *openAPIDoc {
	tb.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(bohttp.OpenAPI(), &doc); err != nil {
		tb.Fatal(err)
	}
	return &doc
}

// TestRoutes_OpenAPI keeps routes.go and openapi.json in step: every route
// is in the document with its method, and every operation is a route.
func TestRoutes_OpenAPI(t *testing.T) {
	t.Parallel()
	doc := mustOpenAPI(t)
	if got, want := doc.OpenAPI, "3.1.0"; got != want {
		t.Fatalf("openapi=%q, want %q", got, want)
	}
	routes := map[string]bool{}
	for _, rt := range bohttp.Routes(bohttp.Config{}) {
		key := strings.ToLower(rt.Method) + " " + rt.Pattern
		if routes[key] {
			t.Errorf("route %s listed twice", key)
		}
		routes[key] = true
		op, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, rt.Pattern)
			continue
		}
		// The customer pages are HTML forms a browser posts, outside the
		// admin token: the signed link is their credential. A key's secret
		// is shown once, so POST /v1/api-keys keeps no outcome to replay.
		customerPage := strings.HasPrefix(rt.Pattern, "/c/")
		if rt.Method == "POST" && !customerPage && rt.Pattern != "/v1/api-keys" && !slices.ContainsFunc(op.Parameters, func(p struct {
			Ref  string `json:"$ref"`
			Name string `json:"name"`
			In   string `json:"in"`
		}) bool {
			return p.Ref == "#/components/parameters/IdempotencyKey"
		}) {
			t.Errorf("POST %s: no Idempotency-Key parameter in openapi.json", rt.Pattern)
		}
		if open := rt.Pattern == "/healthz" || customerPage; open != (op.Security != nil && len(*op.Security) == 0) {
			t.Errorf("%s %s: security override=%v, want open=%v", rt.Method, rt.Pattern, op.Security, open)
		}
	}
	var extra []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if !routes[method+" "+path] {
				extra = append(extra, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(extra)
	for _, e := range extra {
		t.Errorf("openapi.json describes %s, which is not a route", e)
	}
}

// TestOpenAPI_Schemas checks that the schemas name exactly the JSON fields
// of the Go types the API encodes and decodes.
func TestOpenAPI_Schemas(t *testing.T) {
	t.Parallel()
	doc := mustOpenAPI(t)
	types := map[string]any{
		"Product":           backorder.Product{},
		"APIKey":            backorder.APIKey{},
		"APIKeyRequest":     backorder.APIKeyRequest{},
		"AuditEntry":        backorder.AuditEntry{},
		"Actor":             backorder.Actor{},
		"ProductInput":      backorder.ProductInput{},
		"EffectivePolicy":   backorder.EffectivePolicy{},
		"Settings":          backorder.Settings{},
		"Defaults":          backorder.Defaults{},
		"PriorityRules":     backorder.PriorityRules{},
		"PriorityRule":      backorder.PriorityRule{},
		"Customer":          backorder.Customer{},
		"LineRequest":       backorder.LineRequest{},
		"OrderRequest":      backorder.OrderRequest{},
		"Order":             backorder.Order{},
		"Line":              backorder.Line{},
		"Refusal":           backorder.Refusal{},
		"Allocation":        backorder.Allocation{},
		"CancelRequest":     backorder.CancelRequest{},
		"CancelLine":        backorder.CancelLine{},
		"ReceiptRequest":    backorder.ReceiptRequest{},
		"AdjustmentRequest": backorder.AdjustmentRequest{},
		"StockResult":       backorder.StockResult{},
		"Fulfillment":       backorder.Fulfillment{},
		"FulfillmentLine":   backorder.FulfillmentLine{},
		"Shipment":          backorder.Shipment{},
		"QueuePosition":     backorder.QueuePosition{},
		"Priority":          backorder.Priority{},
		"Movement":          backorder.Movement{},
		"Event":             backorder.Event{},
		"LostDemand":        backorder.LostDemand{},
		"CheckReport":       backorder.CheckReport{},
		"CommitStats":       backorder.CommitStats{},
		"Violation":         backorder.Violation{},
		"ErrorDetail":       backorder.Error{},

		"Supplier":                backorder.Supplier{},
		"Quote":                   backorder.Quote{},
		"PurchaseOrder":           backorder.PurchaseOrder{},
		"POLine":                  backorder.POLine{},
		"PODateChange":            backorder.PODateChange{},
		"PODelivery":              backorder.PODelivery{},
		"Reliability":             backorder.Reliability{},
		"ETA":                     backorder.ETA{},
		"Availability":            backorder.Availability{},
		"PurchaseOrderRequest":    backorder.PurchaseOrderRequest{},
		"POLineRequest":           backorder.POLineRequest{},
		"POReceiptRequest":        backorder.POReceiptRequest{},
		"QuoteLine":               backorder.QuoteLine{},
		"QuoteRequest":            backorder.OrderRequest{},
		"SupplierInput":           backorder.SupplierInput{},
		"EventLine":               backorder.EventLine{},
		"OrderAcceptedPayload":    backorder.OrderAcceptedPayload{},
		"OrderAllocatedPayload":   backorder.OrderAllocatedPayload{},
		"OrderCancelledPayload":   backorder.OrderCancelledPayload{},
		"OrderShippedPayload":     backorder.OrderShippedPayload{},
		"OrderSplitChosenPayload": backorder.OrderSplitChosenPayload{},
	}
	// The product body may repeat the SKU of the path.
	// A receipt's reply adds where all its allocations are listed.
	extra := map[string][]string{"ProductInput": {"sku"}, "StockResult": {"allocations_url"}, "SupplierInput": {"id"}}
	for name, v := range types {
		s, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		want := append(jsonFields(reflect.TypeOf(v)), extra[name]...)
		sort.Strings(want)
		var got []string
		for p := range s.Properties {
			got = append(got, p)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s properties=%v, want %v", name, got, want)
		}
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok {
				t.Errorf("schema %s requires %s, which it does not describe", name, r)
			}
		}
	}
}

// jsonFields lists the JSON names of a struct's encoded fields, promoting
// those of embedded structs as encoding/json does.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

// TestOpenAPI_Served checks the document is served as embedded, behind the token.
func TestOpenAPI_Served(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	t.Run("OK", func(t *testing.T) {
		resp := s.MustDo(t, http.StatusOK, "GET", "/v1/openapi.json", nil, nil)
		if !bytes.Equal(resp.Body, bohttp.OpenAPI()) {
			t.Fatal("served document differs from the embedded one")
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		resp := s.Do(t, "GET", "/v1/openapi.json", nil, "Authorization", "")
		if got, want := resp.Status, http.StatusUnauthorized; got != want {
			t.Fatalf("status=%d, want %d", got, want)
		}
	})
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	t.Run("OK", func(t *testing.T) {
		var body map[string]string
		s.MustDo(t, http.StatusOK, "GET", "/healthz", nil, &body, "Authorization", "")
		if got, want := body["status"], "ok"; got != want {
			t.Fatalf("status=%q, want %q", got, want)
		}
	})
}

func TestRouter(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	for _, tt := range []struct {
		name, method, path string
		auth               bool
		status             int
		code, allow        string
	}{
		{"ErrNotFound", "GET", "/v1/nope", true, http.StatusNotFound, backorder.ENOTFOUND, ""},
		{"ErrNotFoundOutsideV1", "GET", "/nope", false, http.StatusNotFound, backorder.ENOTFOUND, ""},
		{"ErrNotFoundUnauthorized", "GET", "/v1/nope", false, http.StatusUnauthorized, backorder.EUNAUTHORIZED, ""},
		{"ErrMethodNotAllowed", "DELETE", "/v1/orders", true, http.StatusMethodNotAllowed, bohttp.EMETHOD, "GET, HEAD, POST"},
		{"ErrMethodNotAllowedItem", "POST", "/v1/products/W", true, http.StatusMethodNotAllowed, bohttp.EMETHOD, "GET, HEAD, PUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if !tt.auth {
				hdr = []string{"Authorization", ""}
			}
			resp := s.Do(t, tt.method, tt.path, nil, hdr...)
			if got, want := resp.Status, tt.status; got != want {
				t.Fatalf("status=%d, want %d: %s", got, want, resp.Body)
			} else if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
				t.Fatalf("Content-Type=%q, want %q", got, want)
			} else if got, want := resp.Error(t).Code, tt.code; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			} else if got, want := resp.Header.Get("Allow"), tt.allow; got != want {
				t.Fatalf("Allow=%q, want %q", got, want)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	t.Run("OK", func(t *testing.T) {
		s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, nil, "Authorization", "bearer "+testToken)
	})
	for _, tt := range []struct{ name, header string }{
		{"ErrMissing", ""},
		{"ErrWrongToken", "Bearer wrong-token"},
		{"ErrTokenPrefix", "Bearer " + testToken[:len(testToken)-1]},
		{"ErrWrongScheme", "Basic " + testToken},
		{"ErrNoToken", "Bearer "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "GET", "/v1/settings", nil, "Authorization", tt.header)
			if got, want := resp.Status, http.StatusUnauthorized; got != want {
				t.Fatalf("status=%d, want %d", got, want)
			} else if got, want := resp.Error(t).Code, backorder.EUNAUTHORIZED; got != want {
				t.Fatalf("code=%q, want %q", got, want)
			} else if resp.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate header")
			}
		})
	}
}
