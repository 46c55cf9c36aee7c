package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
)

// TestLinkSecret checks the secret of customer links: generated once and
// kept in the database across restarts, or configured.
func TestLinkSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "backorder.db")
	secret := func(configured string) ([]byte, error) {
		db, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		svc := backorder.NewService(backorder.Config{Store: db})
		defer svc.Close()
		return linkSecret(ctx, svc, configured)
	}
	first, err := secret("")
	if err != nil {
		t.Fatal(err)
	} else if len(first) != 32 {
		t.Fatalf("generated secret of %d bytes, want 32", len(first))
	}
	again, err := secret("")
	if err != nil {
		t.Fatal(err)
	} else if !bytes.Equal(first, again) {
		t.Fatal("the generated secret changed across a restart: every link sent would break")
	}
	if got, err := secret("configured-secret-of-length"); err != nil || string(got) != "configured-secret-of-length" {
		t.Fatalf("configured secret: %q, %v", got, err)
	}
	if _, err := secret("short"); err == nil {
		t.Fatal("a 5-byte secret was taken")
	}
}
