package http

import (
	"log/slog"
	"net/http"

	"github.com/backorder/backorder/http/customer"
	"github.com/backorder/backorder/mail"
)

// Route is one entry of the API: a method, a Go 1.22 ServeMux path pattern,
// and its handler. Every /v1 route requires the admin bearer token or an API
// key whose scopes allow it (scope.go); the customer pages (/c/) take a
// signed link instead.
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
	cust := customer.Config{Service: svc, Logger: log}
	if cfg.Links != nil {
		cust.Secret = cfg.Links.Secret
	}
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

		{"POST", "/v1/users", api(handleUserCreate(svc))},

		{"GET", "/v1/settings", api(handleSettingsGet(svc))},
		{"PUT", "/v1/settings", api(handleSettingsPut(svc))},

		{"POST", "/v1/quotes", api(handleQuote(svc))},
		{"POST", "/v1/orders", api(handleOrderCreate(svc))},
		{"GET", "/v1/orders", api(handleOrderList(svc))},
		{"GET", "/v1/orders/{id}", api(handleOrderGet(svc))},
		{"POST", "/v1/orders/{id}/cancel", api(handleOrderCancel(svc))},
		{"POST", "/v1/orders/{id}/split-choice", api(handleOrderSplitChoice(svc))},
		{"GET", "/v1/orders/{id}/messages", api(handleOrderMessages(svc))},
		{"GET", "/v1/orders/{id}/payments", api(handlePaymentList(svc))},
		{"POST", "/v1/orders/{id}/payments", api(handlePaymentRecord(svc))},
		{"POST", "/v1/orders/{id}/lines/{line_id}/priority", api(handleLinePriority(svc))},

		{"POST", "/v1/receipts", api(handleReceiptCreate(svc))},
		{"GET", "/v1/receipts/{id}/allocations", api(handleReceiptAllocations(svc))},
		{"POST", "/v1/adjustments", api(handleAdjustmentCreate(svc))},
		{"GET", "/v1/backorders", api(handleBackorderQueue(svc))},
		{"GET", "/v1/backorders/review", api(handleBackorderReview(svc))},
		{"GET", "/v1/backorders.csv", api(handleBackordersCSV(svc, log))},

		{"GET", "/v1/fulfillments", api(handleFulfillmentList(svc))},
		{"GET", "/v1/fulfillments/{id}", api(handleFulfillmentGet(svc))},
		{"POST", "/v1/fulfillments/{id}/ship", api(handleFulfillmentShip(svc))},

		{"GET", "/v1/movements", api(handleMovementList(svc))},
		{"GET", "/v1/events", api(handleEventList(svc))},
		{"GET", "/v1/deliveries", api(handleDeliveryList(svc))},
		{"POST", "/v1/deliveries/{id}/retry", api(handleDeliveryRetry(svc))},
		{"POST", "/v1/webhook-endpoints", api(handleWebhookEndpointCreate(svc))},
		{"GET", "/v1/webhook-endpoints", api(handleWebhookEndpointList(svc))},
		{"GET", "/v1/webhook-endpoints/{id}", api(handleWebhookEndpointGet(svc))},
		{"DELETE", "/v1/webhook-endpoints/{id}", api(handleWebhookEndpointDelete(svc))},
		{"GET", "/v1/webhook-endpoints/{id}/deliveries", api(handleWebhookEndpointDeliveries(svc))},
		{"GET", "/v1/lost-demand", api(handleLostDemandList(svc))},
		{"GET", "/v1/lost-demand.csv", api(handleLostDemandCSV(svc, log))},
		{"GET", "/v1/projection", api(handleProjection(svc))},
		{"GET", "/v1/reports/cancellations", api(handleCancellationReport(svc))},
		{"GET", "/v1/check", api(handleCheck(svc))},
		{"GET", "/v1/stats", api(handleStats(svc))},
		{"GET", "/v1/metrics/backorders", api(handleBackorderMetrics(svc))},
		{"GET", "/v1/metrics/backorders.csv", api(handleMetricsCSV(svc, log))},

		{"POST", "/v1/api-keys", api(handleAPIKeyCreate(svc))},
		{"GET", "/v1/api-keys", api(handleAPIKeyList(svc))},
		{"DELETE", "/v1/api-keys/{id}", api(handleAPIKeyRevoke(svc, cfg.auth))},
		{"GET", "/v1/audit-log", api(handleAuditLog(svc))},
		{"GET", "/v1/templates", api(handleTemplateList(svc))},
		{"GET", "/v1/templates/{name}", api(handleTemplateGet(svc))},
		{"PUT", "/v1/templates/{name}", api(handleTemplatePut(svc))},
		{"DELETE", "/v1/templates/{name}", api(handleTemplateDelete(svc))},
		{"POST", "/v1/templates/{name}/preview", api(handleTemplatePreview(svc, cfg.Links))},

		// The customer pages: outside the admin token (authenticate guards
		// /v1 only); the signed link in the path is the credential.
		{"GET", mail.CustomerPath + "{token}", customer.Page(cust)},
		{"POST", mail.CustomerPath + "{token}/cancel", customer.Cancel(cust)},
		{"POST", mail.CustomerPath + "{token}/choose", customer.Choose(cust)},

		{"GET", "/v1/test-clock", api(handleTestClockGet(cfg.TestClock))},
		{"POST", "/v1/test-clock/advance", api(handleTestClockAdvance(svc, cfg.TestClock))},
	}
}
