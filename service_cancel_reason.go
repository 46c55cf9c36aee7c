package backorder

import (
	"context"
	"time"
)

// CancellationReport reports the cancellations recorded at or after from
// and before to, by reason code and by SKU, from the records each
// cancellation stores (Tx.CancellationSums). Returns EINVALID naming the
// field for a bad window (ReportWindow).
func (s *Service) CancellationReport(ctx context.Context, from, to time.Time) (*CancellationReport, error) {
	if err := ReportWindow(from, to); err != nil {
		return nil, err
	}
	return read(ctx, s, func(tx Tx, now time.Time) (*CancellationReport, error) {
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		sums, err := tx.CancellationSums(ctx, from, to)
		if err != nil {
			return nil, err
		}
		return BuildCancellationReport(from.UTC(), to.UTC(), sums, settings.CancelReasonCodes()), nil
	})
}
