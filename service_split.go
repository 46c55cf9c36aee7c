package backorder

import (
	"context"
	"time"
)

// ChooseSplit records the customer's choice of how an order with the
// customer_choice split policy ships: ship_available or ship_complete. Units
// the choice frees to ship become fulfillment requests at once. Returns
// EINVALID for another choice, ENOTFOUND for an unknown order, and ECONFLICT
// when the order's policy leaves no choice or nothing is open.
func (s *Service) ChooseSplit(ctx context.Context, id, choice string, idem *Idempotency) (*Order, error) {
	if choice != SplitShipAvailable && choice != SplitShipComplete {
		return nil, FieldErrorf(EINVALID, "choice", "Choice must be ship_available or ship_complete.")
	}
	return writeOrder(ctx, s, id, idem, func(ctx context.Context, tx *writeTx, now time.Time, o *Order, skus []string) (*Order, error) {
		if o.SplitPolicy != SplitCustomerChoice {
			return nil, FieldErrorf(ECONFLICT, "choice", "Order %s ships by the policy %s; it has no split choice.", o.ID, o.SplitPolicy)
		}
		if st := o.DeriveStatus(); st == OrderShipped || st == OrderCancelled {
			return nil, Errorf(ECONFLICT, "Order %s is %s; nothing is left to ship.", o.ID, st)
		}
		if err := tx.SetSplitChoice(ctx, o.ID, choice); err != nil {
			return nil, err
		}
		o.SplitChoice = choice
		before := fulfillingOf(o.Lines)
		fs := PlanFulfillment(o, now)
		if len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return nil, err
			}
			if err := tx.SaveLines(ctx, changedLines(o.Lines, before)); err != nil {
				return nil, err
			}
		}
		o.Derive()
		if len(fs) > 0 {
			e, err := NewEvent(now, o.ID, "", &OrderSplitChosenPayload{Choice: choice, Status: o.Status, FulfillmentIDs: fulfillmentIDs(fs)})
			if err != nil {
				return nil, err
			}
			if err := tx.Emit(ctx, e); err != nil {
				return nil, err
			}
		}
		return o, nil
	})
}
