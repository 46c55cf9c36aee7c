package backorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestVerifyLink(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	exp := now.Add(24 * time.Hour)
	cancel := backorder.SignLink(secret, backorder.LinkClaim{OrderID: "A-100", Purpose: backorder.LinkCancel, Expires: exp})
	other := backorder.SignLink(secret, backorder.LinkClaim{OrderID: "A-101", Purpose: backorder.LinkCancel, Expires: exp})
	// flip changes one character of the token at i.
	flip := func(tok string, i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	p64, m64, _ := strings.Cut(cancel, ".")
	_, otherMAC, _ := strings.Cut(other, ".")
	for _, tt := range []struct {
		name    string
		token   string
		purpose string
		now     time.Time
		secret  []byte
		want    string // order ID; "" for a refusal
	}{
		{"OK", cancel, backorder.LinkCancel, now, secret, "A-100"},
		{"OKOtherOrder", other, backorder.LinkCancel, now, secret, "A-101"},
		{"OKJustBeforeExpiry", cancel, backorder.LinkCancel, exp.Add(-time.Second), secret, "A-100"},
		{"ErrExpired", cancel, backorder.LinkCancel, exp, secret, ""},
		{"ErrExpiredLater", cancel, backorder.LinkCancel, exp.Add(48 * time.Hour), secret, ""},
		{"ErrWrongPurpose", cancel, backorder.LinkView, now, secret, ""},
		{"ErrWrongPurposeChoose", cancel, backorder.LinkChoose, now, secret, ""},
		{"ErrTamperedPayload", flip(cancel, 3), backorder.LinkCancel, now, secret, ""},
		{"ErrTamperedMAC", flip(cancel, len(cancel)-2), backorder.LinkCancel, now, secret, ""},
		{"ErrOtherOrdersMAC", p64 + "." + otherMAC, backorder.LinkCancel, now, secret, ""},
		{"ErrOtherSecret", cancel, backorder.LinkCancel, now, []byte("another secret of enough bytes!!"), ""},
		{"ErrNoMAC", p64, backorder.LinkCancel, now, secret, ""},
		{"ErrEmptyMAC", p64 + ".", backorder.LinkCancel, now, secret, ""},
		{"ErrNotBase64", "%%%." + m64, backorder.LinkCancel, now, secret, ""},
		{"ErrEmpty", "", backorder.LinkCancel, now, secret, ""},
		{"ErrTooLong", strings.Repeat("A", 2000) + "." + m64, backorder.LinkCancel, now, secret, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := backorder.VerifyLink(tt.secret, tt.token, tt.purpose, tt.now)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("VerifyLink(%q) = %+v, want an error", tt.token, c)
				} else if got, want := backorder.ErrorCode(err), backorder.ENOTFOUND; got != want {
					t.Fatalf("code=%s, want %s", got, want)
				} else if msg := backorder.ErrorMessage(err); strings.Contains(msg, "A-10") {
					t.Fatalf("message %q names an order", msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.OrderID, tt.want; got != want {
				t.Fatalf("OrderID=%q, want %q", got, want)
			}
			if got, want := c.Purpose, tt.purpose; got != want {
				t.Fatalf("Purpose=%q, want %q", got, want)
			}
			if !c.Expires.Equal(exp) {
				t.Fatalf("Expires=%v, want %v", c.Expires, exp)
			}
		})
	}
}

// TestSignLink_URLSafe checks a token needs no escaping in a path segment,
// whatever the order ID.
func TestSignLink_URLSafe(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"A-1", "ünïcode", "a.b.c", "x+y=z", "<script>"} {
		tok := backorder.SignLink([]byte("0123456789abcdef"), backorder.LinkClaim{OrderID: id, Purpose: backorder.LinkView, Expires: time.Unix(2e9, 0)})
		if strings.ContainsAny(tok, "/?#%+= <>") {
			t.Errorf("SignLink(%q) = %q: not URL-safe", id, tok)
		}
		c, err := backorder.VerifyLink([]byte("0123456789abcdef"), tok, backorder.LinkView, time.Unix(1e9, 0))
		if err != nil || c.OrderID != id {
			t.Errorf("VerifyLink(SignLink(%q)) = %+v, %v", id, c, err)
		}
	}
}
