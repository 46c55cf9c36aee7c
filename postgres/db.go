// Package postgres is the PostgreSQL store of backorder, for production:
// several stateless service processes may share one database, and every
// invariant holds across them.
//
// # Locking
//
// Write transactions run at READ COMMITTED. What serializes them is a row
// lock per SKU: at the start of each (batched) write transaction the service
// calls Tx.LockSKUs with every SKU the batch will touch, and LockSKUs locks
// those products rows (FOR NO KEY UPDATE) in sorted order. Every writer
// takes its locks in the same order, all at once, before anything else, and
// holds them only until commit, never across an external call (email,
// webhook, payment), so two writers cannot wait on each other in a cycle:
// there is no deadlock among SKU locks. Under READ COMMITTED each statement then sees the latest
// committed rows, so what a writer reads after locking is current. A SKU
// whose product does not exist yet is locked with an advisory lock instead
// (see LockSKUs).
//
// An order with lines of several SKUs can be reached from each of them (an
// allocation run on one SKU may plan a shipment that includes the order's
// other lines). So in a write transaction, Lines locks the lines it returns
// and WaitingLines those of orders with several lines (FOR NO KEY UPDATE): a
// writer that did not lock a line's SKU still never writes that line from a
// stale read. Those row locks are taken after the SKU locks; the rare cycle among
// them ends in a deadlock_detected error, which Retryable reports, and the
// service retries the batch, as it does for serialization_failure.
//
// Outbox events must become visible in ID order, or a reader of the outbox reading
// "events after ID n" could pass an ID whose transaction has not committed
// yet and never see it. AppendEvents therefore takes a transaction-level
// advisory lock before it numbers events, which orders the event-writing
// parts of transactions until commit. It is taken after the SKU locks too.
//
// Read transactions are REPEATABLE READ READ ONLY: one consistent snapshot.
//
// # Bulk writes
//
// One receipt may allocate to 100,000 waiting lines in one transaction, so
// every method that takes a slice writes it with no round trip per row: an
// INSERT or UPDATE over unnest'ed array parameters for a few rows, COPY for
// many (IDs are taken from the sequence first, in one query). The schema is
// shaped for that run too: where the SQLite schema has a b-tree or a foreign
// key that PostgreSQL would maintain row by row in it, this one has a hash
// index or none (see migration/00001_init.sql).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/backorder/backorder"
)

//go:embed migration/*.sql
var migrationFS embed.FS

var _ backorder.Store = (*DB)(nil)

// Advisory lock keys. The two-key form of pg_advisory_lock lives in its own
// key space; the first key names the purpose.
const (
	lockMigrate = 0x6261636b // "back": schema migration, second key: the schema
	lockEvents  = 0x6f726472 // "ordr": numbering outbox events
	lockSKU     = 0x736b7530 // "sku0": a SKU without a products row yet, second key: hashtext(sku)
)

// sessionDefaults are the settings of every connection, unless the URL sets
// them. An allocation run writes 100,000s of rows in a few statements whose
// row estimates are huge: with JIT on, PostgreSQL spends 100-200 ms compiling
// each of them, more than it saves; and with the default 4 MB of work_mem the
// unnest of their array parameters spills to temporary files.
var sessionDefaults = map[string]string{
	"jit":      "off",
	"work_mem": "64MB",
}

// DB is a backorder store in a PostgreSQL database, over a pgx connection pool.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url (a postgres:// URL or key=value DSN
// that pgx accepts, including pool_max_conns and runtime parameters such as
// search_path) and brings its schema up to date. The pool has at least 16
// connections, and they run with jit off and work_mem 64MB, unless the URL
// says otherwise. Several processes may open the same database at once: the
// migration runs in one at a time.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	return OpenConfig(ctx, cfg)
}

// defaultMaxConns is the pool size when the URL does not set pool_max_conns.
// pgxpool's default, the number of CPUs (at least 4), is all taken when the
// service runs 4 write batches at once, and reads would wait for them.
const defaultMaxConns = 16

// OpenConfig is Open with a parsed pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	cfg = cfg.Copy()
	for k, v := range sessionDefaults {
		if _, ok := cfg.ConnConfig.RuntimeParams[k]; !ok {
			cfg.ConnConfig.RuntimeParams[k] = v
		}
	}
	next := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		// Times come back in UTC, as the store promises, not in time.Local.
		conn.TypeMap().RegisterType(&pgtype.Type{
			Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		if next != nil {
			return next(ctx, conn)
		}
		return nil
	}
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &DB{pool: pool}, nil
}

// migrate applies the embedded migrations the database has not seen yet.
// goose needs a *sql.DB, so it gets one of its own, closed afterwards. A
// session advisory lock, keyed by the schema, makes processes that start
// together migrate one after another: the second finds nothing left to do.
func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cc.Copy())
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Close()
	const key = `$1::int, hashtext(coalesce(current_schema(), ''))`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`, lockMigrate); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		// If the unlock fails the session ends with the connection, which
		// releases the lock too.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`, lockMigrate)
	}()

	sub, err := fs.Sub(migrationFS, "migration")
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// Close closes the pool, waiting for connections in use to be returned.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool returns the connection pool, for tools and tests that need SQL the
// Store interface does not offer.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// BeginWrite starts a READ COMMITTED read-write transaction. The service
// serializes writers with LockSKUs; see the package comment.
func (db *DB) BeginWrite(ctx context.Context) (backorder.Tx, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite})
	if err != nil {
		return nil, FormatError(err, "begin write", "")
	}
	return &Tx{tx: tx, write: true}, nil
}

// BeginRead starts a REPEATABLE READ READ ONLY transaction: every read in it
// sees the same snapshot, taken at its first statement.
func (db *DB) BeginRead(ctx context.Context) (backorder.Tx, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, FormatError(err, "begin read", "")
	}
	return &Tx{tx: tx}, nil
}

// Retryable reports whether err is a transient conflict; see the package
// function Retryable.
func (db *DB) Retryable(err error) bool { return Retryable(err) }

// Retryable reports whether err is a serialization_failure (40001) or a
// deadlock_detected (40P01): PostgreSQL rolled the transaction back for a
// conflict with another one, and running it again may succeed.
func Retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01"
}

// FormatError turns a driver error into the application's error model, in one
// place: no row becomes ENOTFOUND and a duplicate key (unique_violation,
// 23505) ECONFLICT, both with a message about subject (such as `order "A-1"`);
// any other error is internal and is wrapped with op. An application error
// passes through unchanged.
func FormatError(err error, op, subject string) error {
	var e *backorder.Error
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case errors.Is(err, pgx.ErrNoRows):
		return backorder.NotFound(subject)
	case errors.As(err, &pe) && pe.Code == "23505":
		return backorder.Exists(subject)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}
