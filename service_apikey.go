package backorder

import (
	"context"
	"time"
)

// CreateAPIKey makes an API key; the reply carries its secret, the only
// time it is shown. Returns EINVALID for a bad field.
func (s *Service) CreateAPIKey(ctx context.Context, r *APIKeyRequest) (*APIKey, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (*APIKey, error) {
		k, err := NewAPIKey(r, now)
		if err != nil {
			return nil, err
		}
		if err := tx.InsertAPIKey(ctx, k); err != nil {
			return nil, err
		}
		return k, nil
	})
}

// APIKeys lists API keys in ID order, without their secrets.
func (s *Service) APIKeys(ctx context.Context, f APIKeyFilter) ([]*APIKey, error) {
	f.Limit = PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]*APIKey, error) {
		return tx.ListAPIKeys(ctx, f)
	})
}

// RevokeAPIKey revokes a key for good; revoking a revoked key changes
// nothing. Returns ENOTFOUND for an unknown key.
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (*APIKey, error) {
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (*APIKey, error) {
		k, err := tx.APIKey(ctx, id)
		if err != nil {
			return nil, err
		}
		if k.RevokedAt == nil {
			k.RevokedAt = &now
			if err := tx.SaveAPIKeyUse(ctx, k); err != nil {
				return nil, err
			}
		}
		return k, nil
	})
}

// Authenticate returns the key whose secret this is. Returns EUNAUTHORIZED
// for an unknown or revoked secret, with one message for both.
func (s *Service) Authenticate(ctx context.Context, secret string) (*APIKey, error) {
	k, err := read(ctx, s, func(tx Tx, now time.Time) (*APIKey, error) {
		return tx.APIKeyByHash(ctx, HashSecret(secret))
	})
	if ErrorCode(err) == ENOTFOUND || err == nil && k.Revoked() {
		return nil, Errorf(EUNAUTHORIZED, "The bearer token is not valid.")
	}
	return k, err
}

// TouchAPIKey records that the key was used now, if its last use is older
// than TouchInterval. The audit log does not record it: it is not a change
// anyone asked for.
func (s *Service) TouchAPIKey(ctx context.Context, id string) error {
	ctx = context.WithValue(ctx, actorKey{}, nil)
	_, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (struct{}, error) {
		k, err := tx.APIKey(ctx, id)
		if err != nil || !k.NeedsTouch(now) {
			return struct{}{}, err
		}
		k.LastUsedAt = &now
		return struct{}{}, tx.SaveAPIKeyUse(ctx, k)
	})
	return err
}

// AuditLog lists the audit log, newest first.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	f.Limit = PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]AuditEntry, error) {
		return tx.AuditLog(ctx, f)
	})
}
