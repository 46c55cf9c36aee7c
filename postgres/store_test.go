package postgres_test

import (
	"testing"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/storetest"
)

// TestStore runs the store conformance suite on PostgreSQL, each subtest in
// a fresh schema of its own.
func TestStore(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) backorder.Store { return MustOpenDB(t) }, storetest.Options{})
}

// TestService runs the business flows of the conformance suite on
// PostgreSQL with several writers: their batches run at once, serialized only
// by the SKU locks, as on several service processes sharing one database.
func TestService(t *testing.T) {
	testURL(t)
	storetest.RunService(t, func(t *testing.T) backorder.Store { return MustOpenDB(t) }, 4)
}
