package backorder_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
)

// TestWrite_RefusalAfterWrites gives the committer keyed writes that write a
// movement and an event and then refuse, mixed with keyed writes that
// succeed, alone and in batches: every refusal is stored under its key and
// replayed, none of its writes or events survive, and every success keeps
// its own.
func TestWrite_RefusalAfterWrites(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := backorder.NewService(backorder.Config{Store: db})
	defer svc.Close()
	ctx := context.Background()

	run := func(i int) (*backorder.Idempotency, error) {
		refuse := i%2 == 1
		idem := &backorder.Idempotency{Key: fmt.Sprint("key-", i), Hash: "h"}
		_, err := backorder.Write(svc, []string{"W"}, idem, func(ctx context.Context, tx backorder.Tx, now time.Time) (string, error) {
			kind := "test.kept"
			if refuse {
				kind = "test.undone"
			}
			if err := tx.AppendMovements(ctx, []backorder.Movement{{At: now, Kind: backorder.MoveReceipt, SKU: "W", Quantity: 1, Reference: kind}}); err != nil {
				return "", err
			}
			if err := tx.AppendEvents(ctx, []backorder.Event{{At: now, Kind: kind, SKU: "W"}}); err != nil {
				return "", err
			}
			if refuse {
				return "", backorder.FieldErrorf(backorder.EINVALID, "w", "Refused after writing.")
			}
			return "ok", nil
		})
		return idem, err
	}
	check := func(i int, idem *backorder.Idempotency, err error, replay bool) {
		t.Helper()
		want := ""
		if i%2 == 1 {
			want = backorder.EINVALID
		}
		if got := backorder.ErrorCode(err); got != want || idem.Replayed != replay {
			t.Fatalf("write %d: code %q replayed %v, want %q replayed %v", i, got, idem.Replayed, want, replay)
		}
	}

	// Alone: a batch of one runs without a savepoint of the committer's.
	for i := range 2 {
		idem, err := run(i)
		check(i, idem, err, false)
	}
	// Together: the committer batches what queues while it commits.
	const n = 64
	var wg sync.WaitGroup
	idems, errs := make([]*backorder.Idempotency, n), make([]error, n)
	for i := 2; i < n; i++ {
		wg.Go(func() { idems[i], errs[i] = run(i) })
	}
	wg.Wait()
	for i := 2; i < n; i++ {
		check(i, idems[i], errs[i], false)
	}
	if st := svc.CommitStats(); st.Batches >= st.Writes {
		t.Fatalf("no two writes shared a batch (%+v): the batched case went untested", st)
	}
	for i := range n {
		idem, err := run(i)
		check(i, idem, err, true)
	}

	moves, err := svc.Movements(ctx, backorder.MovementFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	events, err := svc.Events(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, m := range moves {
		count["movement "+m.Reference]++
	}
	for _, e := range events {
		count["event "+e.Kind]++
	}
	want := map[string]int{"movement test.kept": n / 2, "event test.kept": n / 2}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Fatalf("stored %v, want %v", count, want)
	}
}
