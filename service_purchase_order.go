package backorder

import (
	"context"
	"fmt"
	"time"
)

// CreatePurchaseOrder records inbound supply: a purchase order from a
// supplier, open, with its expected date. Returns EINVALID for a bad field
// and ENOTFOUND for an unknown supplier or SKU.
func (s *Service) CreatePurchaseOrder(ctx context.Context, req *PurchaseOrderRequest, idem *Idempotency) (*PurchaseOrder, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	skus := sortedUnique(req.Lines, func(l POLineRequest) string { return l.SKU })
	return write(ctx, s, skus, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*PurchaseOrder, error) {
		if _, err := tx.Supplier(ctx, req.SupplierID); ErrorCode(err) == ENOTFOUND {
			return nil, FieldErrorf(ENOTFOUND, "supplier_id", "Unknown supplier %q.", req.SupplierID)
		} else if err != nil {
			return nil, err
		}
		products, err := tx.ProductsBySKU(ctx, skus)
		if err != nil {
			return nil, err
		}
		po := &PurchaseOrder{Reference: req.Reference, SupplierID: req.SupplierID, ExpectedAt: req.ExpectedAt, Status: POOpen,
			Lines: make([]POLine, len(req.Lines)), DateChanges: []PODateChange{}, Deliveries: []PODelivery{}, CreatedAt: now, UpdatedAt: now}
		for i, l := range req.Lines {
			if products[l.SKU] == nil {
				return nil, FieldErrorf(ENOTFOUND, fmt.Sprintf("lines[%d].sku", i), "Unknown SKU %q.", l.SKU)
			}
			po.Lines[i] = POLine{SKU: l.SKU, Quantity: l.Quantity}
		}
		if err := tx.InsertPurchaseOrder(ctx, po); err != nil {
			return nil, err
		}
		// The new supply dates the lines it covers.
		return po, s.redateSKUs(ctx, tx, skus, false, now)
	})
}

// PurchaseOrder returns one purchase order. Returns ENOTFOUND if unknown.
func (s *Service) PurchaseOrder(ctx context.Context, id int64) (*PurchaseOrder, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*PurchaseOrder, error) { return tx.PurchaseOrder(ctx, id) })
}

// PurchaseOrders lists purchase orders in ID order.
func (s *Service) PurchaseOrders(ctx context.Context, f POFilter) ([]*PurchaseOrder, error) {
	f.Limit = PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]*PurchaseOrder, error) { return tx.ListPurchaseOrders(ctx, f) })
}

// poSKUs reads the SKUs of a purchase order, to know which locks a write on
// it needs: they never change once it is stored.
func (s *Service) poSKUs(ctx context.Context, id int64) ([]string, error) {
	po, err := s.PurchaseOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	return sortedUnique(po.Lines, func(l POLine) string { return l.SKU }), nil
}

// writePO runs fn on a purchase order in one write that holds its SKUs'
// locks, saves it, and re-dates its SKUs' waiting lines.
func writePO[T any](ctx context.Context, s *Service, id int64, idem *Idempotency, fn func(ctx context.Context, tx *writeTx, now time.Time, po *PurchaseOrder) (T, error)) (T, error) {
	skus, err := s.poSKUs(ctx, id)
	if err != nil {
		var zero T
		return zero, err
	}
	return write(ctx, s, skus, idem, func(ctx context.Context, tx *writeTx, now time.Time) (T, error) {
		var zero T
		po, err := tx.PurchaseOrder(ctx, id)
		if err != nil {
			return zero, err
		}
		r, err := fn(ctx, tx, now, po)
		if err != nil {
			return zero, err
		}
		if err := tx.SavePurchaseOrder(ctx, po); err != nil {
			return zero, err
		}
		// A moved date, a delivery or a cancellation moves the promises
		// of the lines waiting on the purchase order.
		return r, s.redateSKUs(ctx, tx, skus, false, now)
	})
}

// ReschedulePurchaseOrder moves a purchase order's expected date, keeping
// each move with its time. Returns EINVALID for a bad date, ENOTFOUND for an
// unknown purchase order and ECONFLICT when it is no longer open.
func (s *Service) ReschedulePurchaseOrder(ctx context.Context, id int64, date string) (*PurchaseOrder, error) {
	return writePO(ctx, s, id, nil, func(ctx context.Context, tx *writeTx, now time.Time, po *PurchaseOrder) (*PurchaseOrder, error) {
		_, err := po.Reschedule(date, now)
		return po, err
	})
}

// CancelPurchaseOrder cancels what is still open on a purchase order.
// Returns ENOTFOUND for an unknown purchase order and ECONFLICT when it is
// no longer open.
func (s *Service) CancelPurchaseOrder(ctx context.Context, id int64, idem *Idempotency) (*PurchaseOrder, error) {
	return writePO(ctx, s, id, idem, func(ctx context.Context, tx *writeTx, now time.Time, po *PurchaseOrder) (*PurchaseOrder, error) {
		return po, po.Cancel(now)
	})
}

// POReceipt is the outcome of a delivery against a purchase order: the
// purchase order after it, and the receipt of each SKU, each with its
// allocation run (StockResult).
type POReceipt struct {
	PurchaseOrder *PurchaseOrder `json:"purchase_order"`
	Receipts      []*StockResult `json:"receipts"`
}

// ReceivePurchaseOrder records a delivery against a purchase order. Each
// SKU of it is a receipt, exactly as POST /v1/receipts makes one (the same
// movement, referencing the purchase order, and the same allocation run),
// in one transaction with the purchase order's update; more than ordered is
// taken and kept as an over-receipt. Returns EINVALID for a bad field,
// ENOTFOUND for an unknown purchase order or a SKU not on it, and ECONFLICT
// when it is no longer open.
func (s *Service) ReceivePurchaseOrder(ctx context.Context, id int64, req *POReceiptRequest, idem *Idempotency) (*POReceipt, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return writePO(ctx, s, id, idem, func(ctx context.Context, tx *writeTx, now time.Time, po *PurchaseOrder) (*POReceipt, error) {
		if err := po.Receive(req.Lines, now); err != nil {
			return nil, err
		}
		res := &POReceipt{PurchaseOrder: po}
		for _, l := range req.Lines {
			r, err := s.moveStock(ctx, tx, now, Movement{At: now, Kind: MoveReceipt, SKU: l.SKU, Quantity: l.Quantity, Reference: po.Reference})
			if err != nil {
				return nil, err
			}
			res.Receipts = append(res.Receipts, r)
		}
		return res, nil
	})
}
