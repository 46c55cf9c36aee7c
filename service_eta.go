package backorder

import (
	"context"
	"time"
)

// promiseDates dates the waiting lines of product p, given in fill order as
// the units each waits for (PromiseDates), from its open purchase orders,
// each with its supplier's buffer, and past them from the product's lead
// time (its own, or its supplier's).
//
// It also returns the units on the open purchase orders (inbound).
func promiseDates(ctx context.Context, tx Tx, p *Product, waiting []int64, now time.Time) ([]ETA, int64, error) {
	pos, err := every(func(after int64) ([]*PurchaseOrder, error) {
		return tx.ListPurchaseOrders(ctx, POFilter{SKU: p.SKU, Status: POOpen, After: after, Limit: readPage})
	}, func(po *PurchaseOrder) int64 { return po.ID })
	if err != nil {
		return nil, 0, err
	}
	buffers := map[string]int{} // supplier ID → buffer days
	buffer := func(supplierID string) (int, error) {
		if b, ok := buffers[supplierID]; ok {
			return b, nil
		}
		sup := &Supplier{ID: supplierID}
		if err := measure(ctx, tx, sup); err != nil {
			return 0, err
		}
		buffers[supplierID] = BufferDays(*sup.Reliability, MinReliabilitySample, DefaultBufferDays)
		return buffers[supplierID], nil
	}
	var inbound []Inbound
	var units int64
	for _, po := range pos {
		for _, l := range po.Lines {
			if l.SKU != p.SKU || l.Open() == 0 {
				continue
			}
			b, err := buffer(po.SupplierID)
			if err != nil {
				return nil, 0, err
			}
			inbound = append(inbound, Inbound{PurchaseOrderID: po.ID, ExpectedAt: po.ExpectedAt, Units: l.Open(), BufferDays: b})
			units += l.Open()
		}
	}
	lead, leadBuffer := p.LeadTimeDays, DefaultBufferDays
	if p.SupplierID != "" {
		sup, err := tx.Supplier(ctx, p.SupplierID)
		if err != nil {
			return nil, 0, err
		}
		if lead == nil {
			lead = &sup.LeadTimeDays
		}
		if leadBuffer, err = buffer(p.SupplierID); err != nil {
			return nil, 0, err
		}
	}
	today := now.UTC().Truncate(24 * time.Hour)
	return PromiseDates(waiting, p.Stock.Available(), inbound, lead, leadBuffer, HandlingDays, today), units, nil
}
