// Package notify is the outbox worker: it fans committed events out into
// deliveries (Service.Fanout), turns due scheduled messages into deliveries
// (Service.RunScheduled), claims due deliveries and hands each to its
// sender: emails, rendered by a Renderer, to a Mailer (or kept when there is
// none), webhooks to a Poster. It knows the delivery machinery, not the
// business: what is sent when is decided by the rules of the root package.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/webhook"
)

// Message is what a Renderer renders: one moment of one order. Event is
// the event that called for it, nil for a scheduled message (the periodic
// update, the pre-order release); At is when the delivery was made.
type Message struct {
	Moment string
	Event  *backorder.Event
	Order  *backorder.Order
	At     time.Time
}

// Content is a rendered email.
type Content struct {
	Subject string
	Text    string
	HTML    string
}

// Renderer renders the email of a moment.
type Renderer interface {
	Render(m Message) (Content, error)
}

// Email is one email to send. MessageID (without angle brackets) is the
// same on every try of one delivery, so a recipient can drop duplicates.
type Email struct {
	MessageID string
	To        string
	Subject   string
	Text      string
	HTML      string
}

// Mailer sends an email. An error with a Permanent() bool method that
// reports true is not retried.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// MailerFunc is a function that is a Mailer.
type MailerFunc func(ctx context.Context, e Email) error

// Send calls f.
func (f MailerFunc) Send(ctx context.Context, e Email) error { return f(ctx, e) }

// Poster posts a signed webhook body; webhook.Client is one.
type Poster interface {
	Post(ctx context.Context, url, secret string, body []byte, now time.Time) (int, error)
}

// Config configures a Worker.
type Config struct {
	Service *backorder.Service
	// Renderer renders emails; Plain by default.
	Renderer Renderer
	// Mailer sends emails; without one, emails are rendered and kept.
	Mailer Mailer
	// Poster posts webhooks; a webhook.Client by default.
	Poster Poster
	// MessageIDDomain is the right-hand side of Message-IDs.
	MessageIDDomain string
	// Interval is the pause between passes when nothing is due (1s).
	Interval time.Duration
	// Batch is how many deliveries one claim takes (32).
	Batch int
	// Lease is how long a claim lasts before another worker may take the
	// delivery again (2 minutes).
	Lease time.Duration
	// Now is the wall clock that dates webhook signatures, which receivers
	// check against theirs; time.Now by default.
	Now    func() time.Time
	Logger *slog.Logger
}

// Worker delivers the outbox in a goroutine it owns, from New to Close.
type Worker struct {
	cfg    Config
	cancel context.CancelFunc
	done   chan struct{}
	poke   chan struct{}
}

// New starts a worker; its first pass comes after Interval, or on Poke.
func New(cfg Config) *Worker {
	if cfg.Renderer == nil {
		cfg.Renderer = Plain{}
	}
	if cfg.Poster == nil {
		cfg.Poster = &webhook.Client{}
	}
	if cfg.MessageIDDomain == "" {
		cfg.MessageIDDomain = "backorder.localhost"
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 32
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	w := &Worker{cfg: cfg, cancel: cancel, done: make(chan struct{}), poke: make(chan struct{}, 1)}
	go w.loop(ctx)
	return w
}

// Close stops the worker and waits for the pass in progress to end. A
// delivery claimed and not finished is taken again when its lease lapses.
func (w *Worker) Close() error {
	w.cancel()
	<-w.done
	return nil
}

// Poke starts a pass now instead of at the next interval.
func (w *Worker) Poke() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

func (w *Worker) loop(ctx context.Context) {
	defer close(w.done)
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.poke:
		}
		if _, err := w.Pass(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("notify: pass", "err", err)
		}
	}
}

// Pass fans out every committed event, runs every due scheduled message,
// and tries every due delivery, and returns how many deliveries it tried.
func (w *Worker) Pass(ctx context.Context) (int, error) {
	svc := w.cfg.Service
	for {
		n, err := svc.Fanout(ctx, 0)
		if err != nil {
			return 0, fmt.Errorf("fan-out: %w", err)
		} else if n == 0 {
			break
		}
	}
	for {
		n, err := svc.RunScheduled(ctx, 0)
		if err != nil {
			return 0, fmt.Errorf("scheduled messages: %w", err)
		} else if n == 0 {
			break
		}
	}
	tried := 0
	for ctx.Err() == nil {
		claims, err := svc.ClaimDeliveries(ctx, w.cfg.Batch, w.cfg.Lease)
		if err != nil {
			return tried, fmt.Errorf("claim: %w", err)
		}
		if len(claims) == 0 {
			break
		}
		var wg sync.WaitGroup
		errs := make([]error, len(claims))
		for i, c := range claims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = svc.FinishDelivery(context.WithoutCancel(ctx), c, w.try(ctx, c))
			}()
		}
		wg.Wait()
		tried += len(claims)
		if err := errors.Join(errs...); err != nil {
			return tried, fmt.Errorf("finish: %w", err)
		}
	}
	return tried, nil
}

// try sends one claimed delivery.
func (w *Worker) try(ctx context.Context, c *backorder.Claim) backorder.DeliveryResult {
	d := c.Delivery
	switch d.Channel {
	case backorder.ChannelEmail:
		if c.Order == nil {
			return permanent(fmt.Errorf("order %s does not exist", d.OrderID))
		}
		content, err := w.cfg.Renderer.Render(Message{Moment: d.Moment, Event: c.Event, Order: c.Order, At: d.CreatedAt})
		if err != nil {
			return permanent(fmt.Errorf("render %s: %w", d.Moment, err))
		}
		r := backorder.DeliveryResult{Subject: content.Subject, Text: content.Text, HTML: content.HTML}
		if w.cfg.Mailer == nil {
			r.Kept = true
			return r
		}
		r.Err = w.cfg.Mailer.Send(ctx, Email{MessageID: w.MessageID(d), To: d.Recipient, Subject: content.Subject, Text: content.Text, HTML: content.HTML})
		r.Permanent = isPermanent(r.Err)
		return r
	case backorder.ChannelWebhook:
		switch {
		case c.Endpoint == nil:
			return permanent(errors.New("the webhook endpoint was deleted"))
		case c.Endpoint.Status != backorder.EndpointEnabled:
			return permanent(errors.New("the webhook endpoint is disabled"))
		case c.Event == nil:
			return permanent(fmt.Errorf("event %d does not exist", d.EventID))
		}
		ev, err := backorder.NewWebhookEvent(*c.Event, d.Type)
		if err != nil {
			return permanent(err)
		}
		body, err := json.Marshal(ev)
		if err != nil {
			return permanent(err)
		}
		code, err := w.cfg.Poster.Post(ctx, c.Endpoint.URL, c.Endpoint.Secret, body, w.cfg.Now())
		return backorder.DeliveryResult{Err: err, Permanent: isPermanent(err), Code: code}
	}
	return permanent(fmt.Errorf("unknown channel %q", d.Channel))
}

// MessageID is the Message-ID of an email delivery, without angle brackets.
func (w *Worker) MessageID(d *backorder.Delivery) string {
	return fmt.Sprintf("delivery-%d@%s", d.ID, w.cfg.MessageIDDomain)
}

func permanent(err error) backorder.DeliveryResult {
	return backorder.DeliveryResult{Err: err, Permanent: true}
}

func isPermanent(err error) bool {
	var p interface{ Permanent() bool }
	return err != nil && errors.As(err, &p) && p.Permanent()
}
