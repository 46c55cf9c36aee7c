package http

import (
	"net/http"
	"sync"
	"time"

	"github.com/backorder/backorder"
)

// Bounds of one test clock advance.
const (
	maxAdvanceDays = 3650
	maxAdvance     = maxAdvanceDays * 24 * time.Hour
)

// clockNow is the reply of the test clock routes.
type clockNow struct {
	Now string `json:"now"`
}

// advanceRequest is the body of POST /v1/test-clock/advance: a Go duration
// such as "168h", or a number of days.
type advanceRequest struct {
	Duration string `json:"duration,omitempty"`
	Days     *int64 `json:"days,omitempty"`
}

func errNoTestClock() error {
	return backorder.Errorf(backorder.EUNAVAILABLE, "The test clock is off; start the server with --test-clock.")
}

// handleTestClockGet shows the test clock's time.
func handleTestClockGet(c *backorder.TestClock) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if c == nil {
			return errNoTestClock()
		}
		writeJSON(w, http.StatusOK, clockNow{Now: c.Now().Format(time.RFC3339Nano)})
		return nil
	}
}

// handleTestClockAdvance moves the test clock forward, then runs the
// time-based work that is due at the new time (Service.SweepStale). The clock lives in
// memory, not in the store, so this route keeps its own Idempotency-Key
// outcomes, in memory too: a retried advance moves the clock once.
func handleTestClockAdvance(svc *backorder.Service, c *backorder.TestClock) apiFunc {
	var mu sync.Mutex
	done := map[string]clockReplay{} // Idempotency-Key -> outcome
	return func(w http.ResponseWriter, r *http.Request) error {
		if c == nil {
			return errNoTestClock()
		}
		var req advanceRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		d, err := req.duration()
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if idem != nil {
			if prev, ok := done[idem.Key]; ok {
				if prev.hash != idem.Hash {
					return backorder.FieldErrorf(backorder.EIDEMPOTENCY, "Idempotency-Key", "Idempotency-Key %q was already used with a different request.", idem.Key)
				}
				w.Header().Set("Idempotent-Replayed", "true")
				writeJSON(w, http.StatusOK, prev.reply)
				return nil
			}
		}
		if err := c.Advance(d); err != nil {
			return err
		}
		reply := clockNow{Now: c.Now().Format(time.RFC3339Nano)}
		if idem != nil {
			if len(done) >= 10000 { // a test clock serves tests and demos; bound it all the same
				clear(done)
			}
			done[idem.Key] = clockReplay{hash: idem.Hash, reply: reply}
		}
		// The clock has moved (a retry with the key is a replay): a sweep
		// that fails is reported, and the next advance or sweep runs it again.
		if _, err := svc.SweepStale(r.Context()); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, reply)
		return nil
	}
}

// clockReplay is the stored outcome of an advance made with an Idempotency-Key.
type clockReplay struct {
	hash  string
	reply clockNow
}

// duration returns the advance the request asks for.
func (a *advanceRequest) duration() (time.Duration, error) {
	switch {
	case a.Duration != "" && a.Days != nil:
		return 0, backorder.FieldErrorf(backorder.EINVALID, "days", "Give either duration or days, not both.")
	case a.Days != nil:
		if *a.Days < 0 || *a.Days > maxAdvanceDays {
			return 0, backorder.FieldErrorf(backorder.EINVALID, "days", "Days must be between 0 and %d.", maxAdvanceDays)
		}
		return time.Duration(*a.Days) * 24 * time.Hour, nil
	case a.Duration != "":
		d, err := time.ParseDuration(a.Duration)
		if err != nil {
			return 0, backorder.FieldErrorf(backorder.EINVALID, "duration", "Duration must be a Go duration such as \"168h\" or \"90m\".")
		} else if d < 0 || d > maxAdvance {
			return 0, backorder.FieldErrorf(backorder.EINVALID, "duration", "Duration must be between 0 and %s (%d days).", maxAdvance, maxAdvanceDays)
		}
		return d, nil
	}
	return 0, backorder.FieldErrorf(backorder.EINVALID, "duration", "Duration is required, such as \"168h\"; or give days.")
}
