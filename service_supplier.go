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

// Supplier returns one supplier with its reliability. Returns ENOTFOUND if
// it does not exist.
func (s *Service) Supplier(ctx context.Context, id string) (*Supplier, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Supplier, error) {
		sup, err := tx.Supplier(ctx, id)
		if err != nil {
			return nil, err
		}
		return sup, measure(ctx, tx, sup)
	})
}

// Suppliers lists suppliers in ID order, each with its reliability.
func (s *Service) Suppliers(ctx context.Context, f SupplierFilter) ([]*Supplier, error) {
	f.Limit = PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Supplier, error) {
		ss, err := tx.ListSuppliers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, sup := range ss {
			if err := measure(ctx, tx, sup); err != nil {
				return nil, err
			}
		}
		return ss, nil
	})
}

// measure sets a supplier's reliability from all its purchase orders.
func measure(ctx context.Context, tx Tx, sup *Supplier) error {
	pos, err := every(func(after int64) ([]*PurchaseOrder, error) {
		return tx.ListPurchaseOrders(ctx, POFilter{SupplierID: sup.ID, After: after, Limit: readPage})
	}, func(po *PurchaseOrder) int64 { return po.ID })
	if err != nil {
		return err
	}
	r := SupplierReliability(pos)
	sup.Reliability = &r
	return nil
}
