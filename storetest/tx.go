// Package storetest is the conformance suite of backorder.Store: every store
// (sqlite, postgres) runs it, so the service can rely on one contract.
package storetest

import (
	"testing"

	"github.com/backorder/backorder"
)

// Run tests the Tx contract of the stores open returns: every method's round
// trip, the error codes, cursors and limits, savepoints and rollbacks, and the
// CHECK constraints that keep stock and lines sound. open must return a
// fresh, empty store each time; each subtest opens its own.
func Run(t *testing.T, open func(t *testing.T) backorder.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, func(t *testing.T) backorder.Store)
	}{
		{"Settings", testTxSettings},
		{"Meta", testTxMeta},
		{"Product", testTxProduct},
		{"ListProducts", testTxListProducts},
		{"Stock", testTxStock},
		{"Order", testTxOrder},
		{"ListOrders", testTxListOrders},
		{"SaveLines", testTxSaveLines},
		{"WaitingLines", testTxWaitingLines},
		{"CustomerBackordered", testTxCustomerBackordered},
		{"Movements", testTxMovements},
		{"Fulfillments", testTxFulfillments},
		{"ListFulfillments", testTxListFulfillments},
		{"LostDemand", testTxLostDemand},
		{"Events", testTxEvents},
		{"Idempotency", testTxIdempotency},
		{"LedgerTotals", testTxLedgerTotals},
		{"Savepoint", testTxSavepoint},
		{"Rollback", testTxRollback},
		{"Read", testTxRead},
		{"Time", testTxTime},
		{"LockSKUs", testTxLockSKUs},
		{"Retryable", testTxRetryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}
