// Package sqlite is the embedded store of backorder: one SQLite file, written
// by a single connection and read by a small pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/backorder/backorder"
)

//go:embed migration/*.sql
var migrationFS embed.FS

var _ backorder.Store = (*DB)(nil)

// Pragmas of the write connection. synchronous=FULL makes a returned commit
// durable: DESIGN.md promises that every accepted order survives a crash.
// The page cache (64 MiB) is large enough that a 100,000-line allocation run
// is no slower than with 256 MiB (measured), and small enough that a run of
// a million lines, whose dirty pages spill to the WAL before commit, keeps
// the process's memory bounded; the read connections keep 32 MiB each. BEGIN IMMEDIATE takes the
// write lock at the start, so a write transaction never fails half-way with
// SQLITE_BUSY when it upgrades from reading to writing. Checkpoints run in
// the background (see checkpointLoop), not in the commit that happens to
// cross the WAL's size threshold.
const writePragmas = "_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)" +
	"&_pragma=busy_timeout(10000)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=cache_size(-65536)" +
	"&_pragma=wal_autocheckpoint(0)" +
	"&_pragma=journal_size_limit(67108864)" +
	"&_pragma=temp_store(memory)" +
	"&_txlock=immediate"

// Pragmas of the read connections: query_only turns a write through a read
// transaction into an error rather than a lock wait.
const readPragmas = "_pragma=busy_timeout(10000)" +
	"&_pragma=foreign_keys(1)" +
	"&_pragma=query_only(1)" +
	"&_pragma=cache_size(-32768)" +
	"&_pragma=temp_store(memory)" +
	"&_txlock=deferred"

// Pragmas of the checkpoint connection.
const checkpointPragmas = "_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)"

// checkpointInterval is how often the background checkpoint copies committed
// pages from the WAL into the database file.
const checkpointInterval = time.Second

// walRestartFrames is the WAL's length, in frames (pages), past which the
// background checkpoint makes the next writer start the WAL again from its
// beginning: 16,384 frames of 4 KiB, the journal_size_limit's 64 MiB.
const walRestartFrames = 16384

// DB is a backorder store in one SQLite file. It keeps two pools on the
// file: a single write connection, which serializes every write transaction
// (so no two writers ever race for the lock), and several read connections,
// which WAL mode lets read a consistent snapshot while the writer works.
type DB struct {
	write *sql.DB
	stmts *stmtCache // statements kept prepared on write
	read  *sql.DB
	reads *stmtCache    // statements kept prepared on the read connections
	ckpt  *sql.DB       // one connection for background checkpoints
	stop  chan struct{} // closed by Close to end checkpointLoop
	done  chan struct{} // closed when checkpointLoop has returned
	// every and restartFrames are checkpointInterval and walRestartFrames,
	// smaller in tests.
	every         time.Duration
	restartFrames int
}

// Open opens the SQLite database at path, creating the file if needed, and
// brings its schema up to date.
func Open(path string) (*DB, error) {
	return open(path, checkpointInterval, walRestartFrames)
}

// open is Open with the background checkpoint's interval and WAL length.
func open(path string, every time.Duration, restartFrames int) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		// An in-memory database would give each pool its own empty database.
		return nil, fmt.Errorf("sqlite: open: path must name a file: %q", path)
	}
	db := &DB{every: every, restartFrames: restartFrames}
	uri := "file:" + uriEscaper.Replace(path) + "?"
	var err error
	if db.write, err = sql.Open("sqlite", uri+writePragmas); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	db.stmts = newStmtCache(db.write)

	ctx := context.Background()
	if err := db.write.PingContext(ctx); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		return nil, err
	}

	if db.read, err = sql.Open("sqlite", uri+readPragmas); err != nil {
		db.write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(n)
	db.read.SetMaxIdleConns(n)
	db.read.SetConnMaxIdleTime(5 * time.Minute)
	db.reads = newStmtCache(db.read)
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	if db.ckpt, err = sql.Open("sqlite", uri+checkpointPragmas); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.stop, db.done = make(chan struct{}), make(chan struct{})
	go db.checkpointLoop()
	return db, nil
}

// checkpointLoop runs checkpoint every db.every until Close. SQLite's
// automatic checkpoint would copy the WAL into the database file inside the
// commit that crosses the WAL's size threshold, adding the copy to that
// request's latency; here it runs on its own connection while writers go
// on. A failure is left for the next tick, as a checkpoint changes nothing a
// reader or writer can see.
func (db *DB) checkpointLoop() {
	defer close(db.done)
	t := time.NewTicker(db.every)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			db.checkpoint()
		}
	}
}

// checkpoint copies committed pages from the WAL into the database file.
// PASSIVE never waits for readers or the writer: what it cannot copy now it
// copies next time. But a PASSIVE checkpoint never starts the WAL again: the
// writer does that, at its next transaction, only once every frame is
// copied and no reader still reads from the WAL. Under a steady load of
// overlapping reads that moment never comes and the WAL grows without end
// (to 15 GB in a million-order run, every lookup in it slower). So once the
// WAL is past restartFrames, a RESTART checkpoint runs on the write
// connection, between two write transactions (on its own connection it
// would race the writer for the lock, and lose to a busy one): it waits for
// the readers of older snapshots to finish, for at most 250 ms, and the next
// writer starts the WAL from its beginning (journal_size_limit truncates the
// file). It reports the WAL's frames after the PASSIVE step.
func (db *DB) checkpoint() (frames int) {
	var busy, copied int
	if err := db.ckpt.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		return 0
	}
	if frames < db.restartFrames {
		return frames
	}
	ctx := context.Background()
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return frames
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 250"); err != nil {
		return frames
	}
	_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(RESTART)")
	_, _ = conn.ExecContext(ctx, "PRAGMA busy_timeout = 10000")
	return frames
}

// uriEscaper escapes a file name for a SQLite URI, which decodes %HH and
// ends the name at '?' or '#'.
var uriEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// migrate applies the embedded migrations that the file has not seen yet.
func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migration")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// Close stops the background checkpoints and closes the connections. The
// last connection to close checkpoints the whole WAL into the database file.
func (db *DB) Close() error {
	if db.stop != nil {
		close(db.stop)
		<-db.done
		db.stop = nil
	}
	var errs []error
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.Close())
	}
	if db.read != nil {
		if db.reads != nil {
			db.reads.close()
		}
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		db.stmts.close()
		errs = append(errs, db.write.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// BeginWrite starts a write transaction on the single write connection. It
// waits, up to ctx's end, while another write transaction is open.
//
// As with any database/sql transaction, the transaction is rolled back if ctx
// ends before Commit.
func (db *DB) BeginWrite(ctx context.Context) (backorder.Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin write: %w", err)
	}
	return newTx(tx, db.stmts), nil
}

// BeginRead starts a read-only transaction. Its snapshot is taken at its
// first read and kept until it ends. Its statements come from the read
// connections' cache: the invariant check and a dashboard view each run a
// few dozen long queries, and parsing them afresh on every read was 40% of
// the time of the property tests, which check after every step.
func (db *DB) BeginRead(ctx context.Context) (backorder.Tx, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin read: %w", err)
	}
	return newTx(tx, db.reads), nil
}

// Retryable reports whether err is SQLITE_BUSY or SQLITE_LOCKED: another
// process held the lock past busy_timeout, and the transaction may be retried.
func (db *DB) Retryable(err error) bool { return Retryable(err) }

// Retryable reports whether err is SQLITE_BUSY or SQLITE_LOCKED.
func Retryable(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// FormatError turns a driver error into the application's error model, in one
// place: no row becomes ENOTFOUND and a duplicate key ECONFLICT, both with a
// message about subject (such as `order "A-1"`); any other error is internal
// and is wrapped with op. An application error passes through unchanged.
func FormatError(err error, op, subject string) error {
	var e *backorder.Error
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return backorder.NotFound(subject)
	case errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return backorder.Exists(subject)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// Times are stored as INTEGER microseconds since the Unix epoch: exact,
// sortable, and the precision PostgreSQL keeps too.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }
