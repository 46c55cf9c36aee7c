package backorder

import (
	"context"
	"time"
)

// PutProduct creates or replaces a product's description and policy. Its stock
// is kept. It reports whether the product is new. Returns EINVALID for a bad field.
func (s *Service) PutProduct(ctx context.Context, in *ProductInput) (*Product, bool, error) {
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	type result struct {
		p       *Product
		created bool
	}
	r, err := write(ctx, s, []string{in.SKU}, nil, func(ctx context.Context, tx *writeTx, now time.Time) (result, error) {
		p, err := tx.Product(ctx, in.SKU)
		created := ErrorCode(err) == ENOTFOUND
		if created {
			p = &Product{SKU: in.SKU, CreatedAt: now, Stock: Stock{SKU: in.SKU}}
		} else if err != nil {
			return result{}, err
		}
		holdBefore := holdDate(p)
		if in.SupplierID != "" && in.SupplierID != p.SupplierID {
			if _, err := tx.Supplier(ctx, in.SupplierID); ErrorCode(err) == ENOTFOUND {
				return result{}, FieldErrorf(ENOTFOUND, "supplier_id", "Unknown supplier %q.", in.SupplierID)
			} else if err != nil {
				return result{}, err
			}
		}
		p.Name, p.PriceCents, p.Currency, p.Status, p.ReleaseDate, p.Policy, p.Supply = in.Name, in.PriceCents, in.Currency, in.Status, in.ReleaseDate, in.Policy, in.Supply
		p.UpdatedAt = now
		if err := tx.PutProduct(ctx, p); err != nil {
			return result{}, err
		}
		// A pre-order whose release date moves (or that is released early)
		// ships from the new date: its open units and requests follow.
		if hold := holdDate(p); !created && hold != holdBefore {
			if err := tx.SetReleaseDate(ctx, p.SKU, hold); err != nil {
				return result{}, err
			}
			if err := rehold(ctx, tx, p.SKU); err != nil {
				return result{}, err
			}
		}
		// A lead time now known, a supplier or release date changed: any
		// waiting line's promise may move.
		if !created {
			if err := s.redate(ctx, tx, p, true, now); err != nil {
				return result{}, err
			}
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return result{}, err
		}
		p.Resolve(settings)
		return result{p, created}, nil
	})
	return r.p, r.created, err
}

// rehold moves the hold of every open fulfillment request carrying units of
// sku to the latest ship-from date among its lines (HoldUntil), after the
// SKU's release date moved.
func rehold(ctx context.Context, tx Tx, sku string) error {
	fs, err := every(func(after int64) ([]*Fulfillment, error) {
		return tx.ListFulfillments(ctx, FulfillmentQuery{SKU: sku, State: FulfillmentOpen, After: after, Limit: readPage})
	}, func(f *Fulfillment) int64 { return f.ID })
	if err != nil || len(fs) == 0 {
		return err
	}
	lines, err := tx.Lines(ctx, sortedUnique(fs, func(f *Fulfillment) string { return f.OrderID }))
	if err != nil {
		return err
	}
	from := map[int64]string{}
	for _, ls := range lines {
		for _, l := range ls {
			from[l.ID] = l.AvailableFrom
		}
	}
	var moved []*Fulfillment
	for _, f := range fs {
		if hold := HoldUntil(f.Lines, from); hold != f.HoldUntil {
			f.HoldUntil = hold
			moved = append(moved, f)
		}
	}
	return tx.SaveHolds(ctx, moved)
}

// holdDate is the date a product's units ship from: its release date while
// it takes pre-orders, otherwise none.
func holdDate(p *Product) string {
	if p.Status == StatusPreorder {
		return p.ReleaseDate
	}
	return ""
}

// Product returns a product with its effective policy and live quantities.
// Returns ENOTFOUND if the SKU is unknown.
func (s *Service) Product(ctx context.Context, sku string) (*Product, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Product, error) {
		p, err := tx.Product(ctx, sku)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		p.Resolve(settings)
		return p, supplyOf(ctx, tx, p, settings, now)
	})
}

// supplyOf sets a product's inbound units, the promise date one more unit
// ordered now would get (after every unit waiting), and its availability.
func supplyOf(ctx context.Context, tx Tx, p *Product, set *Settings, now time.Time) error {
	etas, inbound, err := promiseDates(ctx, tx, p, set, []int64{p.Stock.Backordered, 1}, now)
	if err != nil {
		return err
	}
	p.Inbound, p.NextETA = inbound, &etas[1]
	a := ProductAvailability(p, etas[1], now)
	if a.Status == AvailableBackorder && len(p.Effective.AvoidRules) > 0 {
		f, err := avoidFactsOf(ctx, tx, set, p, p.Effective.AvoidRules, now)
		if err != nil {
			return err
		}
		a = AvoidAvailability(a, p, f, now)
	}
	p.Availability = &a
	return nil
}

// Products lists products in SKU order.
func (s *Service) Products(ctx context.Context, f ProductFilter) ([]*Product, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Product, error) {
		ps, err := tx.ListProducts(ctx, f)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			p.Resolve(settings)
			if err := supplyOf(ctx, tx, p, settings, now); err != nil {
				return nil, err
			}
		}
		return ps, nil
	})
}
