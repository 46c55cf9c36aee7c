#!/usr/bin/env bash
# pgtest.sh starts and stops a throwaway PostgreSQL cluster for the tests of
# the postgres package.
#
#   eval "$(scripts/pgtest.sh start)"   # sets BACKORDER_TEST_POSTGRES_URL and PGTEST_DIR
#   go test -race ./postgres/
#   scripts/pgtest.sh stop              # stops the cluster named by $PGTEST_DIR, removes it
#
# Only the export lines go to stdout, so the output can be eval'ed; every
# progress message goes to stderr.
#
# Environment:
#   PGTEST_FAST=1   start with fsync=off (tests only; leave it unset for benchmarks)
#   PGTEST_OPTS     more server options, e.g. "-c shared_buffers=1GB -c max_wal_size=8GB"
#   PG_BIN          PostgreSQL binaries (default: /usr/lib/postgresql/15/bin)
#   PGTEST_PORT     first port to try (default: a free port chosen by the kernel)
#
# As root, initdb and pg_ctl refuse to run, so they run as the postgres user
# through runuser; as any other user they run directly.
set -euo pipefail

log() { printf 'pgtest: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

pg_bin() {
	if [[ -n "${PG_BIN:-}" ]]; then
		echo "$PG_BIN"
	elif [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
		echo /usr/lib/postgresql/15/bin
	else
		# Another major version, newest first, for machines without 15.
		local d
		for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
			[[ -x $d/initdb ]] && { echo "$d"; return; }
		done
		die "no PostgreSQL binaries found; install the postgresql package or set PG_BIN"
	fi
}

# as_owner runs a command as the cluster's owner: postgres when we are root.
as_owner() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() {
	if command -v python3 >/dev/null 2>&1; then
		python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# first_port is where the search for a free port starts: PGTEST_PORT, or a
# port the kernel hands out (so parallel runs rarely collide), or 55432.
first_port() {
	if [[ -n "${PGTEST_PORT:-}" ]]; then
		echo "$PGTEST_PORT"
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432
	else
		echo 55432
	fi
}

# On a failed start, cleanup stops whatever was started and removes the folder.
cleanup_dir=
cleanup() {
	[[ -n "$cleanup_dir" ]] || return 0
	if [[ -f "$cleanup_dir/data/postmaster.pid" ]]; then
		as_owner "$(pg_bin)/pg_ctl" -D "$cleanup_dir/data" -m immediate stop >&2 || true
	fi
	rm -rf "$cleanup_dir"
}

start() {
	local bin T port tries=0 opts
	bin=$(pg_bin)
	T=$(mktemp -d "${TMPDIR:-/tmp}/pgtest.XXXXXX")
	cleanup_dir=$T
	trap cleanup EXIT
	# The socket dir and data dir belong to the server's user.
	chmod 700 "$T"
	if [[ $(id -u) -eq 0 ]]; then
		getent passwd postgres >/dev/null || die "user postgres does not exist; install the postgresql package"
		chown postgres:postgres "$T"
	fi

	log "initdb in $T/data"
	as_owner "$bin/initdb" -D "$T/data" -U postgres -A trust -E UTF8 --no-sync >"$T/initdb.log" 2>&1 ||
		{ cat "$T/initdb.log" >&2; die "initdb failed"; }

	port=$(first_port)
	# Tests run in parallel, each with a pool of its own: room for more
	# connections than the default 100.
	opts="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$T -c max_connections=200"
	opts+=" ${PGTEST_OPTS:-}"
	if [[ "${PGTEST_FAST:-}" == 1 ]]; then
		opts+=" -c fsync=off"
		log "PGTEST_FAST=1: fsync off"
	fi
	# Another process may take the port between the check and the start, so
	# a failed start moves on to the next port.
	while :; do
		if port_free "$port"; then
			log "starting on 127.0.0.1:$port"
			if as_owner "$bin/pg_ctl" -D "$T/data" -l "$T/server.log" -w -t 60 \
				-o "$opts -p $port" start >&2; then
				break
			fi
			tail -n 20 "$T/server.log" >&2 || true
		fi
		tries=$((tries + 1))
		[[ $tries -lt 50 ]] || die "no free port found after $tries tries"
		port=$((port + 1))
		[[ $port -le 65535 ]] || port=55432
	done

	log "creating database backorder_test"
	"$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres backorder_test >&2 || die "createdb failed"
	cleanup_dir=

	echo "export BACKORDER_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$port/backorder_test?sslmode=disable'"
	echo "export PGTEST_DIR='$T'"
	log "ready; stop with: scripts/pgtest.sh stop"
}

stop() {
	local bin T=${PGTEST_DIR:-}
	[[ -n "$T" ]] || die "PGTEST_DIR is not set; nothing to stop"
	[[ -d "$T" ]] || { log "$T is already gone"; return 0; }
	# Refuse to remove a folder this script did not make.
	[[ $(basename "$T") == pgtest.* ]] || die "$T is not a folder made by pgtest.sh start"
	bin=$(pg_bin)
	if [[ -f "$T/data/postmaster.pid" ]]; then
		log "stopping the cluster in $T"
		as_owner "$bin/pg_ctl" -D "$T/data" -m fast -w stop >&2 || log "pg_ctl stop failed; removing anyway"
	fi
	rm -rf "$T"
	log "removed $T"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
