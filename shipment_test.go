package backorder_test

import (
	"fmt"
	"testing"

	"github.com/backorder/backorder"
)

func TestSplitShipment(t *testing.T) {
	f := &backorder.Fulfillment{ID: 7, Lines: []backorder.FulfillmentLine{
		{LineID: 1, SKU: "A", Quantity: 5},
		{LineID: 2, SKU: "B", Quantity: 2},
		{LineID: 3, SKU: "A", Quantity: 3},
	}}
	show := func(ls []backorder.FulfillmentLine) string {
		out := ""
		for _, l := range ls {
			out += fmt.Sprintf("%d:%d ", l.LineID, l.Quantity)
		}
		return out
	}
	for _, tt := range []struct {
		name            string
		lines           []backorder.ShipLine
		shipped, remain string
		field           string
	}{
		{"NoLinesShipsAll", nil, "1:5 2:2 3:3 ", "", ""},
		{"EveryUnitNamed", []backorder.ShipLine{{SKU: "A", Quantity: 8}, {LineID: 2, Quantity: 2}}, "1:5 2:2 3:3 ", "", ""},
		{"ByLine", []backorder.ShipLine{{LineID: 3, Quantity: 1}}, "3:1 ", "1:5 2:2 3:2 ", ""},
		{"BySKUInLineOrder", []backorder.ShipLine{{SKU: "A", Quantity: 6}}, "1:5 3:1 ", "2:2 3:2 ", ""},
		{"SKUThenLineOfIt", []backorder.ShipLine{{SKU: "A", Quantity: 5}, {LineID: 3, Quantity: 3}}, "1:5 3:3 ", "2:2 ", ""},
		{"ErrMoreThanHeld", []backorder.ShipLine{{LineID: 2, Quantity: 3}}, "", "", "lines[0].quantity"},
		{"ErrMoreThanLeft", []backorder.ShipLine{{SKU: "A", Quantity: 6}, {LineID: 1, Quantity: 1}}, "", "", "lines[1].quantity"},
		{"ErrUnknownLine", []backorder.ShipLine{{LineID: 9, Quantity: 1}}, "", "", "lines[0].line_id"},
		{"ErrUnknownSKU", []backorder.ShipLine{{SKU: "C", Quantity: 1}}, "", "", "lines[0].sku"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			shipped, remain, err := backorder.SplitShipment(f, tt.lines)
			if tt.field != "" {
				if e := backorder.AsError(err); e.Code != backorder.EINVALID || e.Field != tt.field {
					t.Fatalf("err=%+v, want invalid %s", e, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := show(shipped); got != tt.shipped {
				t.Errorf("shipped=%q, want %q", got, tt.shipped)
			}
			if got := show(remain); got != tt.remain {
				t.Errorf("remainder=%q, want %q", got, tt.remain)
			}
		})
	}
	if f.Lines[0].Quantity != 5 {
		t.Fatalf("SplitShipment changed the request: %+v", f.Lines)
	}
}

func TestShipmentValidate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lines []backorder.ShipLine
		field string
	}{
		{"OK", []backorder.ShipLine{{SKU: "A", Quantity: 1}}, ""},
		{"ErrZero", []backorder.ShipLine{{SKU: "A", Quantity: 0}}, "lines[0].quantity"},
		{"ErrNegative", []backorder.ShipLine{{LineID: 1, Quantity: -1}}, "lines[0].quantity"},
		{"ErrNeither", []backorder.ShipLine{{Quantity: 1}}, "lines[0].line_id"},
		{"ErrBoth", []backorder.ShipLine{{LineID: 1, SKU: "A", Quantity: 1}}, "lines[0].line_id"},
		{"ErrNegativeLine", []backorder.ShipLine{{LineID: -1, Quantity: 1}}, "lines[0].line_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := (&backorder.Shipment{Carrier: "UPS", Tracking: "1Z", Lines: tt.lines}).Validate()
			if tt.field == "" && err != nil {
				t.Fatal(err)
			} else if e := backorder.AsError(err); tt.field != "" && (e.Code != backorder.EINVALID || e.Field != tt.field) {
				t.Fatalf("err=%+v, want invalid %s", e, tt.field)
			}
		})
	}
}
