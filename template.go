package backorder

import (
	"context"
	"time"
)

// Template is a shop's edit of one email template (one moment): its
// subject, text part and HTML part, each a Go template. A moment with no
// stored template uses the built-in default (package mail).
type Template struct {
	Name      string    `json:"name"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MaxTemplateLength bounds each part of a template, in bytes.
const MaxTemplateLength = 64 << 10

// TemplateTx stores the shop's edited email templates.
type TemplateTx interface {
	// Template returns the stored template of a name; ENOTFOUND if none.
	Template(ctx context.Context, name string) (*Template, error)
	// Templates returns every stored template in name order.
	Templates(ctx context.Context) ([]*Template, error)
	// PutTemplate creates or replaces the stored template of t.Name.
	PutTemplate(ctx context.Context, t *Template) error
	// DeleteTemplate removes the stored template of a name, if any.
	DeleteTemplate(ctx context.Context, name string) error
}
