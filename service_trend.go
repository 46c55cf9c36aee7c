package backorder

import (
	"context"
	"time"
)

// BackorderTrend reads the shop's backorder trend of the last days days,
// today last, one entry per day (days without orders included), from the
// metrics aggregates. Returns EINVALID for days outside 1..TrendDays.
func (s *Service) BackorderTrend(ctx context.Context, days int) ([]TrendDay, error) {
	if days < 1 || days > TrendDays {
		return nil, FieldErrorf(EINVALID, "days", "Days must be between 1 and %d.", TrendDays)
	}
	return read(ctx, s, func(tx Tx, now time.Time) ([]TrendDay, error) {
		today := now.UTC().Truncate(24 * time.Hour)
		out := make([]TrendDay, 0, days)
		for i := days - 1; i >= 0; i-- {
			day := today.AddDate(0, 0, -i).Format(DateLayout)
			rows, err := tx.MetricDays(ctx, MetricRange{From: day, To: day})
			if err != nil {
				return nil, err
			}
			out = append(out, TrendOf(day, rows))
		}
		return out, nil
	})
}
