package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/backorder/backorder"
)

const productColumns = `sku, name, price_cents, currency, status, release_date,
	accept_backorders, max_backorder_per_customer, backorder_limit, split_policy, payment_timing,
	on_hand, allocated, backordered, created_at, updated_at, supplier_id, lead_time_days, avoid_rules`

const productWidth = 19

func scanProduct(r *row) *backorder.Product {
	p := &backorder.Product{
		SKU:         r.str(0),
		Name:        r.str(1),
		PriceCents:  r.int(2),
		Currency:    r.str(3),
		Status:      r.str(4),
		ReleaseDate: r.str(5),
		Policy: backorder.Policy{
			AcceptBackorders:        r.boolPtr(6),
			MaxBackorderPerCustomer: r.intPtr(7),
			BackorderLimit:          r.intPtr(8),
			SplitPolicy:             r.str(9),
			PaymentTiming:           r.str(10),
		},
		Stock:     backorder.Stock{OnHand: r.int(11), Allocated: r.int(12), Backordered: r.int(13)},
		CreatedAt: fromMicros(r.int(14)),
		UpdatedAt: fromMicros(r.int(15)),
		Supply:    backorder.Supply{SupplierID: r.str(16)},
	}
	if d := r.intPtr(17); d != nil {
		n := int(*d)
		p.LeadTimeDays = &n
	}
	if s := r.str(18); s != "" {
		// Written by PutProduct from a validated list; a list that does
		// not decode leaves the product without avoid rules.
		_ = json.Unmarshal([]byte(s), &p.AvoidRules)
	}
	p.Stock.SKU = p.SKU
	return p
}

func (tx *Tx) products(ctx context.Context, op, query string, args ...any) ([]*backorder.Product, error) {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return nil, FormatError(err, op, "")
	}
	defer rows.Close()
	out := []*backorder.Product{}
	r := newRow(productWidth)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, op, "")
		}
		out = append(out, scanProduct(r))
	}
	if err := rows.Err(); err != nil {
		return nil, FormatError(err, op, "")
	}
	return out, nil
}

// Product returns one product with its stock; ENOTFOUND if unknown.
func (tx *Tx) Product(ctx context.Context, sku string) (*backorder.Product, error) {
	ps, err := tx.products(ctx, "product", `SELECT `+productColumns+` FROM products WHERE sku = ?`, sku)
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
	ps, err := tx.products(ctx, "products",
		`SELECT `+productColumns+` FROM products WHERE sku IN (SELECT value FROM json_each(?))`, jsonList(skus))
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
	q := `SELECT ` + productColumns + ` FROM products WHERE sku > ?`
	args := []any{f.After}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	q += ` ORDER BY sku LIMIT ?`
	args = append(args, limit(f.Limit))
	return tx.products(ctx, "list products", q, args...)
}

// PutProduct creates a product or replaces its descriptive fields and policy,
// keeping its stock and creation time. It fills p's Stock and CreatedAt from
// the stored row.
func (tx *Tx) PutProduct(ctx context.Context, p *backorder.Product) error {
	rows, err := tx.query(ctx, `INSERT INTO products (sku, name, price_cents, currency, status, release_date,
			accept_backorders, max_backorder_per_customer, backorder_limit, split_policy, payment_timing,
			created_at, updated_at, supplier_id, lead_time_days, avoid_rules)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
		nullBool(p.AcceptBackorders), nullInt(p.MaxBackorderPerCustomer), nullInt(p.BackorderLimit),
		nullStr(p.SplitPolicy), nullStr(p.PaymentTiming), micros(p.CreatedAt), micros(p.UpdatedAt),
		nullStr(p.SupplierID), leadTime(p.LeadTimeDays), avoidRules(p.AvoidRules))
	if err != nil {
		return FormatError(err, "put product", fmt.Sprintf("product %q", p.SKU))
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return FormatError(err, "put product", fmt.Sprintf("product %q", p.SKU))
		}
		return fmt.Errorf("sqlite: put product %q: no row returned", p.SKU)
	}
	var created int64
	if err := rows.Scan(&p.Stock.OnHand, &p.Stock.Allocated, &p.Stock.Backordered, &created); err != nil {
		return FormatError(err, "put product", fmt.Sprintf("product %q", p.SKU))
	}
	p.Stock.SKU = p.SKU
	p.CreatedAt = fromMicros(created)
	return FormatError(rows.Close(), "put product", fmt.Sprintf("product %q", p.SKU))
}

// SaveStock writes the quantities of the given SKUs; ENOTFOUND if one is not
// a product. The CHECK constraints refuse negative stock and allocations
// beyond on_hand.
func (tx *Tx) SaveStock(ctx context.Context, stock []backorder.Stock) error {
	// The last entry of a SKU wins, as it would with one UPDATE per entry.
	idx := make(map[string]int, len(stock))
	var uniq []backorder.Stock
	for _, s := range stock {
		if i, ok := idx[s.SKU]; ok {
			uniq[i] = s
			continue
		}
		idx[s.SKU] = len(uniq)
		uniq = append(uniq, s)
	}
	n, err := tx.execBatch(ctx, 4, len(uniq),
		func(values string) string {
			return `UPDATE products SET on_hand = v.column2, allocated = v.column3, backordered = v.column4
				FROM (VALUES ` + values + `) AS v WHERE products.sku = v.column1`
		},
		func(i int, args []any) []any {
			s := &uniq[i]
			return append(args, s.SKU, s.OnHand, s.Allocated, s.Backordered)
		})
	if err != nil {
		return FormatError(err, "save stock", "")
	}
	if n != int64(len(uniq)) {
		skus := make([]string, len(uniq))
		for i, s := range uniq {
			skus[i] = s.SKU
		}
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
	rows, err := tx.query(ctx, `SELECT sku, on_hand, allocated, backordered FROM products ORDER BY sku`)
	if err != nil {
		return nil, FormatError(err, "all stock", "")
	}
	defer rows.Close()
	out := []backorder.Stock{}
	r := newRow(4)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "all stock", "")
		}
		out = append(out, backorder.Stock{SKU: r.str(0), OnHand: r.int(1), Allocated: r.int(2), Backordered: r.int(3)})
	}
	if err := rows.Err(); err != nil {
		return nil, FormatError(err, "all stock", "")
	}
	return out, nil
}

// leadTime stores an unset lead time as NULL.
func leadTime(d *int) any {
	if d == nil {
		return nil
	}
	return int64(*d)
}

// avoidRules is the stored form of a product's avoid rules: their JSON,
// or NULL for none.
func avoidRules(rs backorder.AvoidRules) any {
	if len(rs) == 0 {
		return nil
	}
	b, err := json.Marshal(rs)
	if err != nil {
		return nil
	}
	return string(b)
}
