package backorder

import (
	"context"
	"time"
)

// ReviewFilter selects a page of the review list: after a next_cursor
// (ReviewCursor), Limit items.
type ReviewFilter struct {
	After string
	Limit int
}

// Review lists the waiting lines the stale policy finds stale at the store
// clock's now, oldest first (acceptance time, then line ID), each with its
// age, value, promise date, supplier and why it is listed. Nothing is
// listed while the policy is off. Returns EINVALID (field "after") for a
// bad cursor.
func (s *Service) Review(ctx context.Context, f ReviewFilter) ([]ReviewItem, error) {
	after, err := ParseReviewCursor(f.After)
	if err != nil {
		return nil, err
	}
	limit := PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]ReviewItem, error) {
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		return staleItems(ctx, tx, settings.Stale, now, after, limit)
	})
}

// staleItems reads up to limit stale lines after the cursor, oldest first.
// The store reads the lines accepted before the later cutoff; the rule
// (StaleReason) keeps the stale ones.
func staleItems(ctx context.Context, tx Tx, st StaleSettings, now time.Time, after ReviewCursor, limit int) ([]ReviewItem, error) {
	out := []ReviewItem{}
	if !st.On() {
		return out, nil
	}
	c := st.Cutoffs(now)
	for len(out) < limit {
		page, err := tx.StaleLines(ctx, StaleQuery{Before: c.Latest(), After: after, Limit: readPage})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, sl := range page {
			after = ReviewCursor{AcceptedAt: sl.AcceptedAt, LineID: sl.Line.ID}
			if reason := StaleReason(sl.Line, sl.AcceptedAt, c); reason != "" {
				out = append(out, ReviewItemOf(sl, reason, now))
				if len(out) == limit {
					break
				}
			}
		}
	}
	return out, nil
}

// StaleSweep is what one sweep of the stale policy did: the orders and
// lines whose waiting units it cancelled.
type StaleSweep struct {
	Orders int `json:"orders"`
	Lines  int `json:"lines"`
}

// maxSweepOrders bounds the orders one sweep cancels; the next sweep goes on.
const maxSweepOrders = 1000

// SweepStale applies the stale policy at the store clock's now when its
// action is cancel: the waiting units of every stale line are cancelled,
// order by order, oldest first, through CancelOrder with the reason code
// stale (so cancellation events and everything that follows them happen
// as for any cancellation). What is stale is computed from stored
// acceptance times and promise dates, so a sweep after a restart finds
// what the last one left. With the review action, or the policy off, it
// does nothing: the review list is read as it is asked for.
func (s *Service) SweepStale(ctx context.Context) (StaleSweep, error) {
	var res StaleSweep
	items, err := read(ctx, s, func(tx Tx, now time.Time) ([]ReviewItem, error) {
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		if settings.Stale.EffectiveAction() != StaleCancel {
			return nil, nil
		}
		return staleItems(ctx, tx, settings.Stale, now, ReviewCursor{}, maxSweepOrders*4)
	})
	if err != nil || len(items) == 0 {
		return res, err
	}
	ids, reqs := StaleCancels(items)
	for _, id := range ids[:min(len(ids), maxSweepOrders)] {
		req := reqs[id]
		req.waitingOnly = true
		if _, err := s.CancelOrder(ctx, id, req, nil); err != nil {
			switch ErrorCode(err) {
			case ECONFLICT, ENOTFOUND:
				continue // changed meanwhile: the next sweep sees it as it is
			}
			return res, err
		}
		res.Orders++
		res.Lines += len(req.Lines)
	}
	return res, nil
}
