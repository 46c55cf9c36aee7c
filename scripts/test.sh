#!/usr/bin/env bash
# The test command: formatting, vet, every test with the race detector, then
# each fuzz target for FUZZTIME (default 10s; FUZZTIME=0 skips the fuzzing,
# whose seed corpora still run as tests).
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

# Every fuzz target (func FuzzXxx in a _test.go file), one at a time: go test
# fuzzes one target of one package per run. A failing input is written under
# the package's testdata/fuzz/ and fails the run. New inputs are minimized
# for at most a second, so that a short run spends its time fuzzing.
fuzztime=${FUZZTIME:-10s}
if [ "$fuzztime" != "0" ]; then
  grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
    pkg=./$(dirname "${file#./}")
    for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
      echo "fuzz: $pkg $name for $fuzztime"
      go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime 1s "$pkg"
    done
  done
fi
