package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// walPeak writes 800 transactions of 12 KB while four readers keep
// overlapping read transactions open, with the background checkpoint every
// 5 ms starting the WAL again past restartFrames, and returns the largest
// the WAL file grew to, in frames of 4 KiB.
func walPeak(t *testing.T, restartFrames int) int64 {
	path := filepath.Join(t.TempDir(), "wal.db")
	db, err := open(path, 5*time.Millisecond, restartFrames)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for !stop.Load() {
				tx, err := db.read.Begin()
				if err != nil {
					t.Error(err)
					return
				}
				var n int
				if err := tx.QueryRow(`SELECT count(*) FROM meta`).Scan(&n); err != nil {
					t.Error(err)
				}
				time.Sleep(time.Millisecond)
				tx.Rollback()
			}
		})
	}
	var peak int64
	value := strings.Repeat("x", 12000)
	for i := range 800 {
		if _, err := db.write.Exec(`INSERT INTO meta (key, value) VALUES (?, ?)`, fmt.Sprintf("k%06d", i), value); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			peak = max(peak, fi.Size()/4096)
		}
	}
	stop.Store(true)
	wg.Wait()
	return peak
}

// TestCheckpoint_WALBounded: under writes and ever-overlapping reads the WAL
// of a PASSIVE-only checkpoint grows with every write, which is what the
// first figure shows; the background checkpoint's RESTART past its bound
// keeps it to a fraction of that.
func TestCheckpoint_WALBounded(t *testing.T) {
	unbounded := walPeak(t, 1<<30)
	bounded := walPeak(t, 200)
	t.Logf("WAL peak: %d frames with PASSIVE checkpoints only, %d restarting past 200 frames", unbounded, bounded)
	if unbounded < 2000 {
		t.Fatalf("the readers did not starve the PASSIVE checkpoints: the WAL peaked at %d frames for 800 writes", unbounded)
	}
	if bounded > unbounded/4 {
		t.Fatalf("WAL peaked at %d frames restarting past 200, against %d without", bounded, unbounded)
	}
}
