package backorder

import (
	"sync"
	"time"
)

// Clock tells the time. Domain code never calls time.Now: it is handed a Clock,
// so tests and demos can move days forward.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// TestClock is a clock that runs with the wall clock but can be moved forward,
// in the manner of Stripe's test clocks. It never moves backward.
type TestClock struct {
	mu     sync.Mutex
	offset time.Duration
	base   func() time.Time
}

// NewTestClock returns a TestClock at the wall clock's time. base may be nil.
func NewTestClock(base func() time.Time) *TestClock {
	if base == nil {
		base = func() time.Time { return time.Now().UTC() }
	}
	return &TestClock{base: base}
}

// Now returns the wall time plus every advance so far.
func (c *TestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base().Add(c.offset).UTC()
}

// Advance moves the clock forward by d. A negative d is refused.
func (c *TestClock) Advance(d time.Duration) error {
	if d < 0 {
		return FieldErrorf(EINVALID, "duration", "Duration must not be negative.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return nil
}

// FixedClock is a clock that stands still until moved; for tests.
type FixedClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewFixedClock returns a clock stopped at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t.UTC()} }

// Now returns the clock's time.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock by d.
func (c *FixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
