package postgres

import (
	"context"
	"fmt"

	"github.com/backorder/backorder"
)

const supplierColumns = `id, name, coalesce(contact_email, ''), lead_time_days, created_at, updated_at`

// Supplier returns one supplier; ENOTFOUND if unknown.
func (tx *Tx) Supplier(ctx context.Context, id string) (*backorder.Supplier, error) {
	ss, err := tx.suppliers(ctx, `SELECT `+supplierColumns+` FROM suppliers WHERE id = $1`, id)
	if err != nil {
		return nil, err
	} else if len(ss) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("supplier %q", id))
	}
	return ss[0], nil
}

// PutSupplier creates or replaces a supplier.
func (tx *Tx) PutSupplier(ctx context.Context, s *backorder.Supplier) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO suppliers (id, name, contact_email, lead_time_days, created_at, updated_at)
		VALUES ($1, $2, nullif($3, ''), $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, contact_email = excluded.contact_email,
			lead_time_days = excluded.lead_time_days, updated_at = excluded.updated_at`,
		s.ID, s.Name, s.ContactEmail, s.LeadTimeDays, s.CreatedAt, s.UpdatedAt)
	return FormatError(err, "put supplier", fmt.Sprintf("supplier %q", s.ID))
}

// ListSuppliers returns suppliers in ID order after the filter's cursor.
func (tx *Tx) ListSuppliers(ctx context.Context, f backorder.SupplierFilter) ([]*backorder.Supplier, error) {
	return tx.suppliers(ctx, `SELECT `+supplierColumns+` FROM suppliers WHERE id > $1 ORDER BY id LIMIT $2`, f.After, limit(f.Limit))
}

func (tx *Tx) suppliers(ctx context.Context, q string, args ...any) ([]*backorder.Supplier, error) {
	out := []*backorder.Supplier{}
	var s backorder.Supplier
	err := collect(ctx, tx.tx, q, args, []any{&s.ID, &s.Name, &s.ContactEmail, &s.LeadTimeDays, &s.CreatedAt, &s.UpdatedAt}, func() error {
		c := s
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "suppliers", "")
	}
	return out, nil
}
