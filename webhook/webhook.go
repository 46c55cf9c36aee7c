// Package webhook posts signed events to HTTP endpoints and verifies their
// signatures. The signature is Stripe's scheme: the header
//
//	Backorder-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
//
// keyed by the endpoint's secret. A receiver recomputes it over the raw
// body, compares in constant time, and refuses a timestamp more than
// Tolerance away from its clock, which bounds replays.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/backorder/backorder"
)

// Header is the signature header.
const Header = "Backorder-Signature"

// Tolerance is how far a signature's timestamp may be from the receiver's
// clock.
const Tolerance = 5 * time.Minute

// Sign returns the signature header value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks a signature header against the raw body at now: one of its
// v1 signatures matches, and its timestamp is within Tolerance.
func Verify(header string, body []byte, secret string, now time.Time) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("webhook: malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return errors.New("webhook: signature timestamp outside the tolerance")
	}
	want := []byte(mac(secret, ts, body))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return errors.New("webhook: signature does not match")
}

// Error is a failed post. Code is the endpoint's HTTP status (0 if none
// came); Permanent reports a 4xx other than 408 and 429.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return "webhook: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Permanent reports whether trying again will not help.
func (e *Error) Permanent() bool {
	return backorder.PermanentHTTPStatus(e.Code)
}

// Client posts events.
type Client struct {
	HTTP *http.Client
}

// Post sends body to url signed with secret at now, and returns the
// endpoint's status. A 2xx is success; anything else is an *Error.
func (c *Client) Post(ctx context.Context, url, secret string, body []byte, now time.Time) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, &Error{Code: 400, Err: err} // a URL that cannot be requested never will be
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "backorder-webhooks/1")
	req.Header.Set(Header, Sign(secret, now, body))
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, &Error{Err: err}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, &Error{Code: resp.StatusCode, Err: fmt.Errorf("%s answered %s", url, resp.Status)}
	}
	return resp.StatusCode, nil
}
