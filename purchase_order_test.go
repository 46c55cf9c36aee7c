package backorder_test

import (
	"fmt"
	"testing"

	"github.com/backorder/backorder"
)

func mkPO() *backorder.PurchaseOrder {
	return &backorder.PurchaseOrder{ID: 7, Status: backorder.POOpen, ExpectedAt: "2026-02-20",
		Lines: []backorder.POLine{{SKU: "A", Quantity: 10}, {SKU: "B", Quantity: 4}}}
}

func TestPurchaseOrder_Receive(t *testing.T) {
	tests := []struct {
		name     string
		delivery [][]backorder.POLineRequest
		status   string
		received string
		open     string
	}{
		{"Partial", [][]backorder.POLineRequest{{{SKU: "A", Quantity: 6}}}, backorder.POOpen, "[6 0]", "[4 4]"},
		{"SeveralDeliveries", [][]backorder.POLineRequest{{{SKU: "A", Quantity: 6}}, {{SKU: "A", Quantity: 4}, {SKU: "B", Quantity: 4}}}, backorder.POReceived, "[10 4]", "[0 0]"},
		{"OverReceipt", [][]backorder.POLineRequest{{{SKU: "A", Quantity: 12}, {SKU: "B", Quantity: 4}}}, backorder.POReceived, "[12 4]", "[0 0]"},
		{"OverOneShortOther", [][]backorder.POLineRequest{{{SKU: "A", Quantity: 12}, {SKU: "B", Quantity: 1}}}, backorder.POOpen, "[12 1]", "[0 3]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			po := mkPO()
			for _, d := range tt.delivery {
				if err := po.Receive(d, day0); err != nil {
					t.Fatal(err)
				}
			}
			var rec, open []int64
			for _, l := range po.Lines {
				rec, open = append(rec, l.Received), append(open, l.Open())
			}
			if po.Status != tt.status || fmt.Sprint(rec) != tt.received || fmt.Sprint(open) != tt.open {
				t.Fatalf("status=%s received=%v open=%v, want %s %s %s", po.Status, rec, open, tt.status, tt.received, tt.open)
			}
		})
	}
	t.Run("ErrSKU", func(t *testing.T) {
		po := mkPO()
		err := po.Receive([]backorder.POLineRequest{{SKU: "A", Quantity: 1}, {SKU: "Z", Quantity: 1}}, day0)
		if e := backorder.AsError(err); e.Code != backorder.ENOTFOUND || e.Field != "lines[1].sku" {
			t.Fatalf("err=%+v", e)
		} else if po.Lines[0].Received != 0 {
			t.Fatal("a refused delivery changed the order")
		}
	})
	t.Run("ErrNotOpen", func(t *testing.T) {
		po := mkPO()
		if err := po.Cancel(day0); err != nil {
			t.Fatal(err)
		}
		if err := po.Receive([]backorder.POLineRequest{{SKU: "A", Quantity: 1}}, day0); backorder.ErrorCode(err) != backorder.ECONFLICT {
			t.Fatalf("err=%v, want conflict", err)
		}
	})
}

func TestPurchaseOrder_CancelReschedule(t *testing.T) {
	po := mkPO()
	if changed, err := po.Reschedule("2026-02-20", day0); err != nil || changed {
		t.Fatalf("same date: changed=%v err=%v", changed, err)
	}
	if changed, err := po.Reschedule("2026-02-27", day0); err != nil || !changed || po.ExpectedAt != "2026-02-27" {
		t.Fatalf("moved: changed=%v err=%v", changed, err)
	}
	if _, err := po.Reschedule("next week", day0); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("bad date: err=%v", err)
	}
	if got := fmt.Sprint(po.DateChanges[0].From, " ", po.DateChanges[0].To, " ", len(po.DateChanges)); got != "2026-02-20 2026-02-27 1" {
		t.Fatalf("date changes=%+v", po.DateChanges)
	}
	if err := po.Receive([]backorder.POLineRequest{{SKU: "A", Quantity: 3}}, day0); err != nil {
		t.Fatal(err)
	}
	if err := po.Cancel(day0); err != nil {
		t.Fatal(err)
	}
	if po.Status != backorder.POCancelled || po.Lines[0].Cancelled != 7 || po.Lines[1].Cancelled != 4 || po.Lines[0].Open() != 0 {
		t.Fatalf("cancelled=%+v", po)
	}
	if err := po.Cancel(day0); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("second cancel: err=%v", err)
	}
	if _, err := po.Reschedule("2026-03-01", day0); backorder.ErrorCode(err) != backorder.ECONFLICT {
		t.Fatalf("reschedule cancelled: err=%v", err)
	}
}
