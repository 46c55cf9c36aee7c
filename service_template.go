package backorder

import (
	"context"
	"time"
)

// Template returns the shop's stored template of a name; ENOTFOUND when the
// moment uses its default.
func (s *Service) Template(ctx context.Context, name string) (*Template, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Template, error) { return tx.Template(ctx, name) })
}

// Templates returns every stored template in name order.
func (s *Service) Templates(ctx context.Context) ([]*Template, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Template, error) { return tx.Templates(ctx) })
}

// PutTemplate stores an edited template, stamped with the time. The caller
// has checked that it parses and renders (package mail); the service only
// keeps it.
func (s *Service) PutTemplate(ctx context.Context, t *Template) (*Template, error) {
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (*Template, error) {
		c := *t
		c.UpdatedAt = now
		return &c, tx.PutTemplate(ctx, &c)
	})
}

// DeleteTemplate removes the stored template of a name, so that its moment
// uses the default again. Deleting a name with nothing stored does nothing.
func (s *Service) DeleteTemplate(ctx context.Context, name string) error {
	_, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (struct{}, error) {
		return struct{}{}, tx.DeleteTemplate(ctx, name)
	})
	return err
}
