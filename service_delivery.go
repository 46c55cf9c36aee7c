package backorder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// FanoutPage is how many events one fan-out reads and turns into deliveries.
const FanoutPage = 256

// Fanout turns committed outbox events after the fan-out cursor into
// deliveries: one email per moment the event calls for (EmailMoments) that
// the settings send, to the order's customer, and one post per webhook
// endpoint that wants each of its types (WebhookEventTypes); it schedules
// the periodic update of an order that waits and the release message of a
// pre-order. It reads up to limit events (FanoutPage if 0) and returns how
// many it fanned out; 0 means the outbox is read to its end.
//
// Events, orders and endpoints are read first in a read transaction, so
// that the fan-out holds no lock on orders; the write then locks the
// cursor and writes nothing if another instance moved it meanwhile. Every
// delivery has a Key, stored once, so the fan-out of an event never makes a
// second delivery of it.
func (s *Service) Fanout(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = FanoutPage
	}
	type plan struct {
		cursor, last int64
		events       int
		deliveries   []*Delivery
		scheduled    []ScheduledMessage
	}
	p, err := read(ctx, s, func(tx Tx, now time.Time) (*plan, error) {
		cursor, err := tx.LockFanoutCursor(ctx) // a read transaction only reads it
		if err != nil {
			return nil, err
		}
		es, err := tx.Events(ctx, cursor, limit)
		if err != nil || len(es) == 0 {
			return nil, err
		}
		set, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		notes := set.Notifications.Filled()
		endpoints, err := every(func(after int64) ([]*WebhookEndpoint, error) {
			return tx.ListWebhookEndpoints(ctx, after, readPage)
		}, func(e *WebhookEndpoint) int64 { return e.ID })
		if err != nil {
			return nil, err
		}
		orders := map[string]*Order{}
		p := &plan{cursor: cursor, last: es[len(es)-1].ID, events: len(es)}
		seen := map[string]bool{} // order/moment/date of promise mails in this page
		for _, e := range es {
			pl, err := DecodePayload(e)
			if err != nil {
				return nil, err
			}
			var o *Order
			if e.OrderID != "" {
				if o = orders[e.OrderID]; o == nil {
					if o, err = tx.Order(ctx, e.OrderID); err != nil && ErrorCode(err) != ENOTFOUND {
						return nil, err
					}
					orders[e.OrderID] = o
				}
			}
			if o != nil && o.Customer.Email != "" {
				for _, m := range EmailMoments(pl, o) {
					if !notes.Emails(m) {
						continue
					}
					if eta, ok := pl.(*ETAChangedPayload); ok {
						// One mail per order and new date, however many of its lines moved to it.
						k := o.ID + "/" + eta.New.Date
						if seen[k] {
							continue
						}
						seen[k] = true
					}
					p.deliveries = append(p.deliveries, &Delivery{Channel: ChannelEmail, EventID: e.ID, OrderID: o.ID, Moment: m,
						Recipient: o.Customer.Email, Key: deliveryKey(e.ID, ChannelEmail, o.Customer.Email, m)})
				}
			}
			for _, typ := range WebhookEventTypes(pl) {
				for _, ep := range endpoints {
					if ep.Wants(typ) {
						p.deliveries = append(p.deliveries, &Delivery{Channel: ChannelWebhook, EventID: e.ID, OrderID: e.OrderID, Type: typ,
							EndpointID: ep.ID, Recipient: ep.URL, Key: deliveryKey(e.ID, ChannelWebhook, strconv.FormatInt(ep.ID, 10), typ)})
					}
				}
			}
			if acc, ok := pl.(*OrderAcceptedPayload); ok && o != nil {
				p.scheduled = append(p.scheduled, acceptedSchedule(e, acc, o, notes)...)
			}
		}
		return p, nil
	})
	if err != nil || p == nil {
		return 0, err
	}
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (int, error) {
		cursor, err := tx.LockFanoutCursor(ctx)
		if err != nil {
			return 0, err
		}
		if cursor != p.cursor {
			return 0, nil // another worker fanned these out; the next call reads on from its cursor
		}
		for _, d := range p.deliveries {
			d.ID, d.Status, d.Attempts, d.NextAt, d.CreatedAt = 0, DeliveryPending, 0, now, now
		}
		if err := tx.InsertDeliveries(ctx, p.deliveries); err != nil {
			return 0, err
		}
		for _, m := range p.scheduled {
			if err := tx.PutScheduledMessage(ctx, m); err != nil {
				return 0, err
			}
		}
		if err := tx.SetFanoutCursor(ctx, p.last); err != nil {
			return 0, err
		}
		return p.events, nil
	})
}

// acceptedSchedule is what an accepted order schedules: its periodic
// update while units wait, and the message of its pre-order release.
func acceptedSchedule(e Event, p *OrderAcceptedPayload, o *Order, n NotificationSettings) []ScheduledMessage {
	var out []ScheduledMessage
	var waiting bool
	release := ""
	for _, l := range p.Lines {
		waiting = waiting || l.Backordered > 0
	}
	for _, l := range o.Lines {
		if l.AvailableFrom != "" && l.Open() > 0 && l.AvailableFrom > release {
			release = l.AvailableFrom
		}
	}
	if waiting {
		out = append(out, ScheduledMessage{OrderID: o.ID, Moment: MomentPeriodicUpdate, DueAt: e.At.Add(time.Duration(n.UpdateEveryDays) * 24 * time.Hour)})
	}
	if release != "" {
		if t, err := time.Parse(DateLayout, release); err == nil {
			out = append(out, ScheduledMessage{OrderID: o.ID, Moment: MomentPreorderReleased, DueAt: t})
		}
	}
	return out
}

// RunScheduled turns up to limit due scheduled messages into deliveries and
// returns how many it handled. An order that still waits gets its periodic
// update and the next one scheduled UpdateEveryDays later (counted from
// now if the clock jumped past it); an order that no longer waits has its
// row removed. A pre-order's release message is made once the latest
// release date among its open lines has come, and moves with that date.
func (s *Service) RunScheduled(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = FanoutPage
	}
	return write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (int, error) {
		due, err := tx.DueScheduledMessages(ctx, now, limit)
		if err != nil || len(due) == 0 {
			return 0, err
		}
		set, err := tx.Settings(ctx)
		if err != nil {
			return 0, err
		}
		notes := set.Notifications.Filled()
		var ds []*Delivery
		for _, m := range due {
			o, err := tx.Order(ctx, m.OrderID)
			if ErrorCode(err) == ENOTFOUND {
				if err := tx.DeleteScheduledMessage(ctx, m.OrderID, m.Moment); err != nil {
					return 0, err
				}
				continue
			} else if err != nil {
				return 0, err
			}
			next, send := nextScheduled(m, o, now, notes)
			if send && notes.Emails(m.Moment) && o.Customer.Email != "" {
				ds = append(ds, &Delivery{Channel: ChannelEmail, OrderID: o.ID, Moment: m.Moment, Recipient: o.Customer.Email,
					Status: DeliveryPending, NextAt: now, CreatedAt: now,
					Key: fmt.Sprintf("o/%s/%s/%d/%s", o.ID, m.Moment, m.Seq+1, o.Customer.Email)})
			}
			if next == nil {
				err = tx.DeleteScheduledMessage(ctx, m.OrderID, m.Moment)
			} else {
				err = tx.SaveScheduledMessage(ctx, *next)
			}
			if err != nil {
				return 0, err
			}
		}
		return len(due), tx.InsertDeliveries(ctx, ds)
	})
}

// nextScheduled is the rule of a due scheduled message m of order o at
// now: whether it sends its message, and the message it leaves scheduled
// (nil: none).
func nextScheduled(m ScheduledMessage, o *Order, now time.Time, n NotificationSettings) (next *ScheduledMessage, send bool) {
	switch m.Moment {
	case MomentPeriodicUpdate:
		var waiting bool
		for _, l := range o.Lines {
			waiting = waiting || l.Backordered > 0
		}
		if !waiting {
			return nil, false
		}
		every := time.Duration(n.UpdateEveryDays) * 24 * time.Hour
		m.Seq++
		if m.DueAt = m.DueAt.Add(every); !m.DueAt.After(now) {
			m.DueAt = now.Add(every)
		}
		return &m, true
	case MomentPreorderReleased:
		release := ""
		for _, l := range o.Lines {
			if l.AvailableFrom != "" && l.Open() > 0 && l.AvailableFrom > release {
				release = l.AvailableFrom
			}
		}
		if release == "" {
			return nil, false
		}
		if release > now.Format(DateLayout) {
			t, err := time.Parse(DateLayout, release)
			if err != nil {
				return nil, false
			}
			m.DueAt = t
			return &m, false
		}
		return nil, true
	}
	return nil, false
}

// Claim is a delivery a worker took, with what sending it needs: the event
// (nil for a scheduled message), the order with its lines (nil if it names
// none), and for a webhook the endpoint with its secret (nil if deleted).
type Claim struct {
	Delivery *Delivery
	Event    *Event
	Order    *Order
	Endpoint *WebhookEndpoint
}

// ClaimDeliveries takes up to n due deliveries for one worker until lease
// from now, and reads what sending them needs. Several workers on one
// database never hold the same delivery at once; one whose lease lapsed
// (its worker died) is taken again.
func (s *Service) ClaimDeliveries(ctx context.Context, n int, lease time.Duration) ([]*Claim, error) {
	ds, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) ([]*Delivery, error) {
		return tx.ClaimDeliveries(ctx, now, now.Add(lease), n)
	})
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Claim, error) {
		out := make([]*Claim, len(ds))
		for i, d := range ds {
			c := &Claim{Delivery: d}
			out[i] = c
			if d.EventID > 0 {
				es, err := tx.Events(ctx, d.EventID-1, 1)
				if err != nil {
					return nil, err
				} else if len(es) == 1 && es[0].ID == d.EventID {
					c.Event = &es[0]
				}
			}
			if d.OrderID != "" {
				o, err := tx.Order(ctx, d.OrderID)
				if err != nil && ErrorCode(err) != ENOTFOUND {
					return nil, err
				} else if err == nil {
					o.Derive()
					c.Order = o
				}
			}
			if d.Channel == ChannelWebhook {
				ep, err := tx.WebhookEndpoint(ctx, d.EndpointID)
				if err != nil && ErrorCode(err) != ENOTFOUND {
					return nil, err
				} else if err == nil {
					c.Endpoint = ep
				}
			}
		}
		return out, nil
	})
}

// DeliveryResult is how a try went.
type DeliveryResult struct {
	// Err is nil when the message was delivered (or kept).
	Err error
	// Permanent says trying again will not help.
	Permanent bool
	// Kept is set when the email was rendered and kept, not sent.
	Kept bool
	// Code is a webhook endpoint's HTTP status.
	Code                int
	Subject, Text, HTML string
}

// FinishDelivery records the try of a claimed delivery: sent or kept, or
// failed and due again after RetryDelay, or dead (DeliveryFailure). A
// webhook's endpoint is marked failing from its first failure after a
// success, and disabled once it has failed for DisableAfter. A claim that
// lapsed and was taken by another worker records nothing.
func (s *Service) FinishDelivery(ctx context.Context, c *Claim, r DeliveryResult) error {
	_, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (struct{}, error) {
		d, err := tx.Delivery(ctx, c.Delivery.ID)
		if err != nil {
			return struct{}{}, err
		}
		if d.Status != DeliverySending || d.Attempts != c.Delivery.Attempts {
			return struct{}{}, nil
		}
		if r.Subject != "" || r.Text != "" || r.HTML != "" {
			d.Subject, d.Text, d.HTML = r.Subject, r.Text, r.HTML
		}
		d.Code, d.LeaseUntil = r.Code, time.Time{}
		if r.Err == nil {
			d.Status, d.LastError, d.SentAt = DeliverySent, "", &now
			if r.Kept {
				d.Status = DeliveryKept
			}
		} else {
			d.LastError = truncate(r.Err.Error(), 1000)
			d.Status, d.NextAt = DeliveryFailure(d.Attempts, r.Permanent, now)
		}
		if err := tx.SaveDelivery(ctx, d); err != nil {
			return struct{}{}, err
		}
		if d.Channel != ChannelWebhook || c.Endpoint == nil {
			return struct{}{}, nil
		}
		ep, err := tx.WebhookEndpoint(ctx, d.EndpointID)
		if ErrorCode(err) == ENOTFOUND || (err == nil && ep.Status != EndpointEnabled) {
			return struct{}{}, nil
		} else if err != nil {
			return struct{}{}, err
		}
		if r.Err == nil {
			if ep.FailingSince == nil {
				return struct{}{}, nil
			}
			ep.FailingSince = nil
		} else {
			since, disable := EndpointFailed(ep.FailingSince, now)
			ep.FailingSince = &since
			if disable {
				ep.Status, ep.DisabledAt = EndpointDisabled, &now
				ep.DisabledReason = truncate(fmt.Sprintf("Failing since %s: %s", since.Format(time.RFC3339), d.LastError), 1000)
				s.log.Warn("webhook endpoint disabled", "endpoint", ep.ID, "url", ep.URL, "failing_since", since)
			}
		}
		return struct{}{}, tx.SaveWebhookEndpoint(ctx, ep)
	})
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Deliveries lists deliveries in ID order. Returns EINVALID for an unknown status.
func (s *Service) Deliveries(ctx context.Context, f DeliveryFilter) ([]*Delivery, error) {
	if f.Status != "" && !slices.Contains(DeliveryStatuses, f.Status) {
		return nil, FieldErrorf(EINVALID, "status", "Status must be one of %v.", DeliveryStatuses)
	}
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Delivery, error) { return tx.ListDeliveries(ctx, f) })
}

// OrderMessages lists the emails of an order: what its customer got, or
// would have got without SMTP. Returns ENOTFOUND for an unknown order.
func (s *Service) OrderMessages(ctx context.Context, orderID string, after int64, limit int) ([]*Delivery, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Delivery, error) {
		if _, err := tx.Order(ctx, orderID); err != nil {
			return nil, err
		}
		return tx.ListDeliveries(ctx, DeliveryFilter{OrderID: orderID, Channel: ChannelEmail, After: after, Limit: limit})
	})
}

// RetryDelivery requeues a dead delivery: due now, with a fresh run of
// tries. Retrying a delivery to a disabled webhook endpoint enables the
// endpoint again. Returns ENOTFOUND for an unknown delivery and ECONFLICT
// for one that is not dead.
func (s *Service) RetryDelivery(ctx context.Context, id int64, idem *Idempotency) (*Delivery, error) {
	return write(ctx, s, nil, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*Delivery, error) {
		d, err := tx.Delivery(ctx, id)
		if err != nil {
			return nil, err
		}
		if d.Status != DeliveryDead {
			return nil, Errorf(ECONFLICT, "Delivery %d is %s; only a dead delivery is retried.", id, d.Status)
		}
		d.Status, d.Attempts, d.NextAt = DeliveryPending, 0, now
		if err := tx.SaveDelivery(ctx, d); err != nil {
			return nil, err
		}
		if d.Channel == ChannelWebhook {
			ep, err := tx.WebhookEndpoint(ctx, d.EndpointID)
			if err == nil && ep.Status == EndpointDisabled {
				ep.Status, ep.DisabledAt, ep.DisabledReason, ep.FailingSince = EndpointEnabled, nil, "", nil
				err = tx.SaveWebhookEndpoint(ctx, ep)
			}
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return nil, err
			}
		}
		return d, nil
	})
}

// CreateWebhookEndpoint registers an endpoint with a new secret, returned
// this once (and to a retry with the same Idempotency-Key). Returns
// EINVALID for a bad URL or event type.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, r *WebhookEndpointRequest, idem *Idempotency) (*WebhookEndpoint, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	return write(ctx, s, nil, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*WebhookEndpoint, error) {
		e := &WebhookEndpoint{URL: r.URL, Events: slices.Clone(r.Events), Secret: "whsec_" + hex.EncodeToString(raw), Status: EndpointEnabled, CreatedAt: now}
		return e, tx.InsertWebhookEndpoint(ctx, e)
	})
}

// WebhookEndpoint returns an endpoint without its secret; ENOTFOUND if unknown.
func (s *Service) WebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*WebhookEndpoint, error) {
		e, err := tx.WebhookEndpoint(ctx, id)
		if err != nil {
			return nil, err
		}
		e.Secret = ""
		return e, nil
	})
}

// WebhookEndpoints lists endpoints in ID order, without their secrets.
func (s *Service) WebhookEndpoints(ctx context.Context, after int64, limit int) ([]*WebhookEndpoint, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*WebhookEndpoint, error) {
		es, err := tx.ListWebhookEndpoints(ctx, after, limit)
		for _, e := range es {
			e.Secret = ""
		}
		return es, err
	})
}

// DeleteWebhookEndpoint removes an endpoint: nothing more is posted to it,
// and deliveries still due to it die. Returns ENOTFOUND if unknown.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	_, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (struct{}, error) {
		return struct{}{}, tx.DeleteWebhookEndpoint(ctx, id)
	})
	return err
}

// EndpointDeliveries lists the deliveries to an endpoint, its delivery
// log, in ID order. Returns ENOTFOUND for an unknown endpoint.
func (s *Service) EndpointDeliveries(ctx context.Context, id, after int64, limit int) ([]*Delivery, error) {
	return read(ctx, s, func(tx Tx, now time.Time) ([]*Delivery, error) {
		if _, err := tx.WebhookEndpoint(ctx, id); err != nil {
			return nil, err
		}
		return tx.ListDeliveries(ctx, DeliveryFilter{EndpointID: id, Channel: ChannelWebhook, After: after, Limit: limit})
	})
}
