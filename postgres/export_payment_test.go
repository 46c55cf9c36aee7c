package postgres

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

// RedoMigration rolls one applied migration back and applies it again, so
// a test can run it over data written before it.
func (db *DB) RedoMigration(ctx context.Context, version int64) error {
	sdb := stdlib.OpenDBFromPool(db.pool)
	defer sdb.Close()
	sub, err := fs.Sub(migrationFS, "migration")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sdb, sub)
	if err != nil {
		return err
	}
	if _, err := p.ApplyVersion(ctx, version, false); err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, true)
	return err
}
