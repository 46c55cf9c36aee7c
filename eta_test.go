package backorder_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestPromiseDates(t *testing.T) {
	today := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	days := func(n int) *int { return &n }
	po := func(id int64, date string, units int64, buffer int) backorder.Inbound {
		return backorder.Inbound{PurchaseOrderID: id, ExpectedAt: date, Units: units, BufferDays: buffer}
	}
	show := func(es []backorder.ETA) string {
		var out []string
		for _, e := range es {
			switch e.Basis {
			case backorder.BasisPurchaseOrder:
				out = append(out, fmt.Sprintf("%s/po%d", e.Date, e.PurchaseOrderID))
			case backorder.BasisLeadTime:
				out = append(out, e.Date+"/lead")
			default:
				out = append(out, "none")
			}
		}
		return fmt.Sprint(out)
	}
	tests := []struct {
		name      string
		waiting   []int64
		available int64
		inbound   []backorder.Inbound
		lead      *int
		want      string
	}{
		{"OnePO", []int64{5, 5}, 0, []backorder.Inbound{po(1, "2026-02-20", 10, 2)},
			nil, "[2026-02-23/po1 2026-02-23/po1]"}, // +2 buffer +1 handling
		{"SecondPOCoversTheRest", []int64{6, 6}, 0, []backorder.Inbound{po(2, "2026-03-10", 10, 0), po(1, "2026-02-20", 8, 0)},
			nil, "[2026-02-21/po1 2026-03-11/po2]"}, // earliest first, whatever the input order
		{"PartialCoverFallsToLeadTime", []int64{4, 4}, 0, []backorder.Inbound{po(1, "2026-02-20", 5, 0)},
			days(30), "[2026-02-21/po1 2026-03-04/lead]"}, // today +30 +0 +1
		{"NotCovered", []int64{4, 4}, 0, []backorder.Inbound{po(1, "2026-02-20", 4, 0)},
			nil, "[2026-02-21/po1 none]"},
		{"LatePOIsFromToday", []int64{1}, 0, []backorder.Inbound{po(1, "2026-01-10", 5, 3)},
			nil, "[2026-02-05/po1]"},
		{"AvailableCoversFirst", []int64{2, 3}, 2, []backorder.Inbound{po(1, "2026-02-20", 3, 0)},
			nil, "[2026-02-02/po0 2026-02-21/po1]"},
		{"EmptyPOSkipped", []int64{1}, 0, []backorder.Inbound{po(1, "2026-02-05", 0, 0), po(2, "2026-02-20", 1, 0)},
			nil, "[2026-02-21/po2]"},
		{"LeadTimeOnly", []int64{1, 1}, 0, nil, days(14), "[2026-02-16/lead 2026-02-16/lead]"},
		{"Nothing", []int64{1}, 0, nil, nil, "[none]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := backorder.PromiseDates(tt.waiting, tt.available, tt.inbound, tt.lead, 0, 1, today)
			if s := show(got); s != tt.want {
				t.Fatalf("dates=%s, want %s", s, tt.want)
			}
			for _, e := range got {
				if e.Basis == backorder.BasisNone && e.Reason == "" {
					t.Fatal("an unknown date without a reason")
				}
			}
		})
	}
}

func TestBufferDays(t *testing.T) {
	// Ten lines delivered 0,0,0,0,0,0,1,2,3,10 days late.
	var pos []*backorder.PurchaseOrder
	for _, late := range []int{0, 0, 0, 0, 0, 0, 1, 2, 3, 10} {
		pos = append(pos, &backorder.PurchaseOrder{ExpectedAt: "2026-02-01", Lines: []backorder.POLine{{SKU: "A", Quantity: 1}},
			Deliveries: []backorder.PODelivery{{At: time.Date(2026, 2, 1+late, 15, 0, 0, 0, time.UTC), SKU: "A", Quantity: 1}}})
	}
	r := backorder.SupplierReliability(pos)
	m := backorder.Margins{DefaultBufferDays: 7, MinReliabilitySample: 5, BufferPercentile: 80}
	tests := []struct {
		name string
		r    backorder.Reliability
		m    func(m backorder.Margins) backorder.Margins
		want int
	}{
		{"P80", r, func(m backorder.Margins) backorder.Margins { return m }, 2},
		{"P90", r, func(m backorder.Margins) backorder.Margins { m.BufferPercentile = 90; return m }, 3},
		{"P100", r, func(m backorder.Margins) backorder.Margins { m.BufferPercentile = 100; return m }, 10},
		{"P60", r, func(m backorder.Margins) backorder.Margins { m.BufferPercentile = 60; return m }, 0},
		{"SmallSampleDefault", r, func(m backorder.Margins) backorder.Margins {
			m.MinReliabilitySample, m.DefaultBufferDays = 11, 12
			return m
		}, 12},
		{"SmallSampleWorstSoFar", r, func(m backorder.Margins) backorder.Margins {
			m.MinReliabilitySample, m.DefaultBufferDays = 11, 3
			return m
		}, 10},
		{"NoHistory", backorder.SupplierReliability(nil), func(m backorder.Margins) backorder.Margins { return m }, 7},
	}
	for _, tt := range tests {
		if got := backorder.BufferDays(tt.r, tt.m(m)); got != tt.want {
			t.Fatalf("%s: %d days, want %d", tt.name, got, tt.want)
		}
	}
}

func TestProductAvailability(t *testing.T) {
	now := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	no := false
	product := func(status string, onHand, allocated int64, pol backorder.Policy) *backorder.Product {
		p := &backorder.Product{SKU: "P", Status: status, ReleaseDate: "2026-03-01", Policy: pol,
			Stock: backorder.Stock{SKU: "P", OnHand: onHand, Allocated: allocated}}
		s := backorder.DefaultSettings()
		p.Resolve(&s)
		return p
	}
	inThreeWeeks := backorder.ETA{Date: "2026-02-22", Basis: backorder.BasisPurchaseOrder, PurchaseOrderID: 7}
	tests := []struct {
		name   string
		p      *backorder.Product
		next   backorder.ETA
		status string
		label  string
		rule   string
	}{
		{"InStock", product(backorder.StatusActive, 5, 2, backorder.Policy{}), inThreeWeeks, backorder.AvailableInStock, "In stock", ""},
		{"Backorder", product(backorder.StatusActive, 2, 2, backorder.Policy{}), inThreeWeeks, backorder.AvailableBackorder, "Backorder – ships in about 3 weeks", ""},
		{"BackorderNoDate", product(backorder.StatusActive, 0, 0, backorder.Policy{}), backorder.ETA{Basis: backorder.BasisNone, Reason: "x"}, backorder.AvailableBackorder, "Backorder – ship date to follow", ""},
		{"Preorder", product(backorder.StatusPreorder, 0, 0, backorder.Policy{}), inThreeWeeks, backorder.AvailablePreorder, "Pre-order – ships from 2026-03-01", ""},
		{"NotBackorderable", product(backorder.StatusActive, 0, 0, backorder.Policy{AcceptBackorders: &no}), inThreeWeeks, backorder.AvailableUnavailable, "Unavailable", backorder.RuleNotBackorderable},
		{"Discontinued", product(backorder.StatusDiscontinued, 0, 0, backorder.Policy{}), inThreeWeeks, backorder.AvailableUnavailable, "Unavailable", backorder.RuleDiscontinued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := backorder.ProductAvailability(tt.p, tt.next, now)
			if a.Status != tt.status || a.Label != tt.label || a.Rule != tt.rule {
				t.Fatalf("availability=%+v, want %s %q %s", a, tt.status, tt.label, tt.rule)
			}
		})
	}
}
