package backorder_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

var day0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// waiting builds a queue entry for a backordered line.
func waiting(orderID string, seq, lineID, qty int64, accepted time.Time) backorder.QueueEntry {
	return backorder.QueueEntry{
		Order: &backorder.Order{ID: orderID, Seq: seq, AcceptedAt: accepted, Shipping: backorder.ShippingStandard, Units: qty, LineCount: 1},
		Line:  &backorder.Line{ID: lineID, OrderID: orderID, SKU: "WIDGET-BLUE", Quantity: qty, Backordered: qty},
	}
}

func TestAllocate(t *testing.T) {
	defaults := backorder.DefaultSettings()
	vipOn := backorder.DefaultSettings()
	vipOn.Priority.VIP.Enabled = true
	needBy := backorder.DefaultSettings()
	needBy.Priority.NeedBy.Enabled = true

	vip := func(e backorder.QueueEntry) backorder.QueueEntry { e.Order.Customer.VIP = true; return e }
	needs := func(date string, e backorder.QueueEntry) backorder.QueueEntry { e.Order.NeedBy = date; return e }

	type fill struct {
		order  string
		qty    int64
		reason string
	}
	tests := []struct {
		name      string
		available int64
		queue     []backorder.QueueEntry
		settings  backorder.Settings
		want      []fill
	}{
		{
			// The source document: orders 100, 101, 102 wait; 50 units arrive;
			// 100 and 101 are filled, 102 partially.
			name:      "SourceDocumentFIFO",
			available: 50,
			queue: []backorder.QueueEntry{
				waiting("102", 3, 3, 30, day0.AddDate(0, 0, 3)),
				waiting("100", 1, 1, 20, day0),
				waiting("101", 2, 2, 20, day0.AddDate(0, 0, 1)),
			},
			settings: defaults,
			want:     []fill{{"100", 20, "fifo"}, {"101", 20, "fifo"}, {"102", 10, "fifo"}},
		},
		{
			name:      "SameTimeTieBrokenBySequence",
			available: 3,
			queue:     []backorder.QueueEntry{waiting("B", 8, 2, 2, day0), waiting("A", 7, 1, 2, day0)},
			settings:  defaults,
			want:      []fill{{"A", 2, "fifo"}, {"B", 1, "fifo"}},
		},
		{
			name:      "NothingAvailable",
			available: 0,
			queue:     []backorder.QueueEntry{waiting("A", 1, 1, 2, day0)},
			settings:  defaults,
		},
		{
			name:      "MoreThanWaiting",
			available: 100,
			queue:     []backorder.QueueEntry{waiting("A", 1, 1, 2, day0)},
			settings:  defaults,
			want:      []fill{{"A", 2, "fifo"}},
		},
		{
			name:      "VIPIgnoredWhenRuleOff",
			available: 2,
			queue:     []backorder.QueueEntry{waiting("A", 1, 1, 2, day0), vip(waiting("V", 2, 2, 2, day0.Add(time.Hour)))},
			settings:  defaults,
			want:      []fill{{"A", 2, "fifo"}},
		},
		{
			name:      "VIPJumpsWhenRuleOn",
			available: 3,
			queue:     []backorder.QueueEntry{waiting("A", 1, 1, 2, day0), vip(waiting("V", 2, 2, 2, day0.Add(time.Hour)))},
			settings:  vipOn,
			want:      []fill{{"V", 2, "priority:vip"}, {"A", 1, "fifo"}},
		},
		{
			name:      "FIFOWithinPriorityClass",
			available: 4,
			queue: []backorder.QueueEntry{
				vip(waiting("V2", 3, 3, 2, day0.Add(2*time.Hour))),
				waiting("A", 1, 1, 2, day0),
				vip(waiting("V1", 2, 2, 2, day0.Add(time.Hour))),
			},
			settings: vipOn,
			want:     []fill{{"V1", 2, "priority:vip"}, {"V2", 2, "priority:vip"}},
		},
		{
			name:      "NeedByOnlyWithinWindow",
			available: 2,
			queue: []backorder.QueueEntry{
				waiting("A", 1, 1, 2, day0),
				needs("2026-03-01", waiting("Far", 2, 2, 2, day0.Add(time.Hour))),
				needs("2026-01-09", waiting("Soon", 3, 3, 2, day0.Add(2*time.Hour))),
			},
			settings: needBy,
			want:     []fill{{"Soon", 2, "priority:need_by"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backorder.Allocate(tt.available, tt.queue, &tt.settings, day0.AddDate(0, 0, 5))
			var fills []fill
			for _, a := range got {
				fills = append(fills, fill{a.OrderID, a.Quantity, a.Reason})
			}
			if !reflect.DeepEqual(fills, tt.want) {
				t.Fatalf("Allocate=%v, want %v", fills, tt.want)
			}
		})
	}
}

func TestFillOrder_Positions(t *testing.T) {
	s := backorder.DefaultSettings()
	q := []backorder.QueueEntry{waiting("C", 3, 3, 1, day0.Add(2*time.Hour)), waiting("A", 1, 1, 1, day0), waiting("B", 2, 2, 1, day0.Add(time.Hour))}
	ranked := backorder.FillOrder(q, &s, day0)
	for i, want := range []string{"A", "B", "C"} {
		if got := ranked[i].Order.ID; got != want {
			t.Fatalf("position %d = %s, want %s", i+1, got, want)
		} else if ranked[i].Position != i+1 {
			t.Fatalf("Position=%d, want %d", ranked[i].Position, i+1)
		}
	}
}
