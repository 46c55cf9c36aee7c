package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

// Settings returns the stored settings, or the defaults if none were saved.
func (tx *Tx) Settings(ctx context.Context) (*backorder.Settings, error) {
	var body []byte
	err := tx.tx.QueryRow(ctx, `SELECT body FROM settings WHERE id = 1`).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		s := backorder.DefaultSettings()
		return &s, nil
	} else if err != nil {
		return nil, FormatError(err, "settings", "settings")
	}
	var s backorder.Settings
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("postgres: settings: %w", err)
	}
	return &s, nil
}

// PutSettings replaces the settings.
func (tx *Tx) PutSettings(ctx context.Context, s *backorder.Settings) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("postgres: put settings: %w", err)
	}
	_, err = tx.tx.Exec(ctx, `INSERT INTO settings (id, body) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body`, string(body))
	return FormatError(err, "put settings", "settings")
}

// Meta returns a named value; ENOTFOUND if it was never set.
func (tx *Tx) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if err != nil {
		return "", FormatError(err, "meta", fmt.Sprintf("meta value %q", key))
	}
	return v, nil
}

// SetMeta sets a named value.
func (tx *Tx) SetMeta(ctx context.Context, key, value string) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return FormatError(err, "set meta", fmt.Sprintf("meta value %q", key))
}

// AddMeta stores value under key unless the key has one, and returns the
// value stored. Of two racing writers, the second's insert waits for the
// first and then does nothing; its read, a statement later, sees the first's.
func (tx *Tx) AddMeta(ctx context.Context, key, value string) (string, error) {
	subject := fmt.Sprintf("meta value %q", key)
	if _, err := tx.tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", FormatError(err, "add meta", subject)
	}
	var stored string
	err := tx.tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&stored)
	return stored, FormatError(err, "add meta", subject)
}

// IdempotencyRecords returns the stored outcomes of the keys that have one.
func (tx *Tx) IdempotencyRecords(ctx context.Context, keys []string) (map[string]*backorder.IdempotencyRecord, error) {
	out := make(map[string]*backorder.IdempotencyRecord)
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := tx.tx.Query(ctx, `SELECT key, request_hash, result, error, created_at FROM idempotency WHERE key = ANY($1)`, keys)
	if err != nil {
		return nil, FormatError(err, "idempotency records", "")
	}
	defer rows.Close()
	for rows.Next() {
		rec := &backorder.IdempotencyRecord{}
		var errJSON []byte
		if err := rows.Scan(&rec.Key, &rec.RequestHash, &rec.Result, &errJSON, &rec.CreatedAt); err != nil {
			return nil, FormatError(err, "idempotency records", "")
		}
		if errJSON != nil {
			rec.Error = &backorder.Error{}
			if err := json.Unmarshal(errJSON, rec.Error); err != nil {
				return nil, fmt.Errorf("postgres: idempotency record %q: %w", rec.Key, err)
			}
		}
		out[rec.Key] = rec
	}
	return out, FormatError(rows.Err(), "idempotency records", "")
}

// PutIdempotencyRecords stores the outcomes of requests; ECONFLICT if a key
// is taken. A duplicate is found with ON CONFLICT DO NOTHING rather than by a
// unique violation, which would abort the transaction: the caller may roll
// back to its savepoint and go on, as on SQLite.
func (tx *Tx) PutIdempotencyRecords(ctx context.Context, recs []*backorder.IdempotencyRecord) error {
	if len(recs) == 0 {
		return nil
	}
	n := len(recs)
	keys := make([]string, n)
	hashes := make([]string, n)
	results := make([][]byte, n)
	errs := make([]*string, n)
	at := make([]time.Time, n)
	for i, rec := range recs {
		keys[i], hashes[i], results[i], at[i] = rec.Key, rec.RequestHash, rec.Result, rec.CreatedAt
		if rec.Error != nil {
			b, err := json.Marshal(rec.Error)
			if err != nil {
				return fmt.Errorf("postgres: put idempotency record: %w", err)
			}
			e := string(b)
			errs[i] = &e
		}
	}
	tag, err := tx.tx.Exec(ctx, `INSERT INTO idempotency (key, request_hash, result, error, created_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::jsonb[], $5::timestamptz[])
		ON CONFLICT (key) DO NOTHING`,
		keys, hashes, results, errs, at)
	subject := "idempotency key"
	if n == 1 {
		subject = fmt.Sprintf("idempotency key %q", recs[0].Key)
	}
	if err != nil {
		return FormatError(err, "put idempotency records", subject)
	}
	if tag.RowsAffected() != int64(n) {
		return backorder.Exists(subject)
	}
	return nil
}
