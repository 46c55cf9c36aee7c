package http

import (
	"testing"
)

func TestAllowed(t *testing.T) {
	for _, tc := range []struct {
		scopes          []string
		method, pattern string
		want            bool
	}{
		{[]string{"admin"}, "DELETE", "/v1/api-keys/{id}", true},
		{[]string{"admin"}, "POST", "/v1/not-yet-listed", true},
		{[]string{"storefront"}, "POST", "/v1/orders", true},
		{[]string{"storefront"}, "POST", "/v1/orders/{id}/cancel", true},
		{[]string{"storefront"}, "POST", "/v1/orders/{id}/split-choice", false},
		{[]string{"storefront"}, "GET", "/v1/products", false},
		{[]string{"storefront"}, "POST", "/v1/receipts", false},
		{[]string{"warehouse"}, "POST", "/v1/receipts", true},
		{[]string{"warehouse"}, "POST", "/v1/fulfillments/{id}/ship", true},
		{[]string{"warehouse"}, "POST", "/v1/orders", false},
		{[]string{"warehouse"}, "PUT", "/v1/settings", false},
		{[]string{"readonly"}, "GET", "/v1/products", true},
		{[]string{"readonly"}, "GET", "/v1/not-yet-listed", true},
		{[]string{"readonly"}, "GET", "/v1/api-keys", false},
		{[]string{"readonly"}, "GET", "/v1/audit-log", false},
		{[]string{"readonly"}, "GET", "/v1/users/{id}", false},
		{[]string{"readonly"}, "POST", "/v1/orders", false},
		{[]string{"readonly", "warehouse"}, "POST", "/v1/adjustments", true},
		{nil, "GET", "/v1/products", false},
	} {
		if got := allowed(tc.scopes, tc.method, tc.pattern); got != tc.want {
			t.Errorf("allowed(%v, %s %s) = %v, want %v", tc.scopes, tc.method, tc.pattern, got, tc.want)
		}
	}
}
