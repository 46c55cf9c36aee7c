package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	bohttp "github.com/backorder/backorder/http"
)

// loadOpenAPI parses an OpenAPI document with kin-openapi and validates it,
// as an OpenAPI 3.1 document when it says so (type arrays such as
// ["integer", "null"] and JSON Schema 2020-12 keywords). Defaults, examples
// and patterns are checked by default; formats are checked to be known ones.
func loadOpenAPI(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return doc, nil
}

// spec is the served document, loaded and validated once, with its router.
// The gorillamux router, which kin-openapi's README uses, tells an unknown
// path from a known path template with another method; the legacy router
// answers "not found" for both when the path has a parameter.
var spec = sync.OnceValues(func() (*apiSpec, error) {
	doc, err := loadOpenAPI(bohttp.OpenAPI())
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &apiSpec{doc: doc, router: router}, nil
})

type apiSpec struct {
	doc    *openapi3.T
	router routers.Router
}

// TestOpenAPI_Valid checks openapi.json with a maintained validator: it must
// load (every $ref resolves) and be a valid OpenAPI 3.1 document.
func TestOpenAPI_Valid(t *testing.T) {
	t.Parallel()
	doc, err := loadOpenAPI(bohttp.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi=%q, want 3.1", doc.OpenAPI)
	}
}

// TestOpenAPI_ValidCatches shows the document check can fail: each case
// breaks the served document in one way, and loadOpenAPI must refuse it for
// that reason.
func TestOpenAPI_ValidCatches(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, old, new, want string }{
		{"ErrMissingRef", `"$ref": "#/components/schemas/Fulfillment"`, `"$ref": "#/components/schemas/Fulfilment"`, `"Fulfilment" not found`},
		{"ErrBadType", `"type": "boolean"`, `"type": "bool"`, `unsupported 'type' value "bool"`},
		{"ErrPathParamUndeclared", `"/v1/orders/{id}/cancel"`, `"/v1/orders/{order}/cancel"`, "must define exactly all path parameters"},
		{"ErrUnknownFormat", `"format": "date-time"`, `"format": "datetime"`, `unsupported 'format' value "datetime"`},
		{"ErrBadPattern", `"pattern": "^[A-Z]{3}$"`, `"pattern": "^[A-Z{3}$"`, "error parsing regexp"},
		{"ErrDefaultOutOfRange", `"default": 100`, `"default": 0`, "invalid default"},
		{"ErrNoDescription", `"description": "Serving.",`, ``, "description of the response is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := string(bohttp.OpenAPI())
			if !strings.Contains(data, tt.old) {
				t.Fatalf("document has no %s", tt.old)
			}
			_, err := loadOpenAPI([]byte(strings.Replace(data, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("broken document accepted")
			} else if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err=%v, want %q", err, tt.want)
			}
		})
	}
}

// checkReply validates one exchange of the tests against openapi.json: the
// reply must be one the document describes for the route, with its status,
// its headers, its content type and a body that matches the schema. A
// request the document refuses must not succeed either. Failures are
// reported with tb.Errorf, which is safe from any goroutine.
func checkReply(tb testing.TB, req *http.Request, body []byte, resp *Response) {
	tb.Helper()
	if err := validateReply(req, body, resp); err != nil {
		tb.Errorf("%s %s: reply %d does not match openapi.json: %v\nbody: %s", req.Method, req.URL.RequestURI(), resp.Status, err, resp.Body)
	}
}

// validateReply is checkReply's check, returned as an error.
func validateReply(req *http.Request, body []byte, resp *Response) error {
	s, err := spec()
	if err != nil {
		return err
	}
	ctx := context.Background()
	req = req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))

	route, params, err := s.router.FindRoute(req)
	if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
		return validateUnrouted(s.doc, err, resp)
	} else if err != nil {
		return fmt.Errorf("find route: %w", err)
	}

	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	// Tests send bad requests on purpose; the document may call a request
	// valid that the server refuses by a rule the schema cannot state, but a
	// request the document refuses must never succeed.
	if reqErr := openapi3filter.ValidateRequest(ctx, in); reqErr != nil && resp.Status < 400 {
		return fmt.Errorf("the server accepted a request the document refuses: %w", reqErr)
	}
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                opts,
	})
}

// validateUnrouted checks the reply to a request the document has no
// operation for. Only the tests of the router send such requests, and the
// server must refuse them with an error the document describes: 401 before
// the token is checked, 404 for an unknown path, 405 for a known path with
// another method.
func validateUnrouted(doc *openapi3.T, routeErr error, resp *Response) error {
	want := map[int]bool{http.StatusUnauthorized: true, http.StatusNotFound: true}
	if errors.Is(routeErr, routers.ErrMethodNotAllowed) {
		want = map[int]bool{http.StatusUnauthorized: true, http.StatusMethodNotAllowed: true}
	}
	if !want[resp.Status] {
		return fmt.Errorf("no operation in the document (%v), and the reply is not an error of the router", routeErr)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		return fmt.Errorf("Content-Type=%q, want application/json", got)
	}
	var v any
	if err := json.Unmarshal(resp.Body, &v); err != nil {
		return err
	}
	schema := doc.Components.Schemas["Error"]
	if schema == nil {
		return errors.New("no Error schema")
	}
	return schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors())
}

// TestValidateReply_Catches shows the reply check can fail: each exchange
// breaks the document in one way and must be refused, while the first, a
// reply as the server gives it, passes.
func TestValidateReply_Catches(t *testing.T) {
	t.Parallel()
	jsonHeader := func(kv ...string) http.Header {
		h := http.Header{"Content-Type": {"application/json"}}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	const settings = `{"defaults":{"accept_backorders":true,"max_backorder_per_customer":null,"backorder_limit":null,"split_policy":"ship_available","payment_timing":"at_order"},"priority":{"vip":{"enabled":false,"weight":0},"expedited":{"enabled":false,"weight":0},"wholesale":{"enabled":false,"weight":0},"need_by":{"enabled":false,"weight":0}}}`
	const clock = `{"now":"2024-05-01T10:00:00Z"}`
	for _, tt := range []struct {
		name, method, path, body string
		resp                     Response
		want                     string // "" for a valid exchange
	}{
		{"OK", "GET", "/v1/settings", "", Response{200, jsonHeader(), []byte(settings)}, ""},
		{"OKError", "GET", "/v1/orders/x", "", Response{404, jsonHeader(), []byte(`{"error":{"code":"not_found","message":"No order x."}}`)}, ""},
		{"ErrMissingField", "GET", "/v1/settings", "", Response{200, jsonHeader(), []byte(`{"defaults":{"split_policy":"ship_available","payment_timing":"at_order"}}`)}, `property "priority" is missing`},
		{"ErrExtraField", "GET", "/v1/test-clock", "", Response{200, jsonHeader(), []byte(`{"now":"2024-05-01T10:00:00Z","zone":"UTC"}`)}, "zone"},
		{"ErrWrongType", "GET", "/v1/test-clock", "", Response{200, jsonHeader(), []byte(`{"now":1714557600}`)}, "doesn't match schema"},
		{"ErrBadFormat", "GET", "/v1/test-clock", "", Response{200, jsonHeader(), []byte(`{"now":"yesterday"}`)}, "date-time"},
		{"ErrUndocumentedStatus", "GET", "/v1/test-clock", "", Response{409, jsonHeader(), []byte(`{"error":{"code":"conflict","message":"No."}}`)}, "status is not supported"},
		{"ErrContentType", "GET", "/v1/test-clock", "", Response{200, http.Header{"Content-Type": {"text/plain"}}, []byte(clock)}, "Content-Type"},
		{"ErrUnknownCode", "GET", "/v1/orders/x", "", Response{404, jsonHeader(), []byte(`{"error":{"code":"gone","message":"No order x."}}`)}, "allowed values"},
		{"ErrHeader", "POST", "/v1/test-clock/advance", `{"days":1}`, Response{200, jsonHeader("Idempotent-Replayed", "yes"), []byte(clock)}, "Idempotent-Replayed"},
		{"ErrAcceptedInvalidRequest", "POST", "/v1/test-clock/advance", `{"days":"one"}`, Response{200, jsonHeader(), []byte(clock)}, "accepted a request the document refuses"},
		{"ErrUnknownRoute", "GET", "/v1/nope", "", Response{200, jsonHeader(), []byte(`{}`)}, "no operation in the document"},
		{"ErrUnknownRouteBody", "GET", "/v1/nope", "", Response{404, jsonHeader(), []byte(`{"error":"not found"}`)}, "must be an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "http://backorder.test"+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			err = validateReply(req, []byte(tt.body), &tt.resp)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("valid exchange refused: %v", err)
			case tt.want != "" && err == nil:
				t.Fatal("broken exchange accepted")
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("err=%v, want %q", err, tt.want)
			}
		})
	}
}
