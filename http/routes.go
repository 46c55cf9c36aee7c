package http

import (
	"log/slog"
	"net/http"
)

// Route is one entry of the API: a method, a Go 1.22 ServeMux path pattern,
// and its handler. Every /v1 route requires the admin bearer token.
type Route struct {
	Method  string
	Pattern string
	Handler http.Handler
}

// Routes returns the whole HTTP surface of the API. openapi.json describes
// exactly these routes; a test keeps the two in step.
func Routes(cfg Config) []Route {
	svc, log := cfg.Service, cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	api := func(fn apiFunc) http.Handler { return apiHandler{fn: fn, log: log} }
	return []Route{
		{"GET", "/healthz", api(handleHealth(cfg.Version))},
		{"GET", "/metrics", api(handleMetrics(cfg.Metrics, cfg.MetricsTokenHash))},
		{"GET", "/v1/openapi.json", handleOpenAPI()},

		{"PUT", "/v1/products/{sku}", api(handleProductPut(svc))},
		{"GET", "/v1/products/{sku}", api(handleProductGet(svc))},
		{"GET", "/v1/products/{sku}/forecast", api(handleForecast(svc))},
		{"GET", "/v1/products", api(handleProductList(svc))},
		{"PUT", "/v1/suppliers/{id}", api(handleSupplierPut(svc))},
		{"GET", "/v1/suppliers/{id}", api(handleSupplierGet(svc))},
		{"GET", "/v1/suppliers", api(handleSupplierList(svc))},
		{"POST", "/v1/purchase-orders", api(handlePOCreate(svc))},
		{"GET", "/v1/purchase-orders", api(handlePOList(svc))},
		// Before /v1/purchase-orders/{id}, so that it is not read as an ID.
		{"GET", "/v1/purchase-orders/at-risk", api(handleAtRisk(svc))},
		{"GET", "/v1/purchase-orders/{id}", api(handlePOGet(svc))},
		{"PATCH", "/v1/purchase-orders/{id}", api(handlePOPatch(svc))},
		{"POST", "/v1/purchase-orders/{id}/receipts", api(handlePOReceipt(svc))},
		{"POST", "/v1/purchase-orders/{id}/cancel", api(handlePOCancel(svc))},

		{"GET", "/v1/settings", api(handleSettingsGet(svc))},
		{"PUT", "/v1/settings", api(handleSettingsPut(svc))},

		{"POST", "/v1/quotes", api(handleQuote(svc))},
		{"POST", "/v1/orders", api(handleOrderCreate(svc))},
		{"GET", "/v1/orders", api(handleOrderList(svc))},
		{"GET", "/v1/orders/{id}", api(handleOrderGet(svc))},
		{"POST", "/v1/orders/{id}/cancel", api(handleOrderCancel(svc))},
		{"POST", "/v1/orders/{id}/split-choice", api(handleOrderSplitChoice(svc))},

		{"POST", "/v1/receipts", api(handleReceiptCreate(svc))},
		{"GET", "/v1/receipts/{id}/allocations", api(handleReceiptAllocations(svc))},
		{"POST", "/v1/adjustments", api(handleAdjustmentCreate(svc))},
		{"GET", "/v1/backorders", api(handleBackorderQueue(svc))},
		{"GET", "/v1/backorders.csv", api(handleBackordersCSV(svc, log))},

		{"GET", "/v1/fulfillments", api(handleFulfillmentList(svc))},
		{"GET", "/v1/fulfillments/{id}", api(handleFulfillmentGet(svc))},
		{"POST", "/v1/fulfillments/{id}/ship", api(handleFulfillmentShip(svc))},

		{"GET", "/v1/movements", api(handleMovementList(svc))},
		{"GET", "/v1/events", api(handleEventList(svc))},
		{"GET", "/v1/lost-demand", api(handleLostDemandList(svc))},
		{"GET", "/v1/lost-demand.csv", api(handleLostDemandCSV(svc, log))},
		{"GET", "/v1/projection", api(handleProjection(svc))},
		{"GET", "/v1/check", api(handleCheck(svc))},
		{"GET", "/v1/stats", api(handleStats(svc))},
		{"GET", "/v1/metrics/backorders", api(handleBackorderMetrics(svc))},
		{"GET", "/v1/metrics/backorders.csv", api(handleMetricsCSV(svc, log))},

		{"GET", "/v1/test-clock", api(handleTestClockGet(cfg.TestClock))},
		{"POST", "/v1/test-clock/advance", api(handleTestClockAdvance(cfg.TestClock))},
	}
}
