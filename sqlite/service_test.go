package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
	"github.com/backorder/backorder/storetest"
)

// TestService runs the business flows of the conformance suite on SQLite.
func TestService(t *testing.T) {
	storetest.RunService(t, func(t *testing.T) backorder.Store {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "backorder.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}, 1)
}
