-- Operations users who sign in to the dashboard, and their sessions
-- (issue 13 item 4). Only hashes are kept: the password's bcrypt hash and
-- the session token's SHA-256, so a copy of the database signs nobody in.

-- +goose Up
CREATE TABLE users (
	id            bigserial PRIMARY KEY,
	email         text COLLATE "C" NOT NULL UNIQUE,
	name          text NOT NULL,
	password_hash text NOT NULL,
	created_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
	token_hash text COLLATE "C" PRIMARY KEY,
	user_id    bigint NOT NULL REFERENCES users (id),
	csrf       text NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
