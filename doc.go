// Package backorder is the domain of a service that lets a shop keep selling
// what is out of stock: it accepts orders for items not on the shelf, fills
// waiting orders fairly the moment stock arrives, and keeps a history from
// which every quantity can be recomputed.
//
// The package holds the domain types (Order, Line, Product, Movement,
// Fulfillment, Event), the pure rules that decide (PlanIntake, FillOrder,
// Allocate, PlanFulfillment, PlanCancel, CheckSnapshot, CheckFIFO), the
// Store contract the databases implement (sqlite, postgres), and the Service
// that runs each flow: load through the store, decide with a rule, save, in
// one transaction of the group committer (internal/groupcommit).
//
// Files are named for what they hold: a concept's types and rules in its
// own file (intake.go, allocation.go, cancel.go, fulfillment.go, event.go,
// idempotency.go), and each flow of the Service in a service_*.go file
// (service_intake.go, service_cancel.go, service_split.go, service_stock.go,
// service_allocation.go, service_fulfillment.go).
package backorder
