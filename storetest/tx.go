// Package storetest is the conformance suite of backorder.Store: every store
// (sqlite, postgres) runs it, so the service can rely on one contract.
package storetest

import (
	"testing"

	"github.com/backorder/backorder"
)

// Options tell Run what a store needs done its own way.
type Options struct {
	// ConflictFunc provokes a real transient conflict on s (a deadlock, a
	// serialization failure, a busy database) and returns the error it ends
	// with, which Run checks s.Retryable accepts. If nil, Run provokes a
	// deadlock through the Store API: two write transactions each lock one
	// SKU, then each the other's. That needs a store whose write
	// transactions can be open at once.
	ConflictFunc func(t *testing.T, s backorder.Store) error
}

// Run tests the Tx contract of the stores open returns: every method's round
// trip, the error codes, cursors and limits, savepoints and rollbacks, the
// CHECK constraints that keep stock and lines sound, the locks that
// serialize writers of a SKU, and which errors are retryable. open must
// return a fresh, empty store each time; each subtest opens its own.
func Run(t *testing.T, open func(t *testing.T) backorder.Store, opts Options) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, func(t *testing.T) backorder.Store)
	}{
		{"Settings", testTxSettings},
		{"Meta", testTxMeta},
		{"Product", testTxProduct},
		{"ListProducts", testTxListProducts},
		{"Suppliers", testTxSuppliers},
		{"APIKeys", testTxAPIKeys},
		{"Audit", testTxAudit},
		{"PurchaseOrders", testTxPurchaseOrders},
		{"Stock", testTxStock},
		{"Order", testTxOrder},
		{"ListOrders", testTxListOrders},
		{"SaveLines", testTxSaveLines},
		{"WaitingLines", testTxWaitingLines},
		{"MetricFills", testTxMetricFills},
		{"CustomerBackordered", testTxCustomerBackordered},
		{"BackorderStats", testTxBackorderStats},
		{"Promises", testTxPromises},
		{"WaitingOnPurchaseOrders", testTxWaitingOnPurchaseOrders},
		{"Demand", testTxDemand},
		{"Movements", testTxMovements},
		{"Fulfillments", testTxFulfillments},
		{"ListFulfillments", testTxListFulfillments},
		{"LostDemand", testTxLostDemand},
		{"Payments", testTxPayments},
		{"Events", testTxEvents},
		{"Idempotency", testTxIdempotency},
		{"LedgerSums", testTxLedgerTotals},
		{"Savepoint", testTxSavepoint},
		{"Rollback", testTxRollback},
		{"Read", testTxRead},
		{"Time", testTxTime},
		{"LockSKUs", testTxLockSKUs},
		{"Retryable", func(t *testing.T, open func(t *testing.T) backorder.Store) {
			testTxRetryable(t, open, opts.ConflictFunc)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}
