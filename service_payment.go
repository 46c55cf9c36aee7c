package backorder

import (
	"context"
	"time"
)

// settlePayments brings the payment ledgers of orders whose lines changed
// back to the balance equation (PlanPayments): it appends the requests, emits
// one payment event per request, and keeps when an authorization still
// holding some was last asked for. ledgers holds each order's entries (none
// for a new order); fulfillmentID is the shipment a capture at ship is for.
func (s *Service) settlePayments(ctx context.Context, tx *writeTx, now time.Time, orders []*Order, ledgers map[string][]Payment, fulfillmentID int64) error {
	var all []Payment
	for _, o := range orders {
		all = append(all, PlanPayments(o.ID, o.Lines, ledgers[o.ID], fulfillmentID, now)...)
	}
	if len(all) == 0 {
		return nil
	}
	if err := tx.InsertPayments(ctx, all); err != nil {
		return err
	}
	planned := map[string][]Payment{}
	for _, p := range all {
		e, err := paymentEvent(p, time.Time{})
		if err != nil {
			return err
		}
		if err := tx.Emit(ctx, e); err != nil {
			return err
		}
		planned[p.OrderID] = append(planned[p.OrderID], p)
	}
	for _, o := range orders {
		if !touchesAuthorization(planned[o.ID]) {
			continue
		}
		at, _ := AuthorizedAt(o.Lines, append(ledgers[o.ID], planned[o.ID]...))
		if err := tx.SetAuthorizedAt(ctx, o.ID, at); err != nil {
			return err
		}
	}
	return nil
}

// touchesAuthorization reports whether requests change what an
// authorization holds.
func touchesAuthorization(ps []Payment) bool {
	for _, p := range ps {
		if p.Timing == PaymentAtShip && p.Kind != PaymentRefund {
			return true
		}
	}
	return false
}

// Payments returns an order's payment ledger with its balances. Returns
// ENOTFOUND for an unknown order.
func (s *Service) Payments(ctx context.Context, orderID string) (*PaymentLedger, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*PaymentLedger, error) {
		o, err := tx.Order(ctx, orderID)
		if err != nil {
			return nil, err
		}
		ps, err := tx.Payments(ctx, orderID)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		return paymentLedger(o, ps, settings), nil
	})
}

func paymentLedger(o *Order, ps []Payment, settings *Settings) *PaymentLedger {
	if ps == nil {
		ps = []Payment{}
	}
	l := &PaymentLedger{OrderID: o.ID, Payments: ps, Balances: PaymentBalances(o.Lines, ps), CaptureFailed: CaptureFailed(ps)}
	if at, ok := AuthorizedAt(o.Lines, ps); ok {
		due := at.Add(settings.Payments.AuthorizationValidity())
		l.AuthorizationDue = &due
	}
	return l
}

// RecordPayment records what the payment system reports it did for an
// order, once per reference: the same reference again with the same content
// has no second effect, and with other content is ECONFLICT. A failed capture
// holds the order's open fulfillment requests (HoldPaymentFailed) and a
// succeeded one lifts that hold. Returns ENOTFOUND for an unknown order and
// EINVALID for a bad field.
func (s *Service) RecordPayment(ctx context.Context, orderID string, in *PaymentOutcome, idem *Idempotency) (*PaymentLedger, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return writeOrder(ctx, s, orderID, idem, func(ctx context.Context, tx *writeTx, now time.Time, o *Order, skus []string) (*PaymentLedger, error) {
		ps, err := tx.Payments(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		p, err := in.Entry(o.ID, o.Lines, now)
		if err != nil {
			return nil, err
		}
		for _, q := range ps {
			if q.Reference != p.Reference {
				continue
			}
			if !SameOutcome(q, p) {
				return nil, FieldErrorf(ECONFLICT, "reference", "Reference %q was reported already with other content (%s %s of %d).", p.Reference, q.Kind, q.Status, q.Amount)
			}
			return paymentLedger(o, ps, settings), nil
		}
		if p.FulfillmentID != 0 {
			f, err := tx.Fulfillment(ctx, p.FulfillmentID)
			if ErrorCode(err) == ENOTFOUND || (err == nil && f.OrderID != o.ID) {
				return nil, FieldErrorf(EINVALID, "fulfillment_id", "Order %s has no fulfillment %d.", o.ID, p.FulfillmentID)
			} else if err != nil {
				return nil, err
			}
		}
		ins := []Payment{p}
		if err := tx.InsertPayments(ctx, ins); err != nil {
			return nil, err
		}
		ps = append(ps, ins[0])
		if p.Kind == PaymentCapture {
			if err := holdForPayment(ctx, tx, o.ID, CaptureFailed(ps)); err != nil {
				return nil, err
			}
		}
		return paymentLedger(o, ps, settings), nil
	})
}

// holdForPayment holds an order's open fulfillment requests for a failed
// capture, or lifts that hold.
func holdForPayment(ctx context.Context, tx Tx, orderID string, failed bool) error {
	open, err := openFulfillments(ctx, tx, orderID)
	if err != nil {
		return err
	}
	var changed []*Fulfillment
	for _, f := range open {
		switch {
		case failed && f.HoldReason == "":
			f.HoldReason = HoldPaymentFailed
		case !failed && f.HoldReason == HoldPaymentFailed:
			f.HoldReason = ""
		default:
			continue
		}
		changed = append(changed, f)
	}
	if len(changed) == 0 {
		return nil
	}
	return tx.SaveHoldReasons(ctx, changed)
}

// sweepPage is how many orders one pass of the authorization sweep reads.
const sweepPage = 100

// SweepAuthorizations asks for a re-authorization of every authorization
// that has lapsed by now on the service's clock (asked for a validity or
// longer ago, PaymentSettings) and still holds some, and returns how many
// orders it asked for. It reads what is stored, so it picks up after a
// restart; serve runs it periodically.
func (s *Service) SweepAuthorizations(ctx context.Context) (int, error) {
	n := 0
	seen := map[string]bool{}
	for {
		ids, err := read(ctx, s, func(tx Tx, now time.Time) ([]string, error) {
			settings, err := tx.Settings(ctx)
			if err != nil {
				return nil, err
			}
			return tx.AuthorizedThrough(ctx, now.Add(-settings.Payments.AuthorizationValidity()), sweepPage)
		})
		if err != nil {
			return n, err
		}
		progress := false
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id], progress = true, true
			asked, err := s.reauthorize(ctx, id)
			if err != nil {
				return n, err
			}
			if asked {
				n++
			}
		}
		if !progress || len(ids) < sweepPage {
			return n, nil
		}
	}
}

// reauthorize asks for the re-authorization of an order's lapsed
// authorizations, if any still are, and records when it asked.
func (s *Service) reauthorize(ctx context.Context, id string) (bool, error) {
	return writeOrder(ctx, s, id, nil, func(ctx context.Context, tx *writeTx, now time.Time, o *Order, skus []string) (bool, error) {
		ps, err := tx.Payments(ctx, o.ID)
		if err != nil {
			return false, err
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return false, err
		}
		plan := PlanReauthorization(o.ID, o.Lines, ps, settings.Payments.AuthorizationValidity(), now)
		if len(plan) > 0 {
			if err := tx.InsertPayments(ctx, plan); err != nil {
				return false, err
			}
			for _, p := range plan {
				e, err := paymentEvent(p, authorizedAt(ps, p.Currency))
				if err != nil {
					return false, err
				}
				if err := tx.Emit(ctx, e); err != nil {
					return false, err
				}
			}
		}
		at, _ := AuthorizedAt(o.Lines, append(ps, plan...))
		return len(plan) > 0, tx.SetAuthorizedAt(ctx, o.ID, at)
	})
}
