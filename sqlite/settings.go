package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/backorder/backorder"
)

// Settings returns the stored settings, or the defaults if none were saved.
func (tx *Tx) Settings(ctx context.Context) (*backorder.Settings, error) {
	var body string
	err := tx.queryRow(ctx, `SELECT body FROM settings WHERE id = 1`).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		s := backorder.DefaultSettings()
		return &s, nil
	} else if err != nil {
		return nil, FormatError(err, "settings", "settings")
	}
	var s backorder.Settings
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return nil, fmt.Errorf("sqlite: settings: %w", err)
	}
	return &s, nil
}

// PutSettings replaces the settings.
func (tx *Tx) PutSettings(ctx context.Context, s *backorder.Settings) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlite: put settings: %w", err)
	}
	_, err = tx.exec(ctx, `INSERT INTO settings (id, body) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET body = excluded.body`, string(body))
	return FormatError(err, "put settings", "settings")
}

// Meta returns a named value; ENOTFOUND if it was never set.
func (tx *Tx) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if err != nil {
		return "", FormatError(err, "meta", fmt.Sprintf("meta value %q", key))
	}
	return v, nil
}

// SetMeta sets a named value.
func (tx *Tx) SetMeta(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return FormatError(err, "set meta", fmt.Sprintf("meta value %q", key))
}

// AddMeta stores value under key unless the key has one, and returns the
// value stored.
func (tx *Tx) AddMeta(ctx context.Context, key, value string) (string, error) {
	subject := fmt.Sprintf("meta value %q", key)
	if _, err := tx.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", FormatError(err, "add meta", subject)
	}
	var stored string
	err := tx.queryRow(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&stored)
	return stored, FormatError(err, "add meta", subject)
}

// IdempotencyRecords returns the stored outcomes of the keys that have one.
func (tx *Tx) IdempotencyRecords(ctx context.Context, keys []string) (map[string]*backorder.IdempotencyRecord, error) {
	out := make(map[string]*backorder.IdempotencyRecord)
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT key, request_hash, result, error, created_at FROM idempotency
		WHERE key IN (SELECT value FROM json_each(?))`, jsonList(keys))
	if err != nil {
		return nil, FormatError(err, "idempotency records", "")
	}
	defer rows.Close()
	r := newRow(5)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "idempotency records", "")
		}
		rec := &backorder.IdempotencyRecord{
			Key:         r.str(0),
			RequestHash: r.str(1),
			Result:      r.bytes(2),
			CreatedAt:   fromMicros(r.int(4)),
		}
		if e := r.str(3); e != "" {
			rec.Error = &backorder.Error{}
			if err := json.Unmarshal([]byte(e), rec.Error); err != nil {
				return nil, fmt.Errorf("sqlite: idempotency record %q: %w", rec.Key, err)
			}
		}
		out[rec.Key] = rec
	}
	return out, FormatError(rows.Err(), "idempotency records", "")
}

var idempotencyInsertColumns = []string{"key", "request_hash", "result", "error", "created_at"}

// PutIdempotencyRecords stores the outcomes of requests; ECONFLICT if a key
// is taken.
func (tx *Tx) PutIdempotencyRecords(ctx context.Context, recs []*backorder.IdempotencyRecord) error {
	errs := make([]any, len(recs))
	for i, rec := range recs {
		if rec.Error != nil {
			b, err := json.Marshal(rec.Error)
			if err != nil {
				return fmt.Errorf("sqlite: put idempotency record: %w", err)
			}
			errs[i] = string(b)
		}
	}
	subject := "idempotency key"
	if len(recs) == 1 {
		subject = fmt.Sprintf("idempotency key %q", recs[0].Key)
	}
	_, err := tx.execBatch(ctx, len(idempotencyInsertColumns), len(recs), insertBuilder("idempotency", idempotencyInsertColumns),
		func(i int, args []any) []any {
			rec := recs[i]
			var result any
			if rec.Result != nil {
				result = rec.Result
			}
			return append(args, rec.Key, rec.RequestHash, result, errs[i], micros(rec.CreatedAt))
		})
	return FormatError(err, "put idempotency records", subject)
}
