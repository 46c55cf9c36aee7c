package http

import (
	"slices"
	"strings"

	"github.com/backorder/backorder"
)

// routeScopes lists, by "METHOD pattern", the scopes besides admin that may
// use a route. A route it does not list is admin's alone, except that
// readonly may use every GET route that sensitive does not name: a new route
// is closed to the other scopes until it is listed here.
var routeScopes = map[string][]string{
	"GET /v1/openapi.json": {backorder.ScopeStorefront, backorder.ScopeWarehouse},

	"POST /v1/quotes":              {backorder.ScopeStorefront},
	"POST /v1/orders":              {backorder.ScopeStorefront},
	"GET /v1/orders":               {backorder.ScopeStorefront},
	"GET /v1/orders/{id}":          {backorder.ScopeStorefront},
	"POST /v1/orders/{id}/cancel":  {backorder.ScopeStorefront},
	"GET /v1/orders/{id}/messages": {backorder.ScopeStorefront},

	"POST /v1/receipts":                      {backorder.ScopeWarehouse},
	"GET /v1/receipts/{id}/allocations":      {backorder.ScopeWarehouse},
	"POST /v1/adjustments":                   {backorder.ScopeWarehouse},
	"POST /v1/purchase-orders":               {backorder.ScopeWarehouse},
	"GET /v1/purchase-orders":                {backorder.ScopeWarehouse},
	"GET /v1/purchase-orders/at-risk":        {backorder.ScopeWarehouse},
	"GET /v1/purchase-orders/{id}":           {backorder.ScopeWarehouse},
	"PATCH /v1/purchase-orders/{id}":         {backorder.ScopeWarehouse},
	"POST /v1/purchase-orders/{id}/receipts": {backorder.ScopeWarehouse},
	"POST /v1/purchase-orders/{id}/cancel":   {backorder.ScopeWarehouse},
	"GET /v1/fulfillments":                   {backorder.ScopeWarehouse},
	"GET /v1/fulfillments/{id}":              {backorder.ScopeWarehouse},
	"POST /v1/fulfillments/{id}/ship":        {backorder.ScopeWarehouse},
}

// sensitive are the path prefixes whose GET routes readonly may not use:
// they show who may do what, and who did.
var sensitive = []string{"/v1/api-keys", "/v1/audit-log", "/v1/users"}

// allowed reports whether a key with the scopes may use the route.
func allowed(scopes []string, method, pattern string) bool {
	if slices.Contains(scopes, backorder.ScopeAdmin) {
		return true
	}
	for _, s := range routeScopes[method+" "+pattern] {
		if slices.Contains(scopes, s) {
			return true
		}
	}
	if method == "GET" && slices.Contains(scopes, backorder.ScopeReadonly) {
		return !slices.ContainsFunc(sensitive, func(p string) bool { return pattern == p || strings.HasPrefix(pattern, p+"/") })
	}
	return false
}
