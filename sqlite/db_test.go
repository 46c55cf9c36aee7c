package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
	"github.com/backorder/backorder/storetest"
)

// template is the content of a database file that Open has migrated, made
// once per test run. Running the migrations was a quarter of the time of the
// property tests, which open a fresh store for every case.
var template struct {
	once sync.Once
	file []byte
	err  error
}

// MustOpenDB opens a fresh database file in the test's temporary directory,
// closed when the test ends. The file is a copy of a store just migrated
// (template), and Open still runs on it: it finds every migration applied.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "backorder-template-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "template.db")
		db, err := sqlite.Open(path)
		if err != nil {
			template.err = err
			return
		}
		// Closing checkpoints the WAL into the file, which then holds it all.
		if template.err = db.Close(); template.err != nil {
			return
		}
		if _, err := os.Stat(path + "-wal"); err == nil {
			template.err = fmt.Errorf("template %s: a WAL file is left after Close", path)
			return
		}
		template.file, template.err = os.ReadFile(path)
	})
	if template.err != nil {
		tb.Fatal(template.err)
	}
	path := filepath.Join(tb.TempDir(), "backorder.db")
	if err := os.WriteFile(path, template.file, 0o600); err != nil {
		tb.Fatal(err)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

// TestStore runs the store conformance suite on SQLite.
func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) backorder.Store { return MustOpenDB(t) }, storetest.Options{ConflictFunc: busy})
}

// busy provokes SQLITE_BUSY on s's file: while a write transaction of s
// holds the write lock, another connection to the file, one with no busy
// timeout (as another process's may have), begins a write. The store cannot
// provoke it by itself: its own writers queue for its single write
// connection, and another sqlite.DB on the file waits out its 10 s busy
// timeout first.
func busy(t *testing.T, s backorder.Store) error {
	db := s.(*sqlite.DB)
	path := db.File(t)
	tx, err := db.BeginWrite(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otx, err := other.Begin()
	if err != nil {
		return err
	}
	otx.Rollback()
	return nil
}

func TestOpen(t *testing.T) {
	t.Run("Reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "backorder.db")
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		tx, err := db.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "k", "v"); err != nil {
			t.Fatal(err)
		} else if err := tx.Commit(); err != nil {
			t.Fatal(err)
		} else if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		// Opening again applies no migration twice and keeps the data.
		db, err = sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		r, err := db.BeginRead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Rollback()
		if got, err := r.Meta(ctx, "k"); err != nil || got != "v" {
			t.Fatalf("Meta=%q, %v, want v", got, err)
		}
	})
	// File names with characters a SQLite URI would read as syntax.
	t.Run("Names", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{"a b.db", "x%20y.db", "q?x#y.db", "ünï.db"} {
			db, err := sqlite.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("Open(%q): %v", name, err)
			} else if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Fatalf("Open(%q) made another file: %v", name, err)
			}
		}
	})
	t.Run("ErrMemory", func(t *testing.T) {
		for _, path := range []string{"", ":memory:", "file:x.db?mode=memory"} {
			if _, err := sqlite.Open(path); err == nil {
				t.Fatalf("Open(%q) succeeded, want an error", path)
			}
		}
	})
}

func TestFormatError(t *testing.T) {
	if err := sqlite.FormatError(nil, "op", "thing"); err != nil {
		t.Fatalf("FormatError(nil)=%v", err)
	}
	err := sqlite.FormatError(sql.ErrNoRows, "find order", `order "A-1"`)
	if got, want := backorder.ErrorCode(err), backorder.ENOTFOUND; got != want {
		t.Fatalf("code=%q, want %q", got, want)
	} else if got, want := backorder.ErrorMessage(err), `Order "A-1" not found.`; got != want {
		t.Fatalf("message=%q, want %q", got, want)
	}
	app := backorder.Errorf(backorder.EINVALID, "Bad.")
	if err := sqlite.FormatError(app, "op", "x"); err != app {
		t.Fatalf("FormatError(app error)=%v, want it unchanged", err)
	}
	boom := errors.New("disk on fire")
	err = sqlite.FormatError(boom, "save lines", "")
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "sqlite: save lines: ") {
		t.Fatalf("FormatError=%v, want it wrapped with the origin", err)
	} else if got := backorder.ErrorCode(err); got != backorder.EINTERNAL {
		t.Fatalf("code=%q, want internal", got)
	}
}

// TestWaitingLinesPlan checks that the queue query reads a page from the
// partial index, whose size is the queue's, not the history's, in its
// order: no sort of the whole queue for each page.
func TestWaitingLinesPlan(t *testing.T) {
	db := MustOpenDB(t)
	plan := db.ExplainWaitingLines(t)
	if !strings.Contains(plan, "order_lines_queue") {
		t.Fatalf("plan=%s, want the partial index order_lines_queue", plan)
	} else if strings.Contains(plan, "TEMP B-TREE") {
		t.Fatalf("plan=%s, want no sort", plan)
	}
}

// TestWaitingOrdersPlan checks that the metrics' count of waiting orders
// reads the partial index of waiting lines, not every line ever written.
func TestWaitingOrdersPlan(t *testing.T) {
	db := MustOpenDB(t)
	if plan := db.ExplainWaitingOrders(t); !strings.Contains(plan, "order_lines_waiting_all") {
		t.Fatalf("plan=%s, want the partial index order_lines_waiting_all", plan)
	}
}

// TestForecastReadsPlan checks that the lines waiting on purchase orders
// are read through the partial index order_lines_eta_po (the size of the
// waiting lines promised from a purchase order, not of the history), and a
// SKU's demand through order_lines_demand (the window, not every line).
func TestForecastReadsPlan(t *testing.T) {
	db := MustOpenDB(t)
	waitingOnPOs, demand := db.ExplainForecastReads(t)
	if !strings.Contains(waitingOnPOs, "order_lines_eta_po") {
		t.Fatalf("WaitingOnPurchaseOrders plan=%s, want the partial index order_lines_eta_po", waitingOnPOs)
	}
	if !strings.Contains(demand, "order_lines_demand") {
		t.Fatalf("Demand plan=%s, want the index order_lines_demand", demand)
	}
}

// TestMovementsAppendOnly checks that the history refuses changes.
func TestMovementsAppendOnly(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	tx, err := db.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	p := &backorder.Product{SKU: "A", Name: "A", Currency: "USD", Status: backorder.StatusActive}
	if err := tx.PutProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := tx.AppendMovements(ctx, []backorder.Movement{{Kind: backorder.MoveReceipt, SKU: "A", Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE movements SET quantity = 2", "DELETE FROM movements"} {
		if err := db.ExecTx(ctx, tx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: err=%v, want append-only refusal", q, err)
		}
	}
}

// TestEventIDsNeverReused prunes delivered events, as an outbox cleaner
// would, and checks that new events still get IDs past every one handed out:
// the notifier's cursor must not see an old ID again.
func TestEventIDsNeverReused(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	tx, err := db.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	es := []backorder.Event{{Kind: backorder.EventOrderAccepted}, {Kind: backorder.EventOrderAccepted}}
	if err := tx.AppendEvents(ctx, es); err != nil {
		t.Fatal(err)
	}
	if err := db.ExecTx(ctx, tx, "DELETE FROM events"); err != nil {
		t.Fatal(err)
	}
	more := []backorder.Event{{Kind: backorder.EventOrderShipped}}
	if err := tx.AppendEvents(ctx, more); err != nil {
		t.Fatal(err)
	} else if more[0].ID <= es[1].ID {
		t.Fatalf("ID=%d after pruning, want > %d", more[0].ID, es[1].ID)
	}
}

// TestCheckpoint checks that committed pages reach the database file without
// a checkpoint in any commit: the background checkpoint copies them.
func TestCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "backorder.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	ctx := context.Background()
	tx, err := db.BeginWrite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ms := make([]backorder.Movement, 5000)
	for i := range ms {
		ms[i] = backorder.Movement{Kind: backorder.MoveReceipt, SKU: "A", Quantity: 1, Reference: "PO-1"}
	}
	if err := tx.AppendMovements(ctx, ms); err != nil {
		t.Fatal(err)
	} else if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); size() <= before; {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: no checkpoint", size())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStatementCache checks that write transactions keep their statements
// prepared for the next one: a bulk write of any size is made of a few
// statement shapes, and a second transaction doing the same prepares nothing.
func TestStatementCache(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	write := func(n int) []string {
		tx, err := db.BeginWrite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if err := tx.SetMeta(ctx, "k", fmt.Sprint(n)); err != nil {
			t.Fatal(err)
		}
		ms := make([]backorder.Movement, n)
		for i := range ms {
			ms[i] = backorder.Movement{At: time.Unix(0, 0), Kind: backorder.MoveReceipt, SKU: "A", Quantity: int64(i + 1), Reference: fmt.Sprint(i)}
		}
		if err := tx.AppendMovements(ctx, ms); err != nil {
			t.Fatal(err)
		}
		missed := db.Missed(tx)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return missed
	}
	first := write(37)
	if len(first) == 0 {
		t.Fatal("the first transaction prepared nothing itself, want its statements")
	}
	for _, q := range first {
		if !db.Cached(q) {
			t.Fatalf("statement not kept after commit: %.80s", q)
		}
	}
	if again := write(37); len(again) != 0 {
		t.Fatalf("the same writes prepared %d statements again, want none", len(again))
	}
	// 37 rows go as 32+4+1; 5 rows as 4+1: nothing new to prepare.
	if again := write(5); len(again) != 0 {
		t.Fatalf("5 rows prepared %d new statements, want none", len(again))
	}

	// Reads keep theirs too, on the read connections: several reads at
	// once each bind the kept statement to their own connection.
	read := func() []string {
		tx, err := db.BeginRead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.Settings(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := tx.Meta(ctx, "k"); err != nil || v != "5" {
			t.Fatalf("meta k=%q, %v; want 5", v, err)
		}
		return db.Missed(tx)
	}
	first = read()
	if len(first) == 0 {
		t.Fatal("the first read prepared nothing itself, want its statements")
	}
	for _, q := range first {
		if !db.CachedRead(q) || db.Cached(q) {
			t.Fatalf("statement not kept for reads alone after the read: %.80s", q)
		}
	}
	var wg sync.WaitGroup
	missed := make([][]string, 8)
	for i := range missed {
		wg.Go(func() { missed[i] = read() })
	}
	wg.Wait()
	for i, m := range missed {
		if len(m) != 0 {
			t.Fatalf("read %d prepared %d statements again, want none", i, len(m))
		}
	}
}
