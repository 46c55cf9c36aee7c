package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

// TestAPIKeyCLI makes a key with the CLI, uses it against a running server,
// and revokes it with the CLI while the server runs: the server stops
// taking it within its key cache's lifetime.
func TestAPIKeyCLI(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "backorder.db")
	env := func(string) string { return "" }
	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(append([]string{"api-key"}, args...), "--db", dbPath), env, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := cli("create", "--name", "Shop", "--scopes", "storefront, readonly", "--rate-limit", "50")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	var k backorder.APIKey
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatalf("create printed %q: %v", out, err)
	}
	if k.Secret == "" || strings.Join(k.Scopes, ",") != "readonly,storefront" || k.RateLimit != 50 {
		t.Fatalf("key=%+v", k)
	}
	if out, err := cli("create", "--name", "bad", "--scopes", "root"); err == nil || !strings.Contains(err.Error(), "scopes[0]") {
		t.Fatalf("create with an unknown scope: err=%v out=%s, want an error naming scopes[0]", err, out)
	}

	c := mustRun(t, "--db", dbPath)
	key := []string{"Authorization", "Bearer " + k.Secret}
	if st := c.do("GET", "/v1/orders", nil, nil, key...); st != http.StatusOK {
		t.Fatalf("GET /v1/orders with the key: %d", st)
	}
	if st := c.do("POST", "/v1/receipts", map[string]any{"sku": "X", "quantity": 1}, nil, key...); st != http.StatusForbidden {
		t.Fatalf("POST /v1/receipts with a storefront key: %d, want 403", st)
	}

	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"api-key", "revoke", "--db", dbPath, k.ID}, env, io.Discard, &errOut); err != nil {
		t.Fatalf("revoke: %v %s", err, errOut.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.do("GET", "/v1/orders", nil, nil, key...) != http.StatusUnauthorized {
		if time.Now().After(deadline) {
			t.Fatal("the server still takes a key revoked 10 s ago")
		}
		time.Sleep(100 * time.Millisecond)
	}

	out, err = cli("list", "--all")
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	var keys []backorder.APIKey
	if err := json.Unmarshal([]byte(out), &keys); err != nil || len(keys) != 1 || keys[0].RevokedAt == nil || keys[0].Secret != "" {
		t.Fatalf("list printed %s (%v), want the one key, revoked, without its secret", out, err)
	}
	var audit struct {
		Data []backorder.AuditEntry `json:"data"`
	}
	c.do("GET", "/v1/audit-log", nil, &audit, "Authorization", "Bearer "+testToken)
	var got []string
	for _, e := range audit.Data {
		got = append(got, e.Actor.Kind+" "+e.Action)
	}
	if want := "cli api-key revoke|cli api-key create"; strings.Join(got, "|") != want {
		t.Fatalf("audit log=%q, want %q", strings.Join(got, "|"), want)
	}
}
