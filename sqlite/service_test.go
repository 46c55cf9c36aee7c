package sqlite_test

import (
	"testing"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/storetest"
)

// TestService runs the business flows of the conformance suite on SQLite.
func TestService(t *testing.T) {
	storetest.RunService(t, func(t *testing.T) backorder.Store { return MustOpenDB(t) }, 1)
}
