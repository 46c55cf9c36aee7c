package backorder

import (
	"context"
	"time"
)

// Settings returns the shop settings.
func (s *Service) Settings(ctx context.Context) (*Settings, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Settings, error) {
		set, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		set.Promises = set.Promises.Filled() // settings stored before promises were
		set.Notifications = set.Notifications.Filled()
		set.fillEnd()
		return set, nil
	})
}

// PutSettings replaces the shop settings. Returns EINVALID for a bad field.
func (s *Service) PutSettings(ctx context.Context, in *Settings) (*Settings, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	in.Promises = in.Promises.Filled()
	in.Notifications = in.Notifications.Filled()
	in.fillEnd()
	// The priority rules order every queue and the margins date it: the SKUs with waiting lines
	// are re-dated under their locks. A SKU whose first line waits from
	// after this read is dated by intake under the new settings.
	counts, err := read(ctx, s, func(tx Tx, now time.Time) ([]PromiseCount, error) { return tx.Promised(ctx, "") })
	if err != nil {
		return nil, err
	}
	skus := make([]string, len(counts))
	for i, c := range counts {
		skus[i] = c.SKU
	}
	return write(ctx, s, skus, nil, func(ctx context.Context, tx *writeTx, now time.Time) (*Settings, error) {
		if err := tx.PutSettings(ctx, in); err != nil {
			return nil, err
		}
		return in, s.redateSKUs(ctx, tx, skus, true, now)
	})
}

// Meta and SetMeta read and write small named values, such as the admin token hash.
func (s *Service) Meta(ctx context.Context, key string) (string, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (string, error) { return tx.Meta(ctx, key) })
}

// SetMeta writes a small named value.
func (s *Service) SetMeta(ctx context.Context, key, value string) error {
	_, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (struct{}, error) {
		return struct{}{}, tx.SetMeta(ctx, key, value)
	})
	return err
}

// AddMeta stores a small named value unless one is stored already, and
// returns the value stored: value, or the one another writer stored first.
func (s *Service) AddMeta(ctx context.Context, key, value string) (string, error) {
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (string, error) {
		return tx.AddMeta(ctx, key, value)
	})
}
