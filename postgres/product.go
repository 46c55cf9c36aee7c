package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/backorder/backorder"
)

const productColumns = `sku, name, price_cents, currency, status, coalesce(release_date, ''),
	accept_backorders, max_backorder_per_customer, backorder_limit,
	coalesce(split_policy, ''), coalesce(payment_timing, ''),
	on_hand, allocated, backordered, created_at, updated_at, coalesce(supplier_id, ''), lead_time_days,
	coalesce(avoid_rules::text, '')`

// products runs a query of productColumns. pgx scans a nullable column into
// a freshly allocated value every row, so copying p shares nothing between rows.
func (tx *Tx) products(ctx context.Context, op, query string, args ...any) ([]*backorder.Product, error) {
	var out []*backorder.Product
	var p backorder.Product
	var avoid string
	dest := []any{&p.SKU, &p.Name, &p.PriceCents, &p.Currency, &p.Status, &p.ReleaseDate,
		&p.AcceptBackorders, &p.MaxBackorderPerCustomer, &p.BackorderLimit, &p.SplitPolicy, &p.PaymentTiming,
		&p.OnHand, &p.Allocated, &p.Backordered, &p.CreatedAt, &p.UpdatedAt, &p.SupplierID, &p.LeadTimeDays, &avoid}
	err := collect(ctx, tx.tx, query, args, dest, func() error {
		c := p
		c.AvoidRules = nil
		if avoid != "" {
			// Written by PutProduct from a validated list; a list that
			// does not decode leaves the product without avoid rules.
			_ = json.Unmarshal([]byte(avoid), &c.AvoidRules)
		}
		c.Stock.SKU = c.SKU
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	return out, nil
}

// Product returns one product with its stock; ENOTFOUND if unknown.
func (tx *Tx) Product(ctx context.Context, sku string) (*backorder.Product, error) {
	ps, err := tx.products(ctx, "product", `SELECT `+productColumns+` FROM products WHERE sku = $1`, sku)
	if err != nil {
		return nil, err
	} else if len(ps) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("product %q", sku))
	}
	return ps[0], nil
}

// ProductsBySKU returns the named products that exist, by SKU.
func (tx *Tx) ProductsBySKU(ctx context.Context, skus []string) (map[string]*backorder.Product, error) {
	out := make(map[string]*backorder.Product, len(skus))
	if len(skus) == 0 {
		return out, nil
	}
	ps, err := tx.products(ctx, "products", `SELECT `+productColumns+` FROM products WHERE sku = ANY($1)`, skus)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[p.SKU] = p
	}
	return out, nil
}

// ListProducts returns products in SKU order after the filter's cursor.
func (tx *Tx) ListProducts(ctx context.Context, f backorder.ProductFilter) ([]*backorder.Product, error) {
	var w where
	w.add("sku > ?", f.After)
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	return tx.products(ctx, "list products", `SELECT `+productColumns+` FROM products WHERE `+w.sql()+
		` ORDER BY sku LIMIT `+w.arg(limit(f.Limit)), w.args...)
}

// PutProduct creates a product or replaces its descriptive fields and policy,
// keeping its stock and creation time. It fills p's Stock and CreatedAt from
// the stored row.
func (tx *Tx) PutProduct(ctx context.Context, p *backorder.Product) error {
	err := tx.tx.QueryRow(ctx, `INSERT INTO products (sku, name, price_cents, currency, status, release_date,
			accept_backorders, max_backorder_per_customer, backorder_limit, split_policy, payment_timing,
			created_at, updated_at, supplier_id, lead_time_days, avoid_rules)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, nullif($14, ''), $15, nullif($16, '')::jsonb)
		ON CONFLICT (sku) DO UPDATE SET
			name = excluded.name, price_cents = excluded.price_cents, currency = excluded.currency,
			status = excluded.status, release_date = excluded.release_date,
			accept_backorders = excluded.accept_backorders,
			max_backorder_per_customer = excluded.max_backorder_per_customer,
			backorder_limit = excluded.backorder_limit, split_policy = excluded.split_policy,
			payment_timing = excluded.payment_timing, updated_at = excluded.updated_at,
			supplier_id = excluded.supplier_id, lead_time_days = excluded.lead_time_days,
			avoid_rules = excluded.avoid_rules
		RETURNING on_hand, allocated, backordered, created_at`,
		p.SKU, p.Name, p.PriceCents, p.Currency, p.Status, nullStr(p.ReleaseDate),
		p.AcceptBackorders, p.MaxBackorderPerCustomer, p.BackorderLimit,
		nullStr(p.SplitPolicy), nullStr(p.PaymentTiming), p.CreatedAt, p.UpdatedAt, p.SupplierID, p.LeadTimeDays, avoidRules(p.AvoidRules),
	).Scan(&p.Stock.OnHand, &p.Stock.Allocated, &p.Stock.Backordered, &p.CreatedAt)
	if err != nil {
		return FormatError(err, "put product", fmt.Sprintf("product %q", p.SKU))
	}
	p.Stock.SKU = p.SKU
	return nil
}

// SaveStock writes the quantities of the given SKUs in one statement;
// ENOTFOUND if one is not a product. The CHECK constraints refuse negative
// stock and allocations beyond on_hand.
func (tx *Tx) SaveStock(ctx context.Context, stock []backorder.Stock) error {
	if len(stock) == 0 {
		return nil
	}
	// The last entry of a SKU wins, as it would with one UPDATE per entry.
	idx := make(map[string]int, len(stock))
	var skus []string
	var onHand, allocated, backordered []int64
	for _, s := range stock {
		if i, ok := idx[s.SKU]; ok {
			onHand[i], allocated[i], backordered[i] = s.OnHand, s.Allocated, s.Backordered
			continue
		}
		idx[s.SKU] = len(skus)
		skus = append(skus, s.SKU)
		onHand = append(onHand, s.OnHand)
		allocated = append(allocated, s.Allocated)
		backordered = append(backordered, s.Backordered)
	}
	tag, err := tx.tx.Exec(ctx, `UPDATE products p
		SET on_hand = v.on_hand, allocated = v.allocated, backordered = v.backordered
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v (sku, on_hand, allocated, backordered)
		WHERE p.sku = v.sku`, skus, onHand, allocated, backordered)
	if err != nil {
		return FormatError(err, "save stock", "")
	}
	if tag.RowsAffected() != int64(len(skus)) {
		found, err := tx.ProductsBySKU(ctx, skus)
		if err != nil {
			return err
		}
		var missing []string
		for _, s := range skus {
			if found[s] == nil {
				missing = append(missing, fmt.Sprintf("%q", s))
			}
		}
		return backorder.NotFound("product " + strings.Join(missing, ", "))
	}
	return nil
}

// AllStock returns the quantities of every SKU, in SKU order.
func (tx *Tx) AllStock(ctx context.Context) ([]backorder.Stock, error) {
	var out []backorder.Stock
	var s backorder.Stock
	err := collect(ctx, tx.tx, `SELECT sku, on_hand, allocated, backordered FROM products ORDER BY sku`, nil,
		[]any{&s.SKU, &s.OnHand, &s.Allocated, &s.Backordered}, func() error {
			out = append(out, s)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "all stock", "")
	}
	return out, nil
}

// avoidRules is the stored form of a product's avoid rules: their JSON,
// or "" (stored as NULL) for none.
func avoidRules(rs backorder.AvoidRules) string {
	if len(rs) == 0 {
		return ""
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return ""
	}
	return string(b)
}
