package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/postgres"
	"github.com/backorder/backorder/storetest"
)

// testURL returns the database the tests run against. Without one the tests
// skip, except in CI, where nothing may skip silently.
func testURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("BACKORDER_TEST_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("BACKORDER_TEST_POSTGRES_URL is not set; CI must run the PostgreSQL tests (eval \"$(scripts/pgtest.sh start)\")")
		}
		tb.Skip("set BACKORDER_TEST_POSTGRES_URL to run the PostgreSQL tests; eval \"$(scripts/pgtest.sh start)\" starts a throwaway server and sets it")
	}
	return url
}

// MustCreateSchema creates an empty schema with a unique name, dropped at
// the end of the test, so tests can run in parallel on one database.
func MustCreateSchema(tb testing.TB) (url, schema string) {
	tb.Helper()
	url = testURL(tb)
	ctx := context.Background()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema = "test_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Error(err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Error(err)
		}
	})
	return url, schema
}

// MustOpenSchema opens the store in schema, through the pool's search_path.
func MustOpenSchema(tb testing.TB, url, schema string) *postgres.DB {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	// A property test opens a store per case and closes them all at the
	// end: idle connections go soon, so the server's max_connections holds.
	cfg.MaxConns = 8
	cfg.MaxConnIdleTime = time.Second
	cfg.HealthCheckPeriod = 500 * time.Millisecond
	db, err := postgres.OpenConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustOpenDB opens the store in a fresh schema of its own.
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	url, schema := MustCreateSchema(tb)
	return MustOpenSchema(tb, url, schema)
}

// MustBeginWrite starts a write transaction, rolled back at the end of the
// test unless committed.
func MustBeginWrite(tb testing.TB, db *postgres.DB) backorder.Tx {
	tb.Helper()
	tx, err := db.BeginWrite(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

// MustBeginRead starts a read transaction, rolled back at the end of the test.
func MustBeginRead(tb testing.TB, db *postgres.DB) backorder.Tx {
	tb.Helper()
	tx, err := db.BeginRead(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = tx.Rollback() })
	return tx
}

func TestOpen(t *testing.T) {
	t.Parallel()
	t.Run("MigrateConcurrently", func(t *testing.T) {
		t.Parallel()
		// Processes that start together all succeed: the advisory lock makes
		// one migrate while the others wait, then find nothing to do.
		url, schema := MustCreateSchema(t)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				cfg, err := pgxpool.ParseConfig(url)
				if err != nil {
					errs[i] = err
					return
				}
				cfg.ConnConfig.RuntimeParams["search_path"] = schema
				db, err := postgres.OpenConfig(context.Background(), cfg)
				if err != nil {
					errs[i] = err
					return
				}
				db.Close()
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("open %d: %v", i, err)
			}
		}
		db := MustOpenSchema(t, url, schema)
		var n int
		if err := db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM goose_db_version WHERE version_id = 1`).Scan(&n); err != nil {
			t.Fatal(err)
		} else if got, want := n, 1; got != want {
			t.Fatalf("migration 1 applied %d times, want %d", got, want)
		}
	})

	t.Run("ErrBadURL", func(t *testing.T) {
		t.Parallel()
		if _, err := postgres.Open(context.Background(), "postgres://%zz"); err == nil {
			t.Fatal("expected error")
		}
	})
}

var t0 = time.Date(2026, 11, 28, 9, 30, 0, 123456000, time.UTC)

// MustInsertOrder stores an order of one customer with lines of the given
// SKUs and quantities, each fully backordered.
func MustInsertOrder(tb testing.TB, tx backorder.Tx, id, customer string, at time.Time, lines ...any) *backorder.Order {
	tb.Helper()
	o := &backorder.Order{ID: id, Customer: backorder.Customer{ID: customer, Email: customer + "@example.com", Name: "Ann"},
		Shipping: backorder.ShippingStandard, SplitPolicy: backorder.SplitShipAvailable, AcceptedAt: at}
	for i := 0; i < len(lines); i += 2 {
		q := int64(lines[i+1].(int))
		o.Lines = append(o.Lines, &backorder.Line{LineNo: len(o.Lines) + 1, SKU: lines[i].(string), Quantity: q, Backordered: q,
			PriceCents: 1250, Currency: "USD", PaymentTiming: backorder.PaymentAtOrder})
		o.Units += q
	}
	o.LineCount = len(o.Lines)
	if err := tx.InsertOrders(context.Background(), []*backorder.Order{o}); err != nil {
		tb.Fatal(err)
	}
	return o
}

// TestMovementsAppendOnly checks that the history refuses changes.
func TestMovementsAppendOnly(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t)
	ctx := context.Background()
	tx := MustBeginWrite(t, db)
	storetest.MustPutProduct(t, tx, "X", backorder.Stock{})
	if err := tx.AppendMovements(ctx, []backorder.Movement{{At: t0, Kind: backorder.MoveReceipt, SKU: "X", Quantity: 10}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE movements SET quantity = 0`, `DELETE FROM movements`} {
		if _, err := db.Pool().Exec(ctx, q); err == nil {
			t.Fatalf("%s succeeded, want the history to refuse it", q)
		}
	}
}

func TestFormatError(t *testing.T) {
	t.Parallel()
	if err := postgres.FormatError(nil, "op", "x"); err != nil {
		t.Fatal(err)
	}
	app := backorder.Errorf(backorder.EINVALID, "Bad.")
	if err := postgres.FormatError(app, "op", "x"); err != app {
		t.Fatalf("application error changed: %v", err)
	}
	err := postgres.FormatError(fmt.Errorf("boom"), "save", "x")
	if backorder.ErrorCode(err) != backorder.EINTERNAL || err.Error() != "postgres: save: boom" {
		t.Fatalf("err=%v", err)
	}
}
