package backorder_test

import (
	"testing"

	"github.com/backorder/backorder"
)

func TestPageLimit(t *testing.T) {
	for _, tt := range []struct{ n, want int }{
		{-1, backorder.DefaultPageLimit}, {0, backorder.DefaultPageLimit}, {1, 1}, {1000, 1000},
		{backorder.MaxPageLimit + 1, backorder.MaxPageLimit + 1}, {5000, backorder.MaxPageLimit + 1},
	} {
		if got := backorder.PageLimit(tt.n); got != tt.want {
			t.Fatalf("PageLimit(%d)=%d, want %d", tt.n, got, tt.want)
		}
	}
}
