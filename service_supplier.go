package backorder

import (
	"context"
	"time"
)

// PutSupplier creates or replaces a supplier and reports whether it is new.
// Returns EINVALID for a bad field.
func (s *Service) PutSupplier(ctx context.Context, in *SupplierInput) (*Supplier, bool, error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	type result struct {
		sup     *Supplier
		created bool
	}
	r, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (result, error) {
		sup, err := tx.Supplier(ctx, in.ID)
		created := ErrorCode(err) == ENOTFOUND
		if created {
			sup = &Supplier{ID: in.ID, CreatedAt: now}
		} else if err != nil {
			return result{}, err
		}
		sup.Name, sup.ContactEmail, sup.LeadTimeDays, sup.UpdatedAt = in.Name, in.ContactEmail, in.LeadTimeDays, now
		if err := tx.PutSupplier(ctx, sup); err != nil {
			return result{}, err
		}
		return result{sup, created}, nil
	})
	return r.sup, r.created, err
}

// Supplier returns one supplier. Returns ENOTFOUND if it does not exist.
func (s *Service) Supplier(ctx context.Context, id string) (*Supplier, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Supplier, error) { return tx.Supplier(ctx, id) })
}

// Suppliers lists suppliers in ID order.
func (s *Service) Suppliers(ctx context.Context, f SupplierFilter) ([]*Supplier, error) {
	f.Limit = PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Supplier, error) { return tx.ListSuppliers(ctx, f) })
}
