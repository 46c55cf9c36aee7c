package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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

// IdempotencyRecord returns the stored outcome of a request; ENOTFOUND if none.
func (tx *Tx) IdempotencyRecord(ctx context.Context, key string) (*backorder.IdempotencyRecord, error) {
	rec := &backorder.IdempotencyRecord{}
	var errJSON []byte
	err := tx.tx.QueryRow(ctx, `SELECT key, request_hash, result, error, created_at FROM idempotency WHERE key = $1`, key).
		Scan(&rec.Key, &rec.RequestHash, &rec.Result, &errJSON, &rec.CreatedAt)
	if err != nil {
		return nil, FormatError(err, "idempotency record", fmt.Sprintf("idempotency key %q", key))
	}
	if errJSON != nil {
		rec.Error = &backorder.Error{}
		if err := json.Unmarshal(errJSON, rec.Error); err != nil {
			return nil, fmt.Errorf("postgres: idempotency record %q: %w", key, err)
		}
	}
	return rec, nil
}

// PutIdempotencyRecord stores the outcome of a request; ECONFLICT if the key
// is taken. The duplicate is found with ON CONFLICT DO NOTHING rather than by
// a unique violation, which would abort the transaction: the caller may go on
// using it, as on SQLite.
func (tx *Tx) PutIdempotencyRecord(ctx context.Context, rec *backorder.IdempotencyRecord) error {
	var errJSON any
	if rec.Error != nil {
		b, err := json.Marshal(rec.Error)
		if err != nil {
			return fmt.Errorf("postgres: put idempotency record: %w", err)
		}
		errJSON = string(b)
	}
	var result any
	if rec.Result != nil {
		result = rec.Result
	}
	tag, err := tx.tx.Exec(ctx, `INSERT INTO idempotency (key, request_hash, result, error, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING`,
		rec.Key, rec.RequestHash, result, errJSON, rec.CreatedAt)
	if err != nil {
		return FormatError(err, "put idempotency record", fmt.Sprintf("idempotency key %q", rec.Key))
	}
	if tag.RowsAffected() == 0 {
		return backorder.Errorf(backorder.ECONFLICT, "Idempotency key %q already exists.", rec.Key)
	}
	return nil
}
