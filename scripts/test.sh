#!/usr/bin/env bash
# The test command: formatting, vet, and every test with the race detector.
# When PostgreSQL is installed and BACKORDER_TEST_POSTGRES_URL is not set, it
# starts a throwaway cluster for the PostgreSQL tests and stops it after.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l . | grep -v '^vendor/' || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

if [ -z "${BACKORDER_TEST_POSTGRES_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  # An assignment, not eval "$(...)": a cluster that fails to start stops
  # the run here instead of letting the PostgreSQL tests skip.
  pgenv=$(PGTEST_FAST=1 bash scripts/pgtest.sh start)
  eval "$pgenv"
  trap 'bash scripts/pgtest.sh stop' EXIT
fi
if [ -z "${BACKORDER_TEST_POSTGRES_URL:-}" ]; then
  echo "note: PostgreSQL is not installed; its tests will skip (under CI=true they fail)." >&2
fi

go test -race -count=1 -timeout 30m "$@" ./...
