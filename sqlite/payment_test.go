package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/backorder/backorder/sqlite"
	"github.com/backorder/backorder/storetest"
)

// TestMigration_PaymentsOpeningBalance: orders accepted before the payment
// ledger existed get an opening balance from migration 00010.
func TestMigration_PaymentsOpeningBalance(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "backorder.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.MustOpeningBalance(t, db, func(ctx context.Context) error { return db.RedoMigration(ctx, 10) })
}

// TestMigration_MetricMonths: migration 00017 builds the metrics' month
// rows from the day rows already counted.
func TestMigration_MetricMonths(t *testing.T) {
	db := MustOpenDB(t)
	storetest.MustMonthRows(t, db, func(ctx context.Context) error { return db.RedoMigration(ctx, 17) })
}

// TestMigration_MetricLinesOnOrderLines: migration 00019 moves the kept
// lines' intake units onto order_lines and keeps only changed states.
func TestMigration_MetricLinesOnOrderLines(t *testing.T) {
	db := MustOpenDB(t)
	storetest.MustKeptLinesSurvive(t, db, func(ctx context.Context) error { return db.RedoMigration(ctx, 19) })
}
