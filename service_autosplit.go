package backorder

import (
	"context"
	"slices"
	"time"
)

// decideAtIntake takes the auto split decision of a new order under the
// auto policy, on the promise dates its lines have at intake, and makes it
// the order's split choice.
func decideAtIntake(o *Order, settings *Settings, now time.Time) {
	if o.SplitPolicy != SplitAuto {
		return
	}
	d := DecideSplit(o, settings.AutoSplit.Thresholds(), today(now))
	d.DecidedAt = now
	o.SplitChoice, o.SplitDecision = d.Choice, &d
}

// putDecisions stores the decisions intake took (decideAtIntake), once the
// orders are stored.
func putDecisions(ctx context.Context, tx Tx, orders []*Order) error {
	for _, o := range orders {
		if o.SplitDecision != nil {
			if err := tx.PutSplitDecision(ctx, o.ID, o.SplitDecision); err != nil {
				return err
			}
		}
	}
	return nil
}

// resplit takes again the auto split decision of the given orders, whose
// promise dates moved (redate): an order under the auto policy, not done,
// whose decision reads differently now gets it stored, its split choice
// follows, and units the new choice frees to ship become fulfillment
// requests at once.
func (s *Service) resplit(ctx context.Context, tx *writeTx, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	settings, err := tx.Settings(ctx)
	if err != nil {
		return err
	}
	t := settings.AutoSplit.Thresholds()
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// The lines are read through Lines, which locks them on a store that
	// locks rows: the write holds the lock of the SKU re-dated, not of the
	// order's other SKUs, whose lines may be written meanwhile.
	lines, err := tx.Lines(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		o, err := tx.Order(ctx, id)
		if err != nil {
			return err
		}
		o.Lines = lines[id]
		if o.SplitPolicy != SplitAuto {
			continue
		}
		if st := o.DeriveStatus(); st == OrderShipped || st == OrderCancelled {
			continue
		}
		d := DecideSplit(o, t, today(now))
		prev, err := tx.SplitDecision(ctx, id)
		if err != nil {
			return err
		}
		if SameDecision(prev, &d) && o.SplitChoice == d.Choice {
			continue
		}
		d.DecidedAt = now
		if err := tx.PutSplitDecision(ctx, id, &d); err != nil {
			return err
		}
		if o.SplitChoice == d.Choice {
			continue
		}
		if err := tx.SetSplitChoice(ctx, id, d.Choice); err != nil {
			return err
		}
		o.SplitChoice = d.Choice
		before := fulfillingOf(o.Lines)
		if fs := PlanFulfillment(o, now); len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return err
			}
			if err := tx.SaveLines(ctx, changedLines(o.Lines, before)); err != nil {
				return err
			}
		}
	}
	return nil
}

// withDecision attaches an order's stored auto split decision, if any.
func withDecision(ctx context.Context, tx Tx, o *Order) error {
	if o.SplitPolicy != SplitAuto {
		return nil
	}
	d, err := tx.SplitDecision(ctx, o.ID)
	o.SplitDecision = d
	return err
}
