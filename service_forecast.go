package backorder

import (
	"context"
	"time"
)

// AtRiskPurchaseOrders lists the open purchase orders at risk today
// (AssessPO: overdue, or expected late by their supplier's record), ranked
// by the value of the backorders whose stored promise rests on them
// (RankAtRisk), with the orders affected: up to limit after the cursor
// (nil: from the start), and the cursor of the next page (nil at the end).
// The waiting lines are read by purchase order (Tx.WaitingOnPurchaseOrders),
// not by walking any queue.
func (s *Service) AtRiskPurchaseOrders(ctx context.Context, after *AtRiskCursor, limit int) ([]AtRiskPO, *AtRiskCursor, error) {
	if limit < 1 || limit > MaxPageLimit {
		return nil, nil, FieldErrorf(EINVALID, "limit", "Limit must be an integer between 1 and %d.", MaxPageLimit)
	}
	type result struct {
		page []AtRiskPO
		next *AtRiskCursor
	}
	r, err := read(ctx, s, func(tx Tx, now time.Time) (result, error) {
		pos, err := every(func(after int64) ([]*PurchaseOrder, error) {
			return tx.ListPurchaseOrders(ctx, POFilter{Status: POOpen, After: after, Limit: readPage})
		}, func(po *PurchaseOrder) int64 { return po.ID })
		if err != nil {
			return result{}, err
		}
		records := map[string]Reliability{} // supplier ID → its record
		day := today(now)
		type assessed struct {
			po        *PurchaseOrder
			reasons   []RiskReason
			predicted string
		}
		var risky []assessed
		var ids []int64
		for _, po := range pos {
			rec, ok := records[po.SupplierID]
			if !ok {
				sup := &Supplier{ID: po.SupplierID}
				if err := measure(ctx, tx, sup); err != nil {
					return result{}, err
				}
				rec = *sup.Reliability
				records[po.SupplierID] = rec
			}
			if reasons, predicted := AssessPO(po, rec, day); len(reasons) > 0 {
				risky = append(risky, assessed{po, reasons, predicted})
				ids = append(ids, po.ID)
			}
		}
		waiting, err := tx.WaitingOnPurchaseOrders(ctx, ids)
		if err != nil {
			return result{}, err
		}
		byPO := map[int64][]WaitingOnPO{}
		for _, w := range waiting {
			byPO[w.PurchaseOrderID] = append(byPO[w.PurchaseOrderID], w)
		}
		ranked := make([]AtRiskPO, 0, len(risky))
		for _, a := range risky {
			ranked = append(ranked, AtRisk(a.po, a.reasons, a.predicted, byPO[a.po.ID]))
		}
		RankAtRisk(ranked)
		page, next := AtRiskPage(ranked, after, limit)
		return result{page, next}, nil
	})
	return r.page, r.next, err
}

// Forecast reports a SKU's demand over the last days (today included),
// its cover and projected stock-out, and the units to order now
// (ForecastSKU), from its stock, its open purchase orders and the lead time
// and buffer its promise dates use (readSupply). Returns EINVALID (field
// "days") for a window outside 1–MaxForecastDays and ENOTFOUND for an
// unknown SKU.
func (s *Service) Forecast(ctx context.Context, sku string, days int) (*Forecast, error) {
	if err := ValidateForecastDays(days); err != nil {
		return nil, err
	}
	return read(ctx, s, func(tx Tx, now time.Time) (*Forecast, error) {
		p, err := tx.Product(ctx, sku)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		plan, inbound, err := readSupply(ctx, tx, p, settings)
		if err != nil {
			return nil, err
		}
		day := today(now)
		units, err := tx.Demand(ctx, sku, ForecastSince(day, days))
		if err != nil {
			return nil, err
		}
		source := LeadTimeUnknown
		switch {
		case p.LeadTimeDays != nil:
			source = LeadTimeFromProduct
		case p.SupplierID != "":
			source = LeadTimeFromSupplier
		}
		f := ForecastSKU(ForecastInput{
			SKU: sku, Days: days, Units: units, Stock: p.Stock, Inbound: inbound,
			LeadTimeDays: plan.LeadTimeDays, LeadTimeSource: source, BufferDays: plan.LeadBufferDays, Today: day,
		})
		return &f, nil
	})
}
