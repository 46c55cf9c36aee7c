package backorder

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Purposes of a customer link. A link does one thing: a view link shows the
// order, a cancel link shows it and cancels it, a choose link shows it and
// records the split choice.
const (
	LinkView   = "view"
	LinkCancel = "cancel"
	LinkChoose = "choose"
)

// LinkPurposes lists every purpose of a customer link.
var LinkPurposes = []string{LinkView, LinkCancel, LinkChoose}

// MinLinkSecret is the shortest secret links are signed with, in bytes.
const MinLinkSecret = 16

// LinkClaim is what a customer link grants: one purpose on one order until
// it expires.
type LinkClaim struct {
	OrderID string
	Purpose string
	Expires time.Time
}

// SignLink makes the token of a customer link: the claim, readable, then an
// HMAC-SHA256 of it under secret. Both parts are base64url without padding,
// so the token fits in a URL path segment as it is.
func SignLink(secret []byte, c LinkClaim) string {
	payload := c.Purpose + " " + strconv.FormatInt(c.Expires.Unix(), 10) + " " + c.OrderID
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(linkMAC(secret, payload))
}

// VerifyLink returns the claim of a token signed under secret that grants
// purpose and has not expired at now. Every failure (malformed, tampered,
// signed under another secret, expired, another purpose) is the same
// ENOTFOUND error, which names no order: the page it guards answers 404.
// The signature is compared in constant time.
func VerifyLink(secret []byte, token, purpose string, now time.Time) (LinkClaim, error) {
	bad := Errorf(ENOTFOUND, "This link is not valid. It may have expired; the latest email about your order has a fresh one.")
	p64, m64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 1024 {
		return LinkClaim{}, bad
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, linkMAC(secret, string(payload))) {
		return LinkClaim{}, bad
	}
	fields := strings.SplitN(string(payload), " ", 3)
	if len(fields) != 3 {
		return LinkClaim{}, bad
	}
	exp, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return LinkClaim{}, bad
	}
	c := LinkClaim{Purpose: fields[0], Expires: time.Unix(exp, 0).UTC(), OrderID: fields[2]}
	if c.Purpose != purpose || c.OrderID == "" || !now.Before(c.Expires) {
		return LinkClaim{}, bad
	}
	return c, nil
}

func linkMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("backorder-link-v1\n"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}
