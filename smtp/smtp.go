// Package smtp sends email through an SMTP server with go-mail. It knows
// messages and servers, nothing of orders: the notify worker renders what
// it sends.
package smtp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// Message is one email to one recipient. MessageID is the Message-ID
// without angle brackets; it stays the same on every try of one message.
type Message struct {
	MessageID string
	To        string
	Subject   string
	Text      string
	HTML      string
}

// Client sends messages to one SMTP server from one address.
type Client struct {
	host string
	opts []mail.Option
	from string
}

// New configures a client from a URL and a From address:
//
//	smtp://user:pass@host:587  STARTTLS required, PLAIN auth
//	smtps://user:pass@host:465 implicit TLS, PLAIN auth
//	smtp://host:1025           no TLS and no auth (a local server such as Mailpit)
//
// The port defaults to 587 (smtp) and 465 (smtps).
func New(rawURL, from string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("smtp: URL %q: want smtp://[user:pass@]host[:port] or smtps://", rawURL)
	}
	if from == "" {
		return nil, errors.New("smtp: a From address (BACKORDER_MAIL_FROM) is required")
	}
	c := &Client{host: u.Hostname(), from: from, opts: []mail.Option{mail.WithTimeout(30 * time.Second)}}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
		if u.User != nil {
			c.opts = append(c.opts, mail.WithTLSPolicy(mail.TLSMandatory))
		} else {
			c.opts = append(c.opts, mail.WithTLSPolicy(mail.NoTLS))
		}
	case "smtps":
		if port == "" {
			port = "465"
		}
		c.opts = append(c.opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp: URL scheme %q: want smtp or smtps", u.Scheme)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("smtp: port %q: %w", port, err)
	}
	c.opts = append(c.opts, mail.WithPort(p))
	if u.User != nil {
		pass, _ := u.User.Password()
		c.opts = append(c.opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return c, nil
}

// Error is a failed send. Permanent reports whether the server refused
// the message for good (a 5xx answer), so trying again will not help.
type Error struct {
	Err  error
	perm bool
}

func (e *Error) Error() string   { return "smtp: " + e.Err.Error() }
func (e *Error) Unwrap() error   { return e.Err }
func (e *Error) Permanent() bool { return e.perm }

// Send delivers one message over its own connection.
func (c *Client) Send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(c.from); err != nil {
		return &Error{Err: fmt.Errorf("from %q: %w", c.from, err), perm: true}
	}
	if err := msg.To(m.To); err != nil {
		return &Error{Err: fmt.Errorf("to %q: %w", m.To, err), perm: true}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	cl, err := mail.NewClient(c.host, c.opts...)
	if err != nil {
		return &Error{Err: err}
	}
	if err := cl.DialAndSendWithContext(ctx, msg); err != nil {
		var se *mail.SendError
		perm := errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500
		return &Error{Err: err, perm: perm}
	}
	return nil
}
