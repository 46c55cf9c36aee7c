package webhook_test

import (
	"testing"
	"time"

	"github.com/backorder/backorder/webhook"
)

func TestSignVerify(t *testing.T) {
	at := time.Unix(1767600000, 0)
	body := []byte(`{"id":"evt_1.order.shipped"}`)
	h := webhook.Sign("whsec_x", at, body)
	for _, tc := range []struct {
		name   string
		header string
		body   string
		secret string
		now    time.Time
		ok     bool
	}{
		{"OK", h, string(body), "whsec_x", at, true},
		{"OKWithinTolerance", h, string(body), "whsec_x", at.Add(webhook.Tolerance), true},
		{"ErrTampered", h, `{"id":"evt_2.order.shipped"}`, "whsec_x", at, false},
		{"ErrSecret", h, string(body), "whsec_y", at, false},
		{"ErrOld", h, string(body), "whsec_x", at.Add(webhook.Tolerance + time.Second), false},
		{"ErrFuture", h, string(body), "whsec_x", at.Add(-webhook.Tolerance - time.Second), false},
		{"ErrMalformed", "v1=abc", string(body), "whsec_x", at, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.header, []byte(tc.body), tc.secret, tc.now)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
