package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

// TestBadInput is a table of every bad-input rule: each answers a 4xx with
// the code and the field it breaks, never a 500.
func TestBadInput(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "W")
	s.MustPutProduct(t, "NOBO", "accept_backorders", false)
	s.MustReceive(t, "W", 3)
	s.MustPlaceOrder(t, order("taken", "c1", "W", 3))
	// A first request with a key, which the idempotency case reuses.
	s.MustDo(t, http.StatusCreated, "POST", "/v1/receipts", backorder.ReceiptRequest{SKU: "W", Quantity: 1}, nil, "Idempotency-Key", "key-1")

	const okOrder = `{"id":"o1","customer":{"id":"c","email":"c@example.com","name":"C"},"lines":[{"sku":"W","quantity":1}]}`
	orderWith := func(lines string) string {
		return `{"id":"o1","customer":{"id":"c","email":"c@example.com","name":"C"},"lines":` + lines + `}`
	}
	for _, tt := range []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status       int
		code, field  string
		message      string // a part of the message, if checked
	}{
		{"ErrMalformedJSON", "POST", "/v1/orders", `{"id": "o1",}`, nil, 400, backorder.EMALFORMED, "", "offset 13"},
		{"ErrTruncatedJSON", "POST", "/v1/orders", `{"id": "o1"`, nil, 400, backorder.EMALFORMED, "", "ends early"},
		{"ErrEmptyBody", "POST", "/v1/orders", ``, nil, 400, backorder.EMALFORMED, "", "Request body is required."},
		{"ErrBlankBody", "POST", "/v1/receipts", " \n", nil, 400, backorder.EMALFORMED, "", "Request body is required."},
		{"ErrTrailingData", "POST", "/v1/orders", okOrder + ` {}`, nil, 400, backorder.EMALFORMED, "", "after the JSON object"},
		{"ErrNotObject", "POST", "/v1/orders", `[1,2]`, nil, 400, backorder.EMALFORMED, "", "JSON object"},
		{"ErrUnknownField", "POST", "/v1/orders", `{"idd":"o1"}`, nil, 422, backorder.EINVALID, "idd", `Unknown field "idd".`},
		{"ErrUnknownNestedField", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":1},{"sku":"W","qty":1}]`), nil, 422, backorder.EINVALID, "lines[1].qty", ""},
		{"ErrUnknownCustomerField", "POST", "/v1/orders", `{"customer":{"id":"c","vipp":true}}`, nil, 422, backorder.EINVALID, "customer.vipp", ""},
		{"ErrUnknownProductField", "PUT", "/v1/products/X", `{"name":"X","on_hand":5}`, nil, 422, backorder.EINVALID, "on_hand", ""},
		{"ErrFieldCase", "PUT", "/v1/products/X", `{"name":"X","price_cents":1,"Currency":"USD","status":"active"}`, nil, 422, backorder.EINVALID, "Currency", "case-sensitive"},
		{"ErrNestedFieldCase", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":1},{"SKU":"W","quantity":1}]`), nil, 422, backorder.EINVALID, "lines[1].SKU", "case-sensitive"},
		{"ErrWrongType", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":"five"}]`), nil, 422, backorder.EINVALID, "lines[0].quantity", "quantity must be an integer."},
		{"ErrWrongTypeSecondLine", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":1},{"sku":"W","quantity":1.5}]`), nil, 422, backorder.EINVALID, "lines[1].quantity", "quantity must be an integer."},
		{"ErrWrongTypeBool", "POST", "/v1/orders", `{"customer":{"vip":"yes"}}`, nil, 422, backorder.EINVALID, "customer.vip", "vip must be true or false."},
		{"ErrWrongTypeArray", "POST", "/v1/orders", `{"lines":{"sku":"W"}}`, nil, 422, backorder.EINVALID, "lines", "lines must be an array."},
		{"ErrWrongTypeString", "POST", "/v1/orders", `{"id":17}`, nil, 422, backorder.EINVALID, "id", "id must be a string."},
		{"ErrWrongTypeEmbedded", "PUT", "/v1/products/X", `{"name":"X","accept_backorders":1}`, nil, 422, backorder.EINVALID, "accept_backorders", "must be true or false"},
		{"ErrWrongTypeSettings", "PUT", "/v1/settings", `{"priority":{"vip":{"weight":"high"}}}`, nil, 422, backorder.EINVALID, "priority.vip.weight", "weight must be an integer."},
		{"ErrQuantityOverInt64", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":99999999999999999999}]`), nil, 422, backorder.EINVALID, "lines[0].quantity", "9223372036854775807"},
		{"ErrQuantityExponent", "POST", "/v1/receipts", `{"sku":"W","quantity":1e30}`, nil, 422, backorder.EINVALID, "quantity", "9223372036854775807"},
		{"ErrQuantityZero", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":0}]`), nil, 422, backorder.EINVALID, "lines[0].quantity", "between 1 and 1000000"},
		{"ErrQuantityNegative", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":1},{"sku":"W","quantity":-3}]`), nil, 422, backorder.EINVALID, "lines[1].quantity", "between 1 and 1000000"},
		{"ErrQuantityAbsurd", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":5000000000}]`), nil, 422, backorder.EINVALID, "lines[0].quantity", "between 1 and 1000000"},
		{"ErrReceiptQuantityZero", "POST", "/v1/receipts", `{"sku":"W","quantity":0}`, nil, 422, backorder.EINVALID, "quantity", "between 1 and 1000000000"},
		{"ErrReceiptQuantityAbsurd", "POST", "/v1/receipts", `{"sku":"W","quantity":1000000000000}`, nil, 422, backorder.EINVALID, "quantity", "between 1 and 1000000000"},
		{"ErrAdjustmentDeltaZero", "POST", "/v1/adjustments", `{"sku":"W","delta":0,"reason":"count"}`, nil, 422, backorder.EINVALID, "delta", "between -1000000000 and 1000000000"},
		{"ErrAdjustmentBelowAllocated", "POST", "/v1/adjustments", `{"sku":"W","delta":-4,"reason":"damaged"}`, nil, 422, backorder.EINVALID, "delta", "below the 3 units allocated"},
		{"ErrCancelQuantityNegative", "POST", "/v1/orders/taken/cancel", `{"reason":"x","lines":[{"sku":"W","quantity":-1}]}`, nil, 422, backorder.EINVALID, "lines[0].quantity", "between 1 and 1000000"},
		{"ErrUnknownSKUOrder", "POST", "/v1/orders", orderWith(`[{"sku":"W","quantity":1},{"sku":"NOPE","quantity":1}]`), nil, 404, backorder.ENOTFOUND, "lines[1].sku", `unknown SKU "NOPE"`},
		{"ErrUnknownSKUReceipt", "POST", "/v1/receipts", `{"sku":"NOPE","quantity":1}`, nil, 404, backorder.ENOTFOUND, "sku", `Unknown SKU "NOPE".`},
		{"ErrUnknownSKUProduct", "GET", "/v1/products/NOPE", "", nil, 404, backorder.ENOTFOUND, "", ""},
		{"ErrUnknownSKUQueue", "GET", "/v1/backorders?sku=NOPE", "", nil, 404, backorder.ENOTFOUND, "sku", ""},
		{"ErrUnknownOrder", "GET", "/v1/orders/NOPE", "", nil, 404, backorder.ENOTFOUND, "", ""},
		{"ErrUnknownOrderCancel", "POST", "/v1/orders/NOPE/cancel", `{"reason":"x"}`, nil, 404, backorder.ENOTFOUND, "", ""},
		{"ErrFulfillmentIDNotInteger", "GET", "/v1/fulfillments/abc", "", nil, 404, backorder.ENOTFOUND, "", `Fulfillment "abc" not found.`},
		{"ErrFulfillmentIDZero", "POST", "/v1/fulfillments/0/ship", `{"carrier":"UPS","tracking":"1Z"}`, nil, 404, backorder.ENOTFOUND, "", ""},
		{"ErrFulfillmentUnknown", "GET", "/v1/fulfillments/999", "", nil, 404, backorder.ENOTFOUND, "", ""},
		{"ErrOversizedBody", "POST", "/v1/orders", `{"id":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, backorder.ETOOLARGE, "", "1 MiB"},
		{"ErrMissingAuth", "POST", "/v1/orders", okOrder, []string{"Authorization", ""}, 401, backorder.EUNAUTHORIZED, "", ""},
		{"ErrWrongToken", "POST", "/v1/orders", okOrder, []string{"Authorization", "Bearer nope"}, 401, backorder.EUNAUTHORIZED, "", ""},
		{"ErrIdempotencyKeyEmpty", "POST", "/v1/orders", okOrder, []string{"Idempotency-Key", ""}, 422, backorder.EINVALID, "Idempotency-Key", "1 to 255"},
		{"ErrIdempotencyKeyTooLong", "POST", "/v1/orders", okOrder, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 422, backorder.EINVALID, "Idempotency-Key", "1 to 255"},
		{"ErrIdempotencyKeyNotASCII", "POST", "/v1/orders", okOrder, []string{"Idempotency-Key", "clé"}, 422, backorder.EINVALID, "Idempotency-Key", "printable ASCII"},
		{"ErrIdempotencyKeyReused", "POST", "/v1/receipts", `{"sku":"W","quantity":2}`, []string{"Idempotency-Key", "key-1"}, 422, backorder.EIDEMPOTENCY, "Idempotency-Key", "different request"},
		{"ErrIdempotencyKeyOtherRoute", "POST", "/v1/adjustments", `{"sku":"W","delta":1,"reason":"x"}`, []string{"Idempotency-Key", "key-1"}, 422, backorder.EIDEMPOTENCY, "Idempotency-Key", ""},
		{"ErrLimitZero", "GET", "/v1/orders?limit=0", "", nil, 422, backorder.EINVALID, "limit", "between 1 and 1000"},
		{"ErrLimitTooLarge", "GET", "/v1/products?limit=1001", "", nil, 422, backorder.EINVALID, "limit", "between 1 and 1000"},
		{"ErrLimitNotNumber", "GET", "/v1/movements?limit=ten", "", nil, 422, backorder.EINVALID, "limit", ""},
		{"ErrLimitQueue", "GET", "/v1/backorders?sku=W&limit=-1", "", nil, 422, backorder.EINVALID, "limit", ""},
		{"ErrCursorNegative", "GET", "/v1/fulfillments?after=-1", "", nil, 422, backorder.EINVALID, "after", ""},
		{"ErrCursorNotNumber", "GET", "/v1/events?after=abc", "", nil, 422, backorder.EINVALID, "after", ""},
		{"ErrBackordersAge", "GET", "/v1/backorders?min_age_days=x", "", nil, 422, backorder.EINVALID, "min_age_days", ""},
		{"ErrBackordersAgeBand", "GET", "/v1/backorders?min_age_days=3&max_age_days=2", "", nil, 422, backorder.EINVALID, "max_age_days", ""},
		{"ErrBackordersPriority", "GET", "/v1/backorders?priority=gold", "", nil, 422, backorder.EINVALID, "priority", ""},
		{"ErrBackordersPromised", "GET", "/v1/backorders?promised_by=soon", "", nil, 422, backorder.EINVALID, "promised_by", ""},
		{"ErrBackordersCursor", "GET", "/v1/backorders?after=1.2.3.4.5.6", "", nil, 422, backorder.EINVALID, "after", ""},
		{"ErrBackordersCustomer", "GET", "/v1/backorders?sku=W&customer_id=" + strings.Repeat("c", 300), "", nil, 422, backorder.EINVALID, "customer_id", ""},
		{"ErrOrderStatus", "GET", "/v1/orders?status=lost", "", nil, 422, backorder.EINVALID, "status", ""},
		{"ErrFulfillmentStatus", "GET", "/v1/fulfillments?status=open", "", nil, 422, backorder.EINVALID, "status", ""},
		{"ErrProductStatus", "GET", "/v1/products?status=gone", "", nil, 422, backorder.EINVALID, "status", ""},
		{"ErrMovementKind", "GET", "/v1/movements?kind=steal", "", nil, 422, backorder.EINVALID, "kind", ""},
		{"ErrLostDemandSince", "GET", "/v1/lost-demand?since=yesterday", "", nil, 422, backorder.EINVALID, "since", ""},
		{"ErrPriceAbsurd", "PUT", "/v1/products/X", `{"name":"X","price_cents":1000000001,"currency":"USD","status":"active"}`, nil, 422, backorder.EINVALID, "price_cents", "between 0 and 1000000000"},
		{"ErrPriceNegative", "PUT", "/v1/products/X", `{"name":"X","price_cents":-1,"currency":"USD","status":"active"}`, nil, 422, backorder.EINVALID, "price_cents", "between 0 and 1000000000"},
		{"ErrProductSKUMismatch", "PUT", "/v1/products/X", `{"sku":"Y","name":"X","currency":"USD","status":"active"}`, nil, 422, backorder.EINVALID, "sku", ""},
		{"ErrProductNameMissing", "PUT", "/v1/products/X", `{"currency":"USD","status":"active"}`, nil, 422, backorder.EINVALID, "name", "Name is required."},
		{"ErrProductBadSKU", "PUT", "/v1/products/a%20b", `{"name":"X","currency":"USD","status":"active"}`, nil, 422, backorder.EINVALID, "sku", ""},
		{"ErrSettingsInvalid", "PUT", "/v1/settings", `{"defaults":{"split_policy":"ship_available","payment_timing":"at_order"},"priority":{"vip":{"weight":5000}}}`, nil, 422, backorder.EINVALID, "priority.vip.weight", "between 0 and 1000"},
		{"ErrCustomerEmail", "POST", "/v1/orders", `{"id":"o1","customer":{"id":"c","email":"nope","name":"C"},"lines":[{"sku":"W","quantity":1}]}`, nil, 422, backorder.EINVALID, "customer.email", ""},
		{"ErrOrderRefused", "POST", "/v1/orders", orderWith(`[{"sku":"NOBO","quantity":2}]`), nil, 409, backorder.EREFUSED, "lines[0].quantity", "does not accept backorders"},
		{"ErrOrderExists", "POST", "/v1/orders", strings.Replace(okOrder, `"o1"`, `"taken"`, 1), nil, 409, backorder.ECONFLICT, "id", ""},
		{"ErrSplitChoice", "POST", "/v1/orders/taken/split-choice", `{"choice":"later"}`, nil, 422, backorder.EINVALID, "choice", ""},
		{"ErrSplitChoiceNoChoice", "POST", "/v1/orders/taken/split-choice", `{"choice":"ship_complete"}`, nil, 409, backorder.ECONFLICT, "choice", ""},
		{"ErrCancelTooMany", "POST", "/v1/orders/taken/cancel", `{"reason":"x","lines":[{"sku":"W","quantity":4}]}`, nil, 409, backorder.ECONFLICT, "lines[0].quantity", "only 3 are open"},
		{"ErrShipmentCarrier", "POST", "/v1/fulfillments/1/ship", `{"tracking":"1Z"}`, nil, 422, backorder.EINVALID, "carrier", ""},
		{"ErrTestClockOff", "GET", "/v1/test-clock", "", nil, 404, backorder.EUNAVAILABLE, "", ""},
		{"ErrTestClockAdvanceOff", "POST", "/v1/test-clock/advance", `{"duration":"1h"}`, nil, 404, backorder.EUNAVAILABLE, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" || tt.method != "GET" {
				body = tt.body
			}
			resp := s.Do(t, tt.method, tt.path, body, tt.headers...)
			if got, want := resp.Status, tt.status; got != want {
				t.Fatalf("status=%d, want %d: %s", got, want, resp.Body)
			} else if got, want := resp.Header.Get("Content-Type"), "application/json"; got != want {
				t.Fatalf("Content-Type=%q, want %q", got, want)
			}
			e := resp.Error(t)
			if got, want := e.Code, tt.code; got != want {
				t.Fatalf("code=%q, want %q (%s)", got, want, e.Message)
			} else if got, want := e.Field, tt.field; got != want {
				t.Fatalf("field=%q, want %q (%s)", got, want, e.Message)
			} else if !strings.Contains(e.Message, tt.message) {
				t.Fatalf("message=%q, want it to contain %q", e.Message, tt.message)
			} else if e.Message == "" {
				t.Fatal("empty message")
			}
		})
	}
	// Nothing above changed what the ledger says.
	s.MustCheck(t)
}
