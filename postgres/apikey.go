package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

const apiKeyColumns = `id, name, scopes, prefix, hash, rate_limit, created_at, last_used_at, revoked_at`

// InsertAPIKey stores a new key; ECONFLICT if its ID or hash exists.
func (tx *Tx) InsertAPIKey(ctx context.Context, k *backorder.APIKey) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		k.ID, k.Name, k.Scopes, k.Prefix, k.Hash, k.RateLimit, k.CreatedAt, k.LastUsedAt, k.RevokedAt)
	return FormatError(err, "insert api key", fmt.Sprintf("API key %q", k.ID))
}

// APIKeyByHash returns the key whose secret hashes to hash; ENOTFOUND if none.
func (tx *Tx) APIKeyByHash(ctx context.Context, hash string) (*backorder.APIKey, error) {
	return tx.apiKey(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash, "API key")
}

// APIKey returns one key; ENOTFOUND if unknown.
func (tx *Tx) APIKey(ctx context.Context, id string) (*backorder.APIKey, error) {
	return tx.apiKey(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id, fmt.Sprintf("API key %q", id))
}

func (tx *Tx) apiKey(ctx context.Context, q, arg, subject string) (*backorder.APIKey, error) {
	ks, err := tx.apiKeys(ctx, q, arg)
	if err != nil {
		return nil, err
	} else if len(ks) == 0 {
		return nil, backorder.NotFound(subject)
	}
	return ks[0], nil
}

// ListAPIKeys returns keys in ID order after the filter's cursor.
func (tx *Tx) ListAPIKeys(ctx context.Context, f backorder.APIKeyFilter) ([]*backorder.APIKey, error) {
	return tx.apiKeys(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id > $1 AND ($2 OR revoked_at IS NULL)
		ORDER BY id LIMIT $3`, f.After, f.IncludeRevoked, limit(f.Limit))
}

// SaveAPIKeyUse sets a key's LastUsedAt and RevokedAt; ENOTFOUND if unknown.
func (tx *Tx) SaveAPIKeyUse(ctx context.Context, k *backorder.APIKey) error {
	tag, err := tx.tx.Exec(ctx, `UPDATE api_keys SET last_used_at = $1, revoked_at = $2 WHERE id = $3`,
		k.LastUsedAt, k.RevokedAt, k.ID)
	if err != nil {
		return FormatError(err, "save api key", "")
	} else if tag.RowsAffected() == 0 {
		return backorder.NotFound(fmt.Sprintf("API key %q", k.ID))
	}
	return nil
}

func (tx *Tx) apiKeys(ctx context.Context, q string, args ...any) ([]*backorder.APIKey, error) {
	out := []*backorder.APIKey{}
	var k backorder.APIKey
	var used, revoked *time.Time
	err := collect(ctx, tx.tx, q, args,
		[]any{&k.ID, &k.Name, &k.Scopes, &k.Prefix, &k.Hash, &k.RateLimit, &k.CreatedAt, &used, &revoked}, func() error {
			c := k
			c.CreatedAt = c.CreatedAt.UTC()
			c.LastUsedAt, c.RevokedAt = utcPtr(used), utcPtr(revoked)
			out = append(out, &c)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "api keys", "")
	}
	return out, nil
}

// AppendAudit writes audit entries.
func (tx *Tx) AppendAudit(ctx context.Context, es []backorder.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	n := len(es)
	at := make([]time.Time, n)
	cols := make([][]string, 7)
	for c := range cols {
		cols[c] = make([]string, n)
	}
	for i, e := range es {
		at[i] = e.At
		for c, v := range []string{e.Actor.Kind, e.Actor.ID, e.Actor.Name, e.Action, e.Path, e.Subject, e.IdempotencyKey} {
			cols[c][i] = v
		}
	}
	_, err := tx.tx.Exec(ctx, `INSERT INTO audit_log (at, actor_kind, actor_id, actor_name, action, path, subject, idempotency_key)
		SELECT at, kind, nullif(id, ''), nullif(name, ''), action, nullif(path, ''), nullif(subject, ''), nullif(key, '')
		FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
			WITH ORDINALITY AS u(at, kind, id, name, action, path, subject, key, ord)
		ORDER BY ord`, at, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6])
	return FormatError(err, "append audit", "")
}

// AuditLog returns audit entries, newest first, before the filter's cursor.
func (tx *Tx) AuditLog(ctx context.Context, f backorder.AuditFilter) ([]backorder.AuditEntry, error) {
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	out := []backorder.AuditEntry{}
	var e backorder.AuditEntry
	err := collect(ctx, tx.tx, `SELECT id, at, actor_kind, coalesce(actor_id, ''), coalesce(actor_name, ''), action,
			coalesce(path, ''), coalesce(subject, ''), coalesce(idempotency_key, '')
		FROM audit_log WHERE id < $1 AND ($2 = '' OR actor_id = $2) ORDER BY id DESC LIMIT $3`,
		[]any{before, f.ActorID, limit(f.Limit)},
		[]any{&e.ID, &e.At, &e.Actor.Kind, &e.Actor.ID, &e.Actor.Name, &e.Action, &e.Path, &e.Subject, &e.IdempotencyKey}, func() error {
			c := e
			c.At = c.At.UTC()
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "audit log", "")
	}
	return out, nil
}
