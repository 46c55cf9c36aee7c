package backorder

import (
	"context"
	"time"
)

// Write runs fn as one write of the group committer, with the Idempotency-Key
// handling every service write has, so tests can give it functions no
// service method has.
func Write(s *Service, skus []string, idem *Idempotency, fn func(ctx context.Context, tx Tx, now time.Time) (string, error)) (string, error) {
	return write(context.Background(), s, skus, idem, func(ctx context.Context, tx *writeTx, now time.Time) (string, error) {
		return fn(ctx, tx, now)
	})
}

// WriteTx is the service's view of a batch's transaction.
type WriteTx = writeTx

// NewWriteTx wraps tx as the committer does, holding back at most hold events.
func NewWriteTx(tx Tx, hold int) *WriteTx { return &writeTx{Tx: tx, hold: hold} }
