package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/backorder/backorder"
)

const apiKeyUsage = `Usage:
  backorder api-key create --name NAME --scopes storefront[,readonly...] [--rate-limit N] [--db ...]
  backorder api-key list   [--all] [--db ...]
  backorder api-key revoke [--db ...] KEY_ID
Scopes: admin, storefront, warehouse, readonly. create prints the key with its secret, once.
`

// runAPIKey makes, lists and revokes API keys straight in the database; the
// audit log records its changes as the cli actor's.
func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, apiKeyUsage)
		return fmt.Errorf("api-key: a subcommand is required")
	}
	sub := args[0]
	fs := newFlagSet("api-key "+sub, stderr)
	dsn := dbFlag(fs)
	var name, scopes *string
	var rateLimit *int
	var all *bool
	switch sub {
	case "create":
		name = fs.String("name", "", "what the key is for, e.g. \"Storefront EU\"")
		scopes = fs.String("scopes", "", "comma-separated scopes: admin, storefront, warehouse, readonly")
		rateLimit = fs.Int("rate-limit", 0, "requests per second the key may make (0: no limit)")
	case "list":
		all = fs.Bool("all", false, "list revoked keys too")
	case "revoke":
	default:
		fmt.Fprint(stderr, apiKeyUsage)
		return fmt.Errorf("api-key: unknown subcommand %q", sub)
	}
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	if sub == "revoke" && fs.NArg() != 1 {
		return fmt.Errorf("api-key revoke: one key ID is required")
	}
	db, err := openDatabase(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.close()
	svc := backorder.NewService(backorder.Config{Store: db.store})
	defer svc.Close()
	ctx = backorder.WithActor(ctx, backorder.Actor{Kind: backorder.ActorCLI, Action: "api-key " + sub})

	var out any
	switch sub {
	case "create":
		var sc []string
		for s := range strings.SplitSeq(*scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sc = append(sc, s)
			}
		}
		out, err = svc.CreateAPIKey(ctx, &backorder.APIKeyRequest{Name: *name, Scopes: sc, RateLimit: *rateLimit})
	case "list":
		var keys, page []*backorder.APIKey
		f := backorder.APIKeyFilter{IncludeRevoked: *all, Limit: backorder.MaxPageLimit}
		for {
			if page, err = svc.APIKeys(ctx, f); err != nil || len(page) == 0 {
				break
			}
			keys = append(keys, page...)
			f.After = page[len(page)-1].ID
		}
		out = keys
	case "revoke":
		out, err = svc.RevokeAPIKey(ctx, fs.Arg(0))
	}
	if err != nil {
		return fmt.Errorf("api-key %s: %s", sub, errorText(err))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// errorText is an application error as a person reads it: the field and
// the message.
func errorText(err error) string {
	e := backorder.AsError(err)
	if e.Code == backorder.EINTERNAL {
		return err.Error()
	}
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}
