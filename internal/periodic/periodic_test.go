package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backorder/backorder/internal/periodic"
)

// TestRunner_RunsAndCloses: the function runs at once and again on the
// interval; Close ends the run's context, returns only after the run in
// progress has ended, and nothing runs after it.
func TestRunner_RunsAndCloses(t *testing.T) {
	var runs atomic.Int64
	second := make(chan struct{})
	var ended atomic.Bool
	r := periodic.Start(context.Background(), time.Millisecond, func(ctx context.Context) {
		if runs.Add(1) == 2 {
			close(second)
			<-ctx.Done() // a run in progress when Close is called
			ended.Store(true)
		}
	})
	<-second
	r.Close()
	if !ended.Load() {
		t.Fatal("Close returned before the run ended")
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("runs=%d, want 2 (none after Close)", n)
	}
}

// TestRunner_StopsWithContext: ending the parent context stops the runner;
// Close still returns.
func TestRunner_StopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{}, 1)
	r := periodic.Start(ctx, time.Hour, func(ctx context.Context) {
		select {
		case ran <- struct{}{}:
		default:
		}
	})
	<-ran
	cancel()
	r.Close()
}
