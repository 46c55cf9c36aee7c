package backorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestAPIKeyRequest_Validate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		req    backorder.APIKeyRequest
		field  string
		scopes string
	}{
		{"OK", backorder.APIKeyRequest{Name: "Shop", Scopes: []string{"storefront"}}, "", "storefront"},
		{"SortedOnce", backorder.APIKeyRequest{Name: "Shop", Scopes: []string{"warehouse", "readonly", "warehouse"}, RateLimit: 10}, "", "readonly,warehouse"},
		{"ErrName", backorder.APIKeyRequest{Name: " ", Scopes: []string{"admin"}}, "name", ""},
		{"ErrNameLong", backorder.APIKeyRequest{Name: strings.Repeat("x", backorder.MaxTextLength+1), Scopes: []string{"admin"}}, "name", ""},
		{"ErrNoScopes", backorder.APIKeyRequest{Name: "x"}, "scopes", ""},
		{"ErrUnknownScope", backorder.APIKeyRequest{Name: "x", Scopes: []string{"admin", "Admin"}}, "scopes[1]", ""},
		{"ErrRateNegative", backorder.APIKeyRequest{Name: "x", Scopes: []string{"admin"}, RateLimit: -1}, "rate_limit", ""},
		{"ErrRateHigh", backorder.APIKeyRequest{Name: "x", Scopes: []string{"admin"}, RateLimit: backorder.MaxRateLimit + 1}, "rate_limit", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				} else if got := strings.Join(tc.req.Scopes, ","); got != tc.scopes {
					t.Fatalf("scopes=%s, want %s", got, tc.scopes)
				}
				return
			}
			if e := backorder.AsError(err); e.Code != backorder.EINVALID || e.Field != tc.field {
				t.Fatalf("err=%v, want invalid on %s", err, tc.field)
			}
		})
	}
}

func TestNewAPIKey(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	req := &backorder.APIKeyRequest{Name: "Shop", Scopes: []string{"storefront"}}
	a, err := backorder.NewAPIKey(req, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := backorder.NewAPIKey(req, now)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.Secret == b.Secret || a.Hash == b.Hash {
		t.Fatalf("two keys share an ID, secret or hash: %+v %+v", a, b)
	}
	if !strings.HasPrefix(a.Secret, backorder.APIKeyPrefix) || !strings.HasPrefix(a.Secret, a.Prefix) || len(a.Secret) < 30 {
		t.Fatalf("secret=%q prefix=%q", a.Secret, a.Prefix)
	}
	if a.Hash != backorder.HashSecret(a.Secret) || strings.Contains(a.Hash, a.Secret) || len(a.Hash) != 64 {
		t.Fatalf("hash=%q of secret %q", a.Hash, a.Secret)
	}
	if !a.Has(backorder.ScopeStorefront) || a.Has(backorder.ScopeAdmin) || a.Revoked() || !a.CreatedAt.Equal(now) {
		t.Fatalf("key=%+v", a)
	}
}

func TestAPIKey_NeedsTouch(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		used *time.Time
		want bool
	}{
		{nil, true},
		{ptrTime(now.Add(-backorder.TouchInterval)), true},
		{ptrTime(now.Add(-backorder.TouchInterval + time.Second)), false},
		{ptrTime(now), false},
	} {
		k := &backorder.APIKey{LastUsedAt: tc.used}
		if got := k.NeedsTouch(now); got != tc.want {
			t.Errorf("NeedsTouch with last use %v = %v, want %v", tc.used, got, tc.want)
		}
	}
}

func ptrTime(t time.Time) *time.Time { return &t }
