package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/backorder/backorder"
)

const apiKeyColumns = `id, name, scopes, prefix, hash, rate_limit, created_at, last_used_at, revoked_at`

// InsertAPIKey stores a new key; ECONFLICT if its ID or hash exists.
func (tx *Tx) InsertAPIKey(ctx context.Context, k *backorder.APIKey) error {
	_, err := tx.exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, strings.Join(k.Scopes, " "), k.Prefix, k.Hash, int64(k.RateLimit), micros(k.CreatedAt),
		nullTime(k.LastUsedAt), nullTime(k.RevokedAt))
	return FormatError(err, "insert api key", fmt.Sprintf("API key %q", k.ID))
}

// APIKeyByHash returns the key whose secret hashes to hash; ENOTFOUND if none.
func (tx *Tx) APIKeyByHash(ctx context.Context, hash string) (*backorder.APIKey, error) {
	return tx.apiKey(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash, "API key")
}

// APIKey returns one key; ENOTFOUND if unknown.
func (tx *Tx) APIKey(ctx context.Context, id string) (*backorder.APIKey, error) {
	return tx.apiKey(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id, fmt.Sprintf("API key %q", id))
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
	return tx.apiKeys(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id > ? AND (? OR revoked_at IS NULL)
		ORDER BY id LIMIT ?`, f.After, boolInt(f.IncludeRevoked), limit(f.Limit))
}

// SaveAPIKeyUse sets a key's LastUsedAt and RevokedAt; ENOTFOUND if unknown.
func (tx *Tx) SaveAPIKeyUse(ctx context.Context, k *backorder.APIKey) error {
	res, err := tx.exec(ctx, `UPDATE api_keys SET last_used_at = ?, revoked_at = ? WHERE id = ?`,
		nullTime(k.LastUsedAt), nullTime(k.RevokedAt), k.ID)
	if err != nil {
		return FormatError(err, "save api key", "")
	}
	if n, err := res.RowsAffected(); err != nil {
		return FormatError(err, "save api key", "")
	} else if n == 0 {
		return backorder.NotFound(fmt.Sprintf("API key %q", k.ID))
	}
	return nil
}

func (tx *Tx) apiKeys(ctx context.Context, q string, args ...any) ([]*backorder.APIKey, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "api keys", "")
	}
	defer rows.Close()
	out := []*backorder.APIKey{}
	r := newRow(9)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "api keys", "")
		}
		out = append(out, &backorder.APIKey{
			ID: r.str(0), Name: r.str(1), Scopes: strings.Fields(r.str(2)), Prefix: r.str(3), Hash: r.str(4),
			RateLimit: int(r.int(5)), CreatedAt: fromMicros(r.int(6)), LastUsedAt: timePtr(r.intPtr(7)), RevokedAt: timePtr(r.intPtr(8)),
		})
	}
	return out, FormatError(rows.Err(), "api keys", "")
}

var auditColumns = []string{"at", "actor_kind", "actor_id", "actor_name", "action", "path", "subject", "idempotency_key"}

// AppendAudit writes audit entries.
func (tx *Tx) AppendAudit(ctx context.Context, es []backorder.AuditEntry) error {
	_, err := tx.execBatch(ctx, len(auditColumns), len(es), insertBuilder("audit_log", auditColumns),
		func(i int, args []any) []any {
			e := &es[i]
			return append(args, micros(e.At), e.Actor.Kind, nullStr(e.Actor.ID), nullStr(e.Actor.Name), e.Action,
				nullStr(e.Path), nullStr(e.Subject), nullStr(e.IdempotencyKey))
		})
	return FormatError(err, "append audit", "")
}

// AuditLog returns audit entries, newest first, before the filter's cursor.
func (tx *Tx) AuditLog(ctx context.Context, f backorder.AuditFilter) ([]backorder.AuditEntry, error) {
	before := f.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	q := `SELECT id, ` + strings.Join(auditColumns, ", ") + ` FROM audit_log WHERE id < ?`
	args := []any{before}
	if f.ActorID != "" {
		q += ` AND actor_id = ?`
		args = append(args, f.ActorID)
	}
	rows, err := tx.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit(f.Limit))...)
	if err != nil {
		return nil, FormatError(err, "audit log", "")
	}
	defer rows.Close()
	out := []backorder.AuditEntry{}
	r := newRow(9)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "audit log", "")
		}
		out = append(out, backorder.AuditEntry{
			ID: r.int(0), At: fromMicros(r.int(1)), Actor: backorder.Actor{Kind: r.str(2), ID: r.str(3), Name: r.str(4)},
			Action: r.str(5), Path: r.str(6), Subject: r.str(7), IdempotencyKey: r.str(8),
		})
	}
	return out, FormatError(rows.Err(), "audit log", "")
}
