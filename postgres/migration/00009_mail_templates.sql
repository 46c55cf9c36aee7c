-- The shop's edited email templates (backorder.Template), one row per
-- moment that does not use its default; deleting the row restores the
-- default.

-- +goose Up
CREATE TABLE mail_templates (
	name       TEXT PRIMARY KEY,
	subject    TEXT NOT NULL,
	text_body  TEXT NOT NULL,
	html_body  TEXT NOT NULL,
	updated_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE mail_templates;
