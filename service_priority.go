package backorder

import (
	"context"
	"time"
)

// SetLinePriority raises a waiting line above the lines of its rank (the
// manual priority rule adds its weight to the line's score) or lowers it
// back, recording who (by) and why in the history and an event
// line.priority_changed, and re-dates the SKU's queue in the same
// transaction. Returns ENOTFOUND for an unknown order or line, EINVALID for
// a missing why, and ECONFLICT when the manual rule is off, the line has
// nothing waiting, or it is already as asked.
func (s *Service) SetLinePriority(ctx context.Context, orderID string, lineID int64, req *PriorityRequest, by string, idem *Idempotency) (*PriorityChange, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return writeOrder(ctx, s, orderID, idem, func(ctx context.Context, tx *writeTx, now time.Time, o *Order, skus []string) (*PriorityChange, error) {
		var line *Line
		for _, l := range o.Lines {
			if l.ID == lineID {
				line = l
			}
		}
		if line == nil {
			return nil, FieldErrorf(ENOTFOUND, "line_id", "Order %s has no line %d.", o.ID, lineID)
		}
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		raised, err := tx.RaisedLines(ctx, []int64{lineID})
		if err != nil {
			return nil, err
		}
		if err := PlanPriority(settings, line, raised[lineID], req); err != nil {
			return nil, err
		}
		c := &PriorityChange{At: now, OrderID: o.ID, LineID: lineID, SKU: line.SKU, Raised: req.Raised, By: by, Why: req.Why}
		if err := tx.InsertPriorityChange(ctx, c); err != nil {
			return nil, err
		}
		ev, err := NewEvent(now, o.ID, line.SKU, &LinePriorityChangedPayload{LineID: lineID, Raised: req.Raised, By: by, Why: req.Why})
		if err != nil {
			return nil, err
		}
		if err := tx.AppendEvents(ctx, []Event{ev}); err != nil {
			return nil, err
		}
		return c, s.redateSKUs(ctx, tx, []string{line.SKU}, true, now)
	})
}

// PriorityChanges returns the history of the priority of an order's lines,
// oldest first. Returns ENOTFOUND for an unknown order.
func (s *Service) PriorityChanges(ctx context.Context, orderID string) ([]PriorityChange, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]PriorityChange, error) {
		if _, err := tx.Order(ctx, orderID); err != nil {
			return nil, err
		}
		return tx.PriorityChanges(ctx, orderID)
	})
}

// waitingPage reads a SKU's queue page by page (Tx.WaitingLines), marking
// the lines an operator raised when the manual priority rule is on; with it
// off nothing more is read.
func waitingPage(ctx context.Context, tx Tx, s *Settings, sku string) QueuePage {
	return func(after QueueCursor, limit int) ([]QueueEntry, error) {
		es, err := tx.WaitingLines(ctx, QueueQuery{SKU: sku, After: after, Limit: limit})
		if err != nil || !s.Priority.Manual.Enabled || len(es) == 0 {
			return es, err
		}
		ids := make([]int64, len(es))
		for i := range es {
			ids[i] = es[i].Line.ID
		}
		raised, err := tx.RaisedLines(ctx, ids)
		if err != nil {
			return nil, err
		}
		for i := range es {
			es[i].Line.Raised = raised[es[i].Line.ID]
		}
		return es, nil
	}
}
