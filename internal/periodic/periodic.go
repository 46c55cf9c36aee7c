// Package periodic runs a function at an interval in one goroutine, until
// it is closed: the background work of a server, such as the stale
// backorder sweep. It knows nothing of orders.
package periodic

import (
	"context"
	"sync"
	"time"
)

// Runner runs one function periodically. Close stops it and waits for a run
// in progress to end.
type Runner struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start runs fn now and then every interval, in a goroutine, until ctx ends
// or Close is called. fn receives a context that ends with the runner.
func Start(ctx context.Context, interval time.Duration, fn func(ctx context.Context)) *Runner {
	ctx, cancel := context.WithCancel(ctx)
	r := &Runner{cancel: cancel}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			fn(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if ctx.Err() != nil { // both were ready: stopping wins
					return
				}
			}
		}
	}()
	return r
}

// Close stops the runner and waits until its goroutine has returned.
func (r *Runner) Close() {
	r.cancel()
	r.wg.Wait()
}
