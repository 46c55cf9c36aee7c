-- Operations users who sign in to the dashboard, and their sessions
-- (issue 13 item 4). Only hashes are kept: the password's bcrypt hash and
-- the session token's SHA-256, so a copy of the database signs nobody in.
-- priority_changes is the history of operators raising and lowering waiting
-- lines (who and why); raised_lines holds the lines raised now.

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

CREATE TABLE priority_changes (
	id       bigserial PRIMARY KEY,
	at       timestamptz NOT NULL,
	order_id text COLLATE "C" NOT NULL REFERENCES orders (id),
	line_id  bigint NOT NULL REFERENCES order_lines (id),
	sku      text COLLATE "C" NOT NULL,
	raised   boolean NOT NULL,
	by_user  text NOT NULL,
	why      text NOT NULL
);
CREATE INDEX priority_changes_order ON priority_changes (order_id, id);

CREATE TABLE raised_lines (
	line_id bigint PRIMARY KEY REFERENCES order_lines (id)
);

-- +goose Down
DROP TABLE raised_lines;
DROP TABLE priority_changes;
DROP TABLE sessions;
DROP TABLE users;
