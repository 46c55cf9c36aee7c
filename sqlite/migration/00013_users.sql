-- Operations users who sign in to the dashboard, and their sessions
-- (issue 13 item 4). Only hashes are kept: the password's bcrypt hash and
-- the session token's SHA-256, so a copy of the database signs nobody in.
-- priority_changes is the history of operators raising and lowering waiting
-- lines (who and why); raised_lines holds the lines raised now.

-- +goose Up
CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	email         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users (id),
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE priority_changes (
	id       INTEGER PRIMARY KEY,
	at       INTEGER NOT NULL,
	order_id TEXT NOT NULL REFERENCES orders (id),
	line_id  INTEGER NOT NULL REFERENCES order_lines (id),
	sku      TEXT NOT NULL,
	raised   INTEGER NOT NULL,
	by_user  TEXT NOT NULL,
	why      TEXT NOT NULL
) STRICT;
CREATE INDEX priority_changes_order ON priority_changes (order_id, id);

CREATE TABLE raised_lines (
	line_id INTEGER PRIMARY KEY REFERENCES order_lines (id)
) STRICT;

-- +goose Down
DROP TABLE raised_lines;
DROP TABLE priority_changes;
DROP TABLE sessions;
DROP TABLE users;
