package backorder_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestClassBudgets(t *testing.T) {
	tests := []struct {
		name      string
		available int64
		waiting   map[int]int64
		want      []backorder.ClassBudget
	}{
		{"FIFOOnly", 5, map[int]int64{0: 8}, []backorder.ClassBudget{{0, 5}}},
		{"HigherFirstWhole", 5, map[int]int64{0: 8, 10: 3}, []backorder.ClassBudget{{10, 3}, {0, 2}}},
		{"ExactlyOneClass", 3, map[int]int64{0: 8, 10: 3}, []backorder.ClassBudget{{10, 3}}},
		{"MoreThanWaits", 50, map[int]int64{0: 8, 10: 3, 5: 1}, []backorder.ClassBudget{{10, 3}, {5, 1}, {0, 8}}},
		{"Nothing", 0, map[int]int64{0: 8}, nil},
		{"NoQueue", 5, map[int]int64{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := backorder.ClassBudgets(tt.available, tt.waiting); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ClassBudgets=%v, want %v", got, tt.want)
			}
		})
	}
}

// memQueue is a SKU's queue in memory, read page by page in FIFO order as a
// store reads it; lines whose units are all allocated leave it.
type memQueue struct {
	entries []backorder.QueueEntry // FIFO order
	reads   int
}

func (q *memQueue) page(after backorder.QueueCursor, limit int) ([]backorder.QueueEntry, error) {
	q.reads++
	var out []backorder.QueueEntry
	for _, e := range q.entries {
		c := backorder.CursorOf(&e)
		if e.Line.Backordered <= 0 || !cursorBefore(after, c) {
			continue
		}
		out = append(out, e)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

func cursorBefore(a, b backorder.QueueCursor) bool {
	if !a.AcceptedAt.Equal(b.AcceptedAt) {
		return a.AcceptedAt.Before(b.AcceptedAt)
	}
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	return a.LineID < b.LineID
}

// randomQueue is n waiting lines of random size, some VIP, some expedited,
// some with a need-by date, accepted over a few days (some at one instant).
func randomQueue(r *rand.Rand, n int) []backorder.QueueEntry {
	q := make([]backorder.QueueEntry, n)
	for i := range q {
		at := day0.Add(time.Duration(r.IntN(n/2+1)) * time.Hour)
		e := waiting(fmt.Sprint("O", i), int64(i+1), int64(i+1), 1+r.Int64N(5), at)
		e.Order.Customer.VIP = r.IntN(5) == 0
		if r.IntN(4) == 0 {
			e.Order.Shipping = backorder.ShippingExpedited
		}
		if r.IntN(6) == 0 {
			e.Order.NeedBy = day0.AddDate(0, 0, r.IntN(10)).Format(backorder.DateLayout)
		}
		q[i] = e
	}
	return q
}

func cloneQueue(q []backorder.QueueEntry) []backorder.QueueEntry {
	out := make([]backorder.QueueEntry, len(q))
	for i, e := range q {
		o, l := *e.Order, *e.Line
		out[i] = backorder.QueueEntry{Order: &o, Line: &l}
	}
	return out
}

// TestFillQueue: filling page by page gives exactly what Allocate gives on
// the whole queue, in the same order, whatever the page size, with priority
// rules off and on.
func TestFillQueue(t *testing.T) {
	settings := map[string]backorder.Settings{"FIFO": backorder.DefaultSettings()}
	prio := backorder.DefaultSettings()
	prio.Priority.VIP = backorder.PriorityRule{Enabled: true, Weight: 10}
	prio.Priority.Expedited = backorder.PriorityRule{Enabled: true, Weight: 5}
	prio.Priority.NeedBy = backorder.PriorityRule{Enabled: true, Weight: 3, WithinDays: 3}
	settings["Priority"] = prio
	for name, s := range settings {
		t.Run(name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for run := range 300 {
				n := 1 + r.IntN(40)
				queue := randomQueue(r, n)
				available := r.Int64N(int64(3*n) + 2)
				pageSize := 1 + r.IntN(n+2)

				want := backorder.Allocate(available, cloneQueue(queue), &s, day0)

				fifo := cloneQueue(queue)
				slices.SortFunc(fifo, func(a, b backorder.QueueEntry) int {
					if cursorBefore(backorder.CursorOf(&a), backorder.CursorOf(&b)) {
						return -1
					}
					return 1
				})
				mq := &memQueue{entries: fifo}
				var got []backorder.Allocation
				total, err := backorder.FillQueue(available, &s, day0, pageSize, mq.page, func(as []backorder.Allocation, es []backorder.QueueEntry) error {
					for i, a := range as {
						es[i].Line.Backordered -= a.Quantity // as the store saves it
						es[i].Line.Allocated += a.Quantity
					}
					got = append(got, as...)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Fatalf("run %d (n=%d, available=%d, page=%d):\n got %v\nwant %v", run, n, available, pageSize, got, want)
				}
				var sum int64
				for _, a := range want {
					sum += a.Quantity
				}
				if total != sum {
					t.Fatalf("run %d: total=%d, want %d", run, total, sum)
				}
			}
		})
	}
}

// TestFillQueue_ReadsOnlyWhatItFills: with every priority rule off, a small
// fill of a long queue reads one page, not the queue.
func TestFillQueue_ReadsOnlyWhatItFills(t *testing.T) {
	s := backorder.DefaultSettings()
	var q []backorder.QueueEntry
	for i := range 1000 {
		q = append(q, waiting(fmt.Sprint("O", i), int64(i+1), int64(i+1), 1, day0.Add(time.Duration(i)*time.Minute)))
	}
	mq := &memQueue{entries: q}
	total, err := backorder.FillQueue(5, &s, day0, 100, mq.page, func([]backorder.Allocation, []backorder.QueueEntry) error { return nil })
	if err != nil {
		t.Fatal(err)
	} else if total != 5 || mq.reads != 1 {
		t.Fatalf("total=%d reads=%d, want 5 and 1", total, mq.reads)
	}
}
