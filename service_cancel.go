package backorder

import (
	"context"
	"slices"
	"time"
)

// CancelOrder cancels the whole order, or some units of some lines, before
// they ship. Waiting units go first; released allocations go straight to the
// next in line in the same transaction. Returns ENOTFOUND for an unknown order
// or line, EINVALID for a bad field, and ECONFLICT when fewer units are open
// than asked (a repeated cancellation releases nothing twice).
func (s *Service) CancelOrder(ctx context.Context, id string, req *CancelRequest, idem *Idempotency) (*Order, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return writeOrder(ctx, s, id, idem, func(ctx context.Context, tx *writeTx, now time.Time, o *Order, skus []string) (*Order, error) {
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		code, err := ResolveReasonCode(req.ReasonCode, settings.CancelReasonCodes())
		if err != nil {
			return nil, err
		}
		if req.waitingOnly {
			if req = waitingUnits(o, req); len(req.Lines) == 0 {
				return o, nil
			}
		}
		plan, err := PlanCancel(o, req)
		if err != nil {
			return nil, err
		}
		if err := tx.InsertCancellations(ctx, Cancellations(plan, o.ID, code, now)); err != nil {
			return nil, err
		}
		products, err := tx.ProductsBySKU(ctx, skus)
		if err != nil {
			return nil, err
		}
		var open []*Fulfillment
		for _, c := range plan {
			if c.FromFulfilling > 0 && open == nil {
				if open, err = openFulfillments(ctx, tx, o.ID); err != nil {
					return nil, err
				}
			}
		}
		var moves []Movement
		var lines []*Line
		changedFs := map[*Fulfillment]bool{}
		changed := map[string]bool{}  // SKUs whose stock row changes
		released := map[string]bool{} // SKUs with allocations released
		for _, c := range plan {
			l := c.Line
			st := &products[l.SKU].Stock
			if c.Backordered > 0 {
				moves = append(moves, Movement{At: now, Kind: MoveCancel, SKU: l.SKU, Quantity: c.Backordered, OrderID: o.ID, LineID: l.ID, Reason: req.Reason})
				st.Backordered -= c.Backordered
				changed[l.SKU] = true
			}
			if c.Allocated > 0 {
				moves = append(moves, Movement{At: now, Kind: MoveRelease, SKU: l.SKU, Quantity: c.Allocated, OrderID: o.ID, LineID: l.ID, Reason: req.Reason})
				st.Allocated -= c.Allocated
				changed[l.SKU], released[l.SKU] = true, true
			}
			if c.FromFulfilling > 0 {
				for _, f := range ReduceFulfillments(open, l.ID, c.FromFulfilling) {
					changedFs[f] = true
				}
			}
			c.Apply()
			lines = append(lines, l)
		}
		for _, f := range open {
			if changedFs[f] {
				if err := tx.SaveFulfillment(ctx, f); err != nil {
					return nil, err
				}
			}
		}
		// Cancelling the units an order waited for can complete it: a
		// ship-complete order (or one awaiting the customer's choice) whose
		// last waiting units went may now ship what it holds.
		before := fulfillingOf(o.Lines)
		fs := PlanFulfillment(o, now)
		for _, l := range changedLines(o.Lines, before) {
			if !slices.Contains(lines, l) {
				lines = append(lines, l)
			}
		}
		if err := tx.SaveLines(ctx, lines); err != nil {
			return nil, err
		}
		if len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return nil, err
			}
		}
		if err := tx.AppendMovements(ctx, moves); err != nil {
			return nil, err
		}
		cancelled := make([]*Line, len(plan))
		for i, c := range plan {
			cancelled[i] = c.Line
		}
		e, err := NewEvent(now, o.ID, "", &OrderCancelledPayload{Reason: req.Reason, ReasonCode: code, Lines: req.Lines, Cancelled: eventLines(cancelled), Status: o.DeriveStatus(), FulfillmentIDs: fulfillmentIDs(fs)})
		if err != nil {
			return nil, err
		}
		if err := tx.Emit(ctx, e); err != nil {
			return nil, err
		}
		// Every cancelled unit is refunded (charged at order) or released
		// from the authorization (charged at ship).
		ledger, err := tx.Payments(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		if err := s.settlePayments(ctx, tx, now, []*Order{o}, map[string][]Payment{o.ID: ledger}, 0); err != nil {
			return nil, err
		}
		// Released units go straight to the next in line; the SKU's first
		// release is the cause the allocations record.
		cause := map[string]int64{}
		for _, m := range moves {
			if m.Kind == MoveRelease && cause[m.SKU] == 0 {
				cause[m.SKU] = m.ID
			}
		}
		for _, sku := range skus {
			if released[sku] {
				if _, err := s.fill(ctx, tx, now, &products[sku].Stock, cause[sku]); err != nil {
					return nil, err
				}
			}
		}
		if err := saveStock(ctx, tx, products, changed); err != nil {
			return nil, err
		}
		// The lines behind the cancelled units move up.
		for _, sku := range skus {
			if changed[sku] {
				if err := s.redate(ctx, tx, products[sku], false, now); err != nil {
					return nil, err
				}
			}
		}
		o, err = tx.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		o.Derive()
		return o, nil
	})
}

// openFulfillments returns every open fulfillment request of an order, however
// many there are: a line filled by many small receipts has one per receipt.
func openFulfillments(ctx context.Context, tx Tx, orderID string) ([]*Fulfillment, error) {
	return every(func(after int64) ([]*Fulfillment, error) {
		return tx.ListFulfillments(ctx, FulfillmentQuery{OrderID: orderID, State: FulfillmentOpen, After: after, Limit: readPage})
	}, func(f *Fulfillment) int64 { return f.ID })
}
