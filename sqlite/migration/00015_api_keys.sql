-- API keys with scopes, and the audit log of who changed what. A key's
-- secret is never stored: only its SHA-256 (hash), which is how a request's
-- key is found.

-- +goose Up
CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	scopes       TEXT NOT NULL, -- space-separated, sorted
	prefix       TEXT NOT NULL,
	hash         TEXT NOT NULL UNIQUE,
	rate_limit   INTEGER NOT NULL CHECK (rate_limit >= 0),
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER,
	revoked_at   INTEGER
) STRICT;
CREATE TABLE audit_log (
	id              INTEGER PRIMARY KEY,
	at              INTEGER NOT NULL,
	actor_kind      TEXT NOT NULL,
	actor_id        TEXT,
	actor_name      TEXT,
	action          TEXT NOT NULL,
	path            TEXT,
	subject         TEXT,
	idempotency_key TEXT
) STRICT;
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_keys;
