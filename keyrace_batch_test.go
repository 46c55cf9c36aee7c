package backorder_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
)

// TestWrite_KeyInTwoRunsOfOneBatch: two runs of order requests in one batch,
// apart by another write, share an Idempotency-Key (the second a client's
// retry of the first). The second run must see the outcome the first stored
// in the same transaction; a read made before the batch ran would not, and
// the batch ran again and again until every write in it failed.
func TestWrite_KeyInTwoRunsOfOneBatch(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := backorder.NewService(backorder.Config{Store: db})
	defer svc.Close()
	ctx := context.Background()
	no := false
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: "S", Name: "S", PriceCents: 100, Currency: "USD", Status: backorder.StatusActive,
		Policy: backorder.Policy{AcceptBackorders: &no}}); err != nil {
		t.Fatal(err)
	}
	// Hold the committer so that what follows queues into one batch.
	release, started := make(chan struct{}), make(chan struct{})
	go backorder.Write(svc, []string{"S"}, nil, func(ctx context.Context, tx backorder.Tx, now time.Time) (string, error) {
		close(started)
		<-release
		return "", nil
	})
	<-started
	waitQueued := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for svc.CommitStats().Queued < n {
			if time.Now().After(deadline) {
				t.Fatalf("queued=%d, want %d", svc.CommitStats().Queued, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	order := func(id string) *backorder.OrderRequest {
		return &backorder.OrderRequest{ID: id, Customer: backorder.Customer{ID: "c", Email: "c@example.com", Name: "C"},
			Lines: []backorder.LineRequest{{SKU: "S", Quantity: 1}}, Shipping: backorder.ShippingStandard}
	}
	errs := map[string]chan error{}
	place := func(name, id, key string) {
		ch := make(chan error, 1)
		errs[name] = ch
		go func() {
			_, err := svc.PlaceOrder(ctx, order(id), &backorder.Idempotency{Key: key, Hash: "h-" + id})
			ch <- err
		}()
	}
	place("A", "o1", "K") // refused: S takes no backorders
	waitQueued(1)
	place("C", "o2", "K2")
	waitQueued(2)
	other := make(chan error, 1)
	go func() {
		_, err := backorder.Write(svc, []string{"S"}, nil, func(ctx context.Context, tx backorder.Tx, now time.Time) (string, error) { return "", nil })
		other <- err
	}()
	waitQueued(3)
	place("B", "o1", "K") // the client's retry of A
	waitQueued(4)
	place("D", "o3", "K3")
	waitQueued(5)
	close(release)
	for _, name := range []string{"A", "B", "C", "D"} {
		if err := <-errs[name]; backorder.ErrorCode(err) != backorder.EREFUSED {
			t.Errorf("%s: err=%v, want the refusal", name, err)
		}
	}
	if err := <-other; err != nil {
		t.Errorf("the other write: %v", err)
	}
	if st := svc.CommitStats(); st.KeyRaces != 0 {
		t.Errorf("key races=%d, want 0: nobody else wrote the key", st.KeyRaces)
	}
}
