package backorder

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scopes of an API key: what its holder may do. Wire API: never rename one.
const (
	// ScopeAdmin may do everything, as the admin token does.
	ScopeAdmin = "admin"
	// ScopeStorefront may quote, place orders, and read and cancel orders.
	ScopeStorefront = "storefront"
	// ScopeWarehouse may receive and adjust stock, manage purchase orders,
	// and read and ship fulfillment requests.
	ScopeWarehouse = "warehouse"
	// ScopeReadonly may read everything but the keys themselves.
	ScopeReadonly = "readonly"
)

// Scopes lists every scope.
var Scopes = []string{ScopeAdmin, ScopeReadonly, ScopeStorefront, ScopeWarehouse}

// APIKeyPrefix starts every API key's secret, so that a leaked one is easy
// to recognise (secret scanners look for such prefixes).
const APIKeyPrefix = "bo_"

// MaxRateLimit bounds a key's requests per second.
const MaxRateLimit = 100_000

// APIKey is a credential for the API with its scopes. Only the SHA-256 of
// its secret is stored: the secret itself is shown once, when the key is
// made (Secret), and can never be read again.
type APIKey struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
	// Prefix is the secret's first characters, to tell keys apart.
	Prefix string `json:"prefix"`
	// RateLimit is the requests per second the key may make (with a burst
	// of as many); 0 means no limit.
	RateLimit int       `json:"rate_limit"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is when the key last opened a request, to the minute.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// Secret is set only in the reply that made the key.
	Secret string `json:"secret,omitempty"`
	// Hash is the SHA-256 of the secret, hex-encoded (HashSecret).
	Hash string `json:"-"`
}

// Revoked reports whether the key no longer opens anything.
func (k *APIKey) Revoked() bool { return k.RevokedAt != nil }

// Has reports whether the key carries the scope.
func (k *APIKey) Has(scope string) bool { return slices.Contains(k.Scopes, scope) }

// APIKeyRequest is the body of POST /v1/api-keys.
type APIKeyRequest struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	RateLimit int      `json:"rate_limit,omitempty"`
}

// Validate checks a key request, and sorts and dedups its scopes.
func (r *APIKeyRequest) Validate() error {
	if strings.TrimSpace(r.Name) == "" {
		return FieldErrorf(EINVALID, "name", "Name is required.")
	} else if len(r.Name) > MaxTextLength {
		return FieldErrorf(EINVALID, "name", "Name must be at most %d bytes.", MaxTextLength)
	}
	if len(r.Scopes) == 0 {
		return FieldErrorf(EINVALID, "scopes", "At least one scope is required, of: %s.", strings.Join(Scopes, ", "))
	}
	for i, s := range r.Scopes {
		if !slices.Contains(Scopes, s) {
			return FieldErrorf(EINVALID, fmt.Sprintf("scopes[%d]", i), "Unknown scope %q; the scopes are: %s.", s, strings.Join(Scopes, ", "))
		}
	}
	r.Scopes = slices.Clone(r.Scopes)
	slices.Sort(r.Scopes)
	r.Scopes = slices.Compact(r.Scopes)
	if r.RateLimit < 0 || r.RateLimit > MaxRateLimit {
		return FieldErrorf(EINVALID, "rate_limit", "Rate limit must be between 0 (no limit) and %d requests per second.", MaxRateLimit)
	}
	return nil
}

// NewAPIKey makes a key for the request with a new random secret.
func NewAPIKey(r *APIKeyRequest, now time.Time) (*APIKey, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("api key: %w", err)
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("api key: %w", err)
	}
	secret := APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return &APIKey{
		ID: "key_" + hex.EncodeToString(id[:]), Name: r.Name, Scopes: r.Scopes, RateLimit: r.RateLimit,
		Prefix: secret[:len(APIKeyPrefix)+6], CreatedAt: now, Secret: secret, Hash: HashSecret(secret),
	}, nil
}

// HashSecret is the hex SHA-256 of a key's secret, which is how keys are
// stored and found. A key's secret is 192 random bits, so a fast hash is
// enough: there is nothing to guess that a slow one would protect.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// TouchInterval is how stale a key's LastUsedAt may get: a request writes
// it only when it is older than that, so use does not cost a write per request.
const TouchInterval = time.Minute

// NeedsTouch reports whether a request at now should record its use.
func (k *APIKey) NeedsTouch(now time.Time) bool {
	return k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= TouchInterval
}

// APIKeyFilter selects keys for a listing, in ID order after After.
type APIKeyFilter struct {
	After          string
	Limit          int
	IncludeRevoked bool
}

// APIKeyTx is the storage of API keys and the audit log, part of Tx.
type APIKeyTx interface {
	// InsertAPIKey stores a new key; ECONFLICT if its ID or hash exists.
	InsertAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key whose secret hashes to hash, revoked or
	// not; ENOTFOUND if none.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// APIKey returns one key; ENOTFOUND if unknown.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// ListAPIKeys returns keys in ID order after the filter's cursor.
	ListAPIKeys(ctx context.Context, f APIKeyFilter) ([]*APIKey, error)
	// SaveAPIKeyUse sets a key's LastUsedAt and RevokedAt; ENOTFOUND if unknown.
	SaveAPIKeyUse(ctx context.Context, k *APIKey) error
	// AppendAudit writes audit entries, setting their IDs.
	AppendAudit(ctx context.Context, es []AuditEntry) error
	// AuditLog returns audit entries, newest first, before the filter's cursor.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}
