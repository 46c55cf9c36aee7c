package postgres

import (
	"context"
	"fmt"

	"github.com/backorder/backorder"
)

// Template returns the stored template of a name; ENOTFOUND if none.
func (tx *Tx) Template(ctx context.Context, name string) (*backorder.Template, error) {
	ts, err := tx.templates(ctx, `SELECT name, subject, text_body, html_body, updated_at FROM mail_templates WHERE name = $1`, name)
	if err != nil {
		return nil, err
	} else if len(ts) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("template %q", name))
	}
	return ts[0], nil
}

// Templates returns every stored template in name order.
func (tx *Tx) Templates(ctx context.Context) ([]*backorder.Template, error) {
	return tx.templates(ctx, `SELECT name, subject, text_body, html_body, updated_at FROM mail_templates ORDER BY name`)
}

// PutTemplate creates or replaces the stored template of t.Name.
func (tx *Tx) PutTemplate(ctx context.Context, t *backorder.Template) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO mail_templates (name, subject, text_body, html_body, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name) DO UPDATE SET subject = excluded.subject, text_body = excluded.text_body,
			html_body = excluded.html_body, updated_at = excluded.updated_at`,
		t.Name, t.Subject, t.Text, t.HTML, t.UpdatedAt)
	return FormatError(err, "put template", fmt.Sprintf("template %q", t.Name))
}

// DeleteTemplate removes the stored template of a name, if any.
func (tx *Tx) DeleteTemplate(ctx context.Context, name string) error {
	_, err := tx.tx.Exec(ctx, `DELETE FROM mail_templates WHERE name = $1`, name)
	return FormatError(err, "delete template", fmt.Sprintf("template %q", name))
}

func (tx *Tx) templates(ctx context.Context, q string, args ...any) ([]*backorder.Template, error) {
	out := []*backorder.Template{}
	var t backorder.Template
	err := collect(ctx, tx.tx, q, args, []any{&t.Name, &t.Subject, &t.Text, &t.HTML, &t.UpdatedAt}, func() error {
		c := t
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "templates", "")
	}
	return out, nil
}
