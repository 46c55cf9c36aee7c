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
		from := today.AddDate(0, 0, 1-days)
		rows, err := tx.DailyMetrics(ctx, MetricRange{From: from.Format(DateLayout), To: today.Format(DateLayout)})
		if err != nil {
			return nil, err
		}
		byDay := map[string][]MetricDay{}
		for _, r := range rows {
			byDay[r.Day] = append(byDay[r.Day], r)
		}
		out := make([]TrendDay, 0, days)
		for i := range days {
			day := from.AddDate(0, 0, i).Format(DateLayout)
			out = append(out, TrendOf(day, byDay[day]))
		}
		return out, nil
	})
}
