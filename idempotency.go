package backorder

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Idempotency carries a request's Idempotency-Key and a hash of the request;
// the service sets Replayed when it answered from a stored outcome.
type Idempotency struct {
	Key      string
	Hash     string
	Replayed bool
}

// refusal reports whether err is the domain's answer to a request, one a
// retry of the same request would get again, rather than a fault.
func refusal(err error) bool {
	switch ErrorCode(err) {
	case ECONFLICT, EINVALID, ENOTFOUND, EREFUSED:
		return true
	}
	return false
}

// replay answers a request from its key's stored outcome rec, if there is
// one: the stored result into res, or the stored error into outErr, or a 422
// when the key came with another request. It reports whether it answered.
func replay[T any](rec *IdempotencyRecord, idem *Idempotency, res *T, outErr *error) (bool, error) {
	idem.Replayed = false
	switch {
	case rec == nil:
		return false, nil
	case rec.RequestHash != idem.Hash:
		*outErr = FieldErrorf(EIDEMPOTENCY, "Idempotency-Key", "Idempotency-Key %q was already used with a different request.", idem.Key)
	case rec.Error != nil:
		idem.Replayed = true
		*outErr = rec.Error
	default:
		idem.Replayed = true
		if err := json.Unmarshal(rec.Result, res); err != nil {
			return true, fmt.Errorf("decode idempotent result: %w", err)
		}
	}
	return true, nil
}

// idempotencyRecord is the stored outcome of a request: its result, or the
// refusal it committed (outErr, a *Error).
func idempotencyRecord(idem *Idempotency, now time.Time, res any, outErr error) (*IdempotencyRecord, error) {
	rec := &IdempotencyRecord{Key: idem.Key, RequestHash: idem.Hash, CreatedAt: now}
	if outErr != nil {
		rec.Error = AsError(outErr)
		return rec, nil
	}
	b, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode idempotent result: %w", err)
	}
	rec.Result = b
	return rec, nil
}

// IdempotencyRecord is the stored outcome of a request made with an
// Idempotency-Key: the result as JSON, or the error it ended with.
type IdempotencyRecord struct {
	Key         string    `json:"key"`
	RequestHash string    `json:"request_hash"`
	Result      []byte    `json:"result,omitempty"`
	Error       *Error    `json:"error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// keyRaced is the failure to store an Idempotency-Key's outcome because
// another writer stored one for the key after this transaction looked for
// it. The batch runs again and answers from the other writer's outcome.
type keyRaced struct{ err error }

func (k keyRaced) Error() string { return "idempotency key stored meanwhile: " + k.err.Error() }

// putOutcomes stores the outcomes of Idempotency-Keys; see keyRaced.
func putOutcomes(ctx context.Context, tx Tx, recs []*IdempotencyRecord) error {
	err := tx.PutIdempotencyRecords(ctx, recs)
	if ErrorCode(err) == ECONFLICT {
		return keyRaced{err}
	}
	return err
}
