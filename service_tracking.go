package backorder

import (
	"context"
	"time"
)

// Tracking reports the tracking dashboard's figures (Track) from the waiting
// lines and their stored promise dates, in one snapshot.
func (s *Service) Tracking(ctx context.Context) (*Tracking, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Tracking, error) {
		days, err := tx.Backlog(ctx)
		if err != nil {
			return nil, err
		}
		by := ProjectionHorizon(today(now), TrackingDays)
		counts, err := tx.Promised(ctx, by)
		if err != nil {
			return nil, err
		}
		shop, _ := Project(counts, TrackingDays, by)
		return Track(days, shop, now), nil
	})
}
