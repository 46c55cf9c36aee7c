package sqlite

import (
	"context"
	"fmt"
	"time"
)

// RawCommitRate measures the driver's own durable commit rate on this file:
// one single-row INSERT per transaction, with the same pragmas as every write
// (WAL, synchronous=FULL), for about d. It is the baseline that group commit
// is measured against. It uses a scratch table that it drops afterwards.
func (db *DB) RawCommitRate(ctx context.Context, d time.Duration) (float64, error) {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_raw_commit (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)`); err != nil {
		return 0, fmt.Errorf("sqlite: raw commit: %w", err)
	}
	defer db.write.ExecContext(context.Background(), `DROP TABLE IF EXISTS bench_raw_commit`)
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return 0, fmt.Errorf("sqlite: raw commit: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_raw_commit (v) VALUES (?)`, n); err != nil {
			tx.Rollback()
			return 0, fmt.Errorf("sqlite: raw commit: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return 0, fmt.Errorf("sqlite: raw commit: %w", err)
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
