package backorder

import (
	"context"
	"time"
)

// Backorders lists the waiting lines of every SKU, oldest acceptance
// first, filtered (BackorderFilter), up to f.Limit of them after the
// filter's cursor. The priority class is the rules' (Settings.PriorityOf)
// at now, so the store reads on until the page fills or the lines end.
// Returns EINVALID for a bad field of the filter.
func (s *Service) Backorders(ctx context.Context, f BackorderFilter) ([]BackorderLine, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	limit := PageLimit(f.Limit)
	return read(ctx, s, func(tx Tx, now time.Time) ([]BackorderLine, error) {
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		q := f.Query(now, limit)
		out := []BackorderLine{}
		for len(out) < limit {
			es, err := tx.AllWaitingLines(ctx, q)
			if err != nil {
				return nil, err
			}
			if len(es) == 0 {
				break
			}
			for i := range es {
				p := settings.PriorityOf(&es[i], now)
				if InClass(p, f.Priority) && len(out) < limit {
					out = append(out, NewBackorderLine(&es[i], p, now))
				}
			}
			q.After = CursorOf(&es[len(es)-1])
		}
		return out, nil
	})
}
