// Command backorder runs the backorder service: serve, demo, bench, check, simulate, loadtest, api-key, user, version.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "backorder:", err)
		os.Exit(1)
	}
}

const usage = `backorder: take orders for what is out of stock, promise honest dates, fill fairly.

Usage:
  backorder serve   [--addr :8080] [--db backorder.db|postgres://...] [--test-clock] [--base-url https://...]
                    [--max-in-flight 512] [--max-queued 1024] [--read-header-timeout 5s]
                    [--read-timeout 30s] [--write-timeout 1m] [--idle-timeout 1m] [--max-header-bytes 65536]
  backorder demo    [--db backorder.db]      load the source document's Widget Pro example
  backorder bench   [--db FILE|postgres://...] [--json]   print throughput figures
  backorder check   [--db backorder.db]      recompute quantities from the history
  backorder api-key create|list|revoke ...   manage API keys with scopes (api-key alone for help)
  backorder user add --email E [--name N] [--password P]   a dashboard user (password from stdin when not given)
  backorder simulate [--days 365] [--seed N] [--json]   a year of trading on the test clock: how often promises are kept
  backorder loadtest --url http://host:8080[,...] --token T [--rate N | --concurrency 16] [--duration 10s] [--json]
                    drive a running server with a mixed keyed workload, then run its check
  backorder version

Every flag may also be set as an environment variable: --db as BACKORDER_DB, and so on.
The admin API token comes from BACKORDER_ADMIN_TOKEN; if unset, serve makes one on first
start, stores only its hash and prints it once.
`

// run is the whole program; main only wires the process to it, so tests can
// run it in-process with their own arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("a command is required")
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "demo":
		return runDemo(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], getenv, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, args[1:], getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, args[1:], getenv, stdout, stderr)
	case "api-key":
		return runAPIKey(ctx, args[1:], getenv, stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], getenv, os.Stdin, stdout, stderr)
	case "loadtest":
		return runLoadtest(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "backorder", Version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
