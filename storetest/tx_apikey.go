package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func testTxAPIKeys(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	shop := &backorder.APIKey{ID: "key_b", Name: "Shop front", Scopes: []string{backorder.ScopeReadonly, backorder.ScopeStorefront},
		Prefix: "bo_abcdef", Hash: backorder.HashSecret("bo_secret-b"), RateLimit: 50, CreatedAt: t0}
	mustWrite(t, s, func(tx backorder.Tx) {
		if err := tx.InsertAPIKey(ctx, shop); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"key_a", "key_c", "key_d"} {
			k := &backorder.APIKey{ID: id, Name: id, Scopes: []string{backorder.ScopeWarehouse}, Prefix: "bo_" + id, Hash: backorder.HashSecret(id), CreatedAt: t0}
			if err := tx.InsertAPIKey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("ByHash", func(t *testing.T) {
		got, err := mustRead(t, s).APIKeyByHash(ctx, backorder.HashSecret("bo_secret-b"))
		if err != nil {
			t.Fatal(err)
		}
		checkTime(t, "CreatedAt", got.CreatedAt, t0)
		got.CreatedAt = shop.CreatedAt
		checkEqual(t, "APIKey", *got, *shop)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		tx := mustRead(t, s)
		_, err := tx.APIKeyByHash(ctx, backorder.HashSecret("nobody"))
		checkCode(t, err, backorder.ENOTFOUND)
		_, err = tx.APIKey(ctx, "key_zz")
		checkCode(t, err, backorder.ENOTFOUND)
		w := mustBegin(t, s)
		defer w.Rollback()
		err = w.SaveAPIKeyUse(ctx, &backorder.APIKey{ID: "key_zz"})
		checkCode(t, err, backorder.ENOTFOUND)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		tx := mustBegin(t, s)
		defer tx.Rollback()
		err := tx.InsertAPIKey(ctx, &backorder.APIKey{ID: "key_new", Name: "x", Scopes: []string{"admin"}, Prefix: "p", Hash: shop.Hash, CreatedAt: t0})
		checkCode(t, err, backorder.ECONFLICT)
	})
	t.Run("UseAndRevoke", func(t *testing.T) {
		used, revoked := t0.Add(time.Minute), t0.Add(time.Hour)
		mustWrite(t, s, func(tx backorder.Tx) {
			k, err := tx.APIKey(ctx, "key_c")
			if err != nil {
				t.Fatal(err)
			}
			k.LastUsedAt, k.RevokedAt = &used, &revoked
			if err := tx.SaveAPIKeyUse(ctx, k); err != nil {
				t.Fatal(err)
			}
		})
		got, err := mustRead(t, s).APIKey(ctx, "key_c")
		if err != nil {
			t.Fatal(err)
		} else if got.LastUsedAt == nil || got.RevokedAt == nil || !got.Revoked() {
			t.Fatalf("key=%s, want used and revoked", dump(got))
		}
		checkTime(t, "LastUsedAt", *got.LastUsedAt, used)
		checkTime(t, "RevokedAt", *got.RevokedAt, revoked)
	})
	t.Run("List", func(t *testing.T) {
		tx := mustRead(t, s)
		ids := func(ks []*backorder.APIKey) string {
			var out []string
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return fmt.Sprint(out)
		}
		all, err := tx.ListAPIKeys(ctx, backorder.APIKeyFilter{Limit: 2, IncludeRevoked: true})
		if err != nil {
			t.Fatal(err)
		} else if got, want := ids(all), "[key_a key_b]"; got != want {
			t.Fatalf("first page=%s, want %s", got, want)
		}
		rest, err := tx.ListAPIKeys(ctx, backorder.APIKeyFilter{After: "key_b", Limit: 10, IncludeRevoked: true})
		if err != nil {
			t.Fatal(err)
		} else if got, want := ids(rest), "[key_c key_d]"; got != want {
			t.Fatalf("second page=%s, want %s", got, want)
		}
		live, err := tx.ListAPIKeys(ctx, backorder.APIKeyFilter{After: "key_b", Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if got, want := ids(live), "[key_d]"; got != want {
			t.Fatalf("without revoked=%s, want %s (key_c is revoked)", got, want)
		}
	})
}

func testTxAudit(t *testing.T, open func(t *testing.T) backorder.Store) {
	ctx := context.Background()
	s := open(t)
	alice := backorder.Actor{Kind: backorder.ActorAPIKey, ID: "key_a", Name: "Alice's till"}
	bob := backorder.Actor{Kind: backorder.ActorUser, ID: "bob@example.com", Name: "Bob"}
	entry := func(i int, a backorder.Actor) backorder.AuditEntry {
		return backorder.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Actor: a, Action: "POST /v1/orders",
			Path: "/v1/orders", Subject: fmt.Sprintf("O-%d", i), IdempotencyKey: fmt.Sprintf("k-%d", i)}
	}
	mustWrite(t, s, func(tx backorder.Tx) {
		var es []backorder.AuditEntry
		for i := range 5 {
			a := alice
			if i%2 == 1 {
				a = bob
			}
			es = append(es, entry(i, a))
		}
		es = append(es, backorder.AuditEntry{At: t0.Add(time.Hour), Actor: backorder.Actor{Kind: backorder.ActorAdminToken}, Action: "PUT /v1/settings"})
		if err := tx.AppendAudit(ctx, es); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("NewestFirst", func(t *testing.T) {
		tx := mustRead(t, s)
		page, err := tx.AuditLog(ctx, backorder.AuditFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		} else if len(page) != 2 || page[0].Action != "PUT /v1/settings" || page[1].Subject != "O-4" {
			t.Fatalf("first page=%s", dump(page))
		}
		if a := page[0].Actor; a.Kind != backorder.ActorAdminToken || a.ID != "" || page[0].Path != "" || page[0].IdempotencyKey != "" {
			t.Fatalf("admin entry=%s, want empty optional fields", dump(page[0]))
		}
		rest, err := tx.AuditLog(ctx, backorder.AuditFilter{Before: page[1].ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		} else if len(rest) != 4 || rest[0].Subject != "O-3" || rest[3].Subject != "O-0" {
			t.Fatalf("second page=%s", dump(rest))
		}
		got := rest[3]
		checkTime(t, "At", got.At, t0)
		got.ID, got.At = 0, t0
		checkEqual(t, "entry", got, entry(0, alice))
	})
	t.Run("ByActor", func(t *testing.T) {
		got, err := mustRead(t, s).AuditLog(ctx, backorder.AuditFilter{ActorID: bob.ID})
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 2 || got[0].Subject != "O-3" || got[1].Subject != "O-1" {
			t.Fatalf("bob's entries=%s", dump(got))
		}
	})
	t.Run("RolledBack", func(t *testing.T) {
		tx := mustBegin(t, s)
		if err := tx.Savepoint(ctx, "request"); err != nil {
			t.Fatal(err)
		}
		if err := tx.AppendAudit(ctx, []backorder.AuditEntry{entry(99, alice)}); err != nil {
			t.Fatal(err)
		}
		if err := tx.RollbackTo(ctx, "request"); err != nil {
			t.Fatal(err)
		}
		mustCommit(t, tx)
		got, err := mustRead(t, s).AuditLog(ctx, backorder.AuditFilter{ActorID: alice.ID})
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 3 {
			t.Fatalf("alice's entries=%s, want the 3 committed, not the one rolled back", dump(got))
		}
	})
}
