package backorder

import (
	"context"
	"time"
)

// Fulfillments lists fulfillment requests; Status ready lists what the
// warehouse may ship now.
func (s *Service) Fulfillments(ctx context.Context, f FulfillmentFilter) ([]*Fulfillment, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Fulfillment, error) {
		q, err := f.query(now)
		if err != nil {
			return nil, err
		}
		fs, err := tx.ListFulfillments(ctx, q)
		for _, x := range fs {
			x.Status = x.DeriveStatus(now)
		}
		return fs, err
	})
}

// Fulfillment returns one fulfillment request. Returns ENOTFOUND if unknown.
func (s *Service) Fulfillment(ctx context.Context, id int64) (*Fulfillment, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Fulfillment, error) {
		f, err := tx.Fulfillment(ctx, id)
		if err != nil {
			return nil, err
		}
		f.Status = f.DeriveStatus(now)
		return f, nil
	})
}

// ShipFulfillment marks a ready fulfillment request shipped with its carrier,
// tracking and estimated delivery: its units leave on_hand and allocated.
// When the shipment names fewer units than requested (Shipment.Lines,
// SplitShipment), only those ship; the rest stays allocated in a new open
// request that keeps the hold and links to this one (SplitFrom; its ID is the
// answer's RemainderID). Units charged at ship are captured for what shipped.
// Returns ENOTFOUND if unknown, EINVALID for a bad field or more units than
// the request holds, and ECONFLICT if the request is not ready (held for a
// release date or a failed payment, shipped, or cancelled) or the order's
// last capture failed.
func (s *Service) ShipFulfillment(ctx context.Context, id int64, sh *Shipment, idem *Idempotency) (*Fulfillment, error) {
	if err := sh.Validate(); err != nil {
		return nil, err
	}
	f0, err := s.Fulfillment(ctx, id)
	if err != nil {
		return nil, err
	}
	skus := sortedUnique(f0.Lines, func(l FulfillmentLine) string { return l.SKU })
	return write(ctx, s, skus, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*Fulfillment, error) {
		f, err := tx.Fulfillment(ctx, id)
		if err != nil {
			return nil, err
		}
		f.Status = f.DeriveStatus(now)
		if f.Status != FulfillmentReady {
			return nil, Errorf(ECONFLICT, "Fulfillment %d is %s and cannot ship%s.", f.ID, f.Status, heldNote(f))
		}
		shipped, remainder, err := SplitShipment(f, sh.Lines)
		if err != nil {
			return nil, err
		}
		ledger, err := tx.Payments(ctx, f.OrderID)
		if err != nil {
			return nil, err
		}
		if CaptureFailed(ledger) {
			return nil, Errorf(ECONFLICT, "Fulfillment %d cannot ship: the last capture of order %s failed (%s).", f.ID, f.OrderID, HoldPaymentFailed)
		}
		o, err := tx.Order(ctx, f.OrderID)
		if err != nil {
			return nil, err
		}
		byID := map[int64]*Line{}
		for _, l := range o.Lines {
			byID[l.ID] = l
		}
		products, err := tx.ProductsBySKU(ctx, skus)
		if err != nil {
			return nil, err
		}
		var moves []Movement
		var changed []*Line
		for _, fl := range shipped {
			l := byID[fl.LineID]
			l.Allocated -= fl.Quantity
			l.Fulfilling -= fl.Quantity
			l.Shipped += fl.Quantity
			changed = append(changed, l)
			st := &products[fl.SKU].Stock
			st.OnHand -= fl.Quantity
			st.Allocated -= fl.Quantity
			moves = append(moves, Movement{At: now, Kind: MoveShip, SKU: fl.SKU, Quantity: fl.Quantity, OrderID: f.OrderID, LineID: fl.LineID, Reference: sh.Tracking})
		}
		f.State, f.ShippedAt, f.Lines = FulfillmentShipped, &now, shipped
		f.Carrier, f.Tracking, f.EstimatedDelivery = sh.Carrier, sh.Tracking, sh.EstimatedDelivery
		if err := tx.SaveFulfillment(ctx, f); err != nil {
			return nil, err
		}
		if len(remainder) > 0 {
			r := &Fulfillment{OrderID: f.OrderID, State: FulfillmentOpen, HoldUntil: f.HoldUntil, HoldReason: f.HoldReason, SplitFrom: f.ID, CreatedAt: now, Lines: remainder}
			if err := tx.InsertFulfillments(ctx, []*Fulfillment{r}); err != nil {
				return nil, err
			}
			if err := tx.LinkSplit(ctx, r.ID, f.ID); err != nil {
				return nil, err
			}
			f.RemainderID = r.ID
		}
		if err := tx.SaveLines(ctx, changed); err != nil {
			return nil, err
		}
		if err := tx.AppendMovements(ctx, moves); err != nil {
			return nil, err
		}
		all := map[string]bool{}
		for _, sku := range skus {
			all[sku] = true
		}
		if err := saveStock(ctx, tx, products, all); err != nil {
			return nil, err
		}
		e, err := NewEvent(now, f.OrderID, "", &OrderShippedPayload{FulfillmentID: f.ID, Carrier: f.Carrier, Tracking: f.Tracking, EstimatedDelivery: f.EstimatedDelivery, Lines: f.Lines, RemainderID: f.RemainderID})
		if err != nil {
			return nil, err
		}
		if err := tx.Emit(ctx, e); err != nil {
			return nil, err
		}
		if err := s.settlePayments(ctx, tx, now, []*Order{o}, map[string][]Payment{o.ID: ledger}, f.ID); err != nil {
			return nil, err
		}
		f.Status = f.DeriveStatus(now)
		return f, nil
	})
}

func heldNote(f *Fulfillment) string {
	if f.Status == FulfillmentHeld && f.HoldReason != "" {
		return " (" + f.HoldReason + ")"
	}
	if f.Status == FulfillmentHeld {
		return " before " + f.HoldUntil
	}
	return ""
}
