package backorder_test

import (
	"testing"

	"github.com/backorder/backorder"
)

// TestNotFound_Exists: the wording of a missing or duplicate record, which
// every store reports through these two.
func TestNotFound_Exists(t *testing.T) {
	tests := []struct {
		err  *backorder.Error
		code string
		msg  string
	}{
		{backorder.NotFound(`order "A-1"`), backorder.ENOTFOUND, `Order "A-1" not found.`},
		{backorder.NotFound("fulfillment 7"), backorder.ENOTFOUND, "Fulfillment 7 not found."},
		{backorder.NotFound(""), backorder.ENOTFOUND, "Record not found."},
		{backorder.Exists(`order "A-1"`), backorder.ECONFLICT, `Order "A-1" already exists.`},
		{backorder.Exists("one of the orders"), backorder.ECONFLICT, "One of the orders already exists."},
	}
	for _, tt := range tests {
		if got := backorder.ErrorCode(tt.err); got != tt.code {
			t.Fatalf("code=%s, want %s", got, tt.code)
		} else if got := backorder.ErrorMessage(tt.err); got != tt.msg {
			t.Fatalf("message=%q, want %q", got, tt.msg)
		}
	}
}
