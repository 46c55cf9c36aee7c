package backorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestUserRequestValidate(t *testing.T) {
	long := strings.Repeat("p", backorder.MaxPasswordLength+1)
	for _, tc := range []struct {
		name  string
		req   backorder.UserRequest
		field string
	}{
		{"OK", backorder.UserRequest{Email: " Ann@Example.com ", Password: "correct horse"}, ""},
		{"ErrEmailRequired", backorder.UserRequest{Password: "correct horse"}, "email"},
		{"ErrEmailShape", backorder.UserRequest{Email: "Ann <ann@example.com>", Password: "correct horse"}, "email"},
		{"ErrPasswordShort", backorder.UserRequest{Email: "ann@example.com", Password: "short"}, "password"},
		{"ErrPasswordLong", backorder.UserRequest{Email: "ann@example.com", Password: long}, "password"},
		{"ErrNameLong", backorder.UserRequest{Email: "ann@example.com", Name: strings.Repeat("n", backorder.MaxTextLength+1), Password: "correct horse"}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			err := req.Validate()
			var got string
			if err != nil {
				got = backorder.AsError(err).Field
			}
			if got != tc.field {
				t.Fatalf("Validate() field = %q (%v), want %q", got, err, tc.field)
			}
			if tc.field == "" && (req.Email != "ann@example.com" || req.Name != "ann@example.com") {
				t.Fatalf("normalized = %q %q, want lower-case email as name", req.Email, req.Name)
			}
		})
	}
}

func TestSessionLive(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	s := backorder.Session{ExpiresAt: at}
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{at.Add(-time.Second), true},
		{at, false},
		{at.Add(time.Hour), false},
	} {
		if got := s.Live(tc.now); got != tc.want {
			t.Errorf("Live(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
	if a, b := backorder.HashSessionToken("x"), backorder.HashSessionToken("y"); a == b || len(a) != 64 {
		t.Fatalf("HashSessionToken: %q %q", a, b)
	}
}
