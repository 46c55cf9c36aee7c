-- API keys with scopes, and the audit log of who changed what. A key's
-- secret is never stored: only its SHA-256 (hash), which is how a request's
-- key is found.

-- +goose Up
CREATE TABLE api_keys (
	id           text COLLATE "C" PRIMARY KEY,
	name         text NOT NULL,
	scopes       text[] NOT NULL,
	prefix       text NOT NULL,
	hash         text NOT NULL UNIQUE,
	rate_limit   integer NOT NULL CHECK (rate_limit >= 0),
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz,
	revoked_at   timestamptz
);
CREATE TABLE audit_log (
	id              bigserial PRIMARY KEY,
	at              timestamptz NOT NULL,
	actor_kind      text NOT NULL,
	actor_id        text,
	actor_name      text,
	action          text NOT NULL,
	path            text,
	subject         text,
	idempotency_key text
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_keys;
