package http_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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
