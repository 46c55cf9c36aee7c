package sqlite

import (
	"context"
	"fmt"

	"github.com/backorder/backorder"
)

const supplierColumns = `id, name, contact_email, lead_time_days, created_at, updated_at`

// Supplier returns one supplier; ENOTFOUND if unknown.
func (tx *Tx) Supplier(ctx context.Context, id string) (*backorder.Supplier, error) {
	ss, err := tx.suppliers(ctx, `SELECT `+supplierColumns+` FROM suppliers WHERE id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(ss) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("supplier %q", id))
	}
	return ss[0], nil
}

// PutSupplier creates or replaces a supplier.
func (tx *Tx) PutSupplier(ctx context.Context, s *backorder.Supplier) error {
	_, err := tx.exec(ctx, `INSERT INTO suppliers (`+supplierColumns+`) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, contact_email = excluded.contact_email,
			lead_time_days = excluded.lead_time_days, updated_at = excluded.updated_at`,
		s.ID, s.Name, nullStr(s.ContactEmail), int64(s.LeadTimeDays), micros(s.CreatedAt), micros(s.UpdatedAt))
	return FormatError(err, "put supplier", fmt.Sprintf("supplier %q", s.ID))
}

// ListSuppliers returns suppliers in ID order after the filter's cursor.
func (tx *Tx) ListSuppliers(ctx context.Context, f backorder.SupplierFilter) ([]*backorder.Supplier, error) {
	return tx.suppliers(ctx, `SELECT `+supplierColumns+` FROM suppliers WHERE id > ? ORDER BY id LIMIT ?`, f.After, limit(f.Limit))
}

func (tx *Tx) suppliers(ctx context.Context, q string, args ...any) ([]*backorder.Supplier, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "suppliers", "")
	}
	defer rows.Close()
	out := []*backorder.Supplier{}
	r := newRow(6)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "suppliers", "")
		}
		out = append(out, &backorder.Supplier{ID: r.str(0), Name: r.str(1), ContactEmail: r.str(2), LeadTimeDays: int(r.int(3)),
			CreatedAt: fromMicros(r.int(4)), UpdatedAt: fromMicros(r.int(5))})
	}
	return out, FormatError(rows.Err(), "suppliers", "")
}
