package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/backorder/backorder"
)

// LockFanoutCursor returns the fan-out cursor. SQLite has one writer, so
// the write transaction holds it already.
func (tx *Tx) LockFanoutCursor(ctx context.Context) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT event_id FROM fanout_cursor WHERE id = 1`).Scan(&id)
	return id, FormatError(err, "fanout cursor", "fan-out cursor")
}

// SetFanoutCursor moves the fan-out cursor.
func (tx *Tx) SetFanoutCursor(ctx context.Context, eventID int64) error {
	_, err := tx.exec(ctx, `UPDATE fanout_cursor SET event_id = ? WHERE id = 1`, eventID)
	return FormatError(err, "set fanout cursor", "")
}

// InsertDeliveries stores new deliveries, skipping those whose key exists.
func (tx *Tx) InsertDeliveries(ctx context.Context, ds []*backorder.Delivery) error {
	for _, d := range ds {
		var id int64
		err := tx.queryRow(ctx, `INSERT INTO deliveries (key, channel, event_id, order_id, moment, type, endpoint_id, recipient,
			status, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING RETURNING id`,
			d.Key, d.Channel, nullZero(d.EventID), nullStr(d.OrderID), nullStr(d.Moment), nullStr(d.Type), nullZero(d.EndpointID),
			d.Recipient, d.Status, int64(d.Attempts), micros(d.NextAt), micros(d.CreatedAt)).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return FormatError(err, "insert deliveries", "")
		}
		d.ID = id
	}
	return nil
}

const deliveryColumns = `id, key, channel, event_id, order_id, moment, type, endpoint_id, recipient, status, attempts,
	next_at, lease_until, last_error, code, subject, text_body, html_body, created_at, sent_at`

// ClaimDeliveries marks up to n due deliveries sending until lease.
func (tx *Tx) ClaimDeliveries(ctx context.Context, now, lease time.Time, n int) ([]*backorder.Delivery, error) {
	ds, err := tx.deliveries(ctx, `UPDATE deliveries SET status = 'sending', lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM deliveries WHERE status = 'pending' AND next_at <= ?
			UNION ALL SELECT id FROM deliveries WHERE status = 'sending' AND lease_until <= ?
			ORDER BY id LIMIT ?)
		RETURNING `+deliveryColumns, micros(lease), micros(now), micros(now), int64(n))
	slices.SortFunc(ds, func(a, b *backorder.Delivery) int { return int(a.ID - b.ID) })
	return ds, err
}

// Delivery returns one delivery; ENOTFOUND if unknown.
func (tx *Tx) Delivery(ctx context.Context, id int64) (*backorder.Delivery, error) {
	ds, err := tx.deliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(ds) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("delivery %d", id))
	}
	return ds[0], nil
}

// SaveDelivery writes a delivery's state and content.
func (tx *Tx) SaveDelivery(ctx context.Context, d *backorder.Delivery) error {
	var lease, sent any
	if !d.LeaseUntil.IsZero() {
		lease = micros(d.LeaseUntil)
	}
	if d.SentAt != nil {
		sent = micros(*d.SentAt)
	}
	_, err := tx.exec(ctx, `UPDATE deliveries SET status = ?, attempts = ?, next_at = ?, lease_until = ?, last_error = ?, code = ?,
		subject = ?, text_body = ?, html_body = ?, sent_at = ? WHERE id = ?`,
		d.Status, int64(d.Attempts), micros(d.NextAt), lease, nullStr(d.LastError), int64(d.Code),
		nullStr(d.Subject), nullStr(d.Text), nullStr(d.HTML), sent, d.ID)
	return FormatError(err, "save delivery", fmt.Sprintf("delivery %d", d.ID))
}

// ListDeliveries returns deliveries in ID order after the cursor.
func (tx *Tx) ListDeliveries(ctx context.Context, f backorder.DeliveryFilter) ([]*backorder.Delivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM deliveries WHERE id > ?`
	args := []any{f.After}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Channel != "" {
		q += ` AND channel = ?`
		args = append(args, f.Channel)
	}
	if f.OrderID != "" {
		q += ` AND order_id = ?`
		args = append(args, f.OrderID)
	}
	if f.EndpointID != 0 {
		q += ` AND endpoint_id = ?`
		args = append(args, f.EndpointID)
	}
	return tx.deliveries(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit(f.Limit))...)
}

func (tx *Tx) deliveries(ctx context.Context, q string, args ...any) ([]*backorder.Delivery, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "deliveries", "")
	}
	defer rows.Close()
	out := []*backorder.Delivery{}
	r := newRow(20)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "deliveries", "")
		}
		d := &backorder.Delivery{ID: r.int(0), Key: r.str(1), Channel: r.str(2), EventID: r.int(3), OrderID: r.str(4), Moment: r.str(5),
			Type: r.str(6), EndpointID: r.int(7), Recipient: r.str(8), Status: r.str(9), Attempts: int(r.int(10)),
			NextAt: fromMicros(r.int(11)), LastError: r.str(13), Code: int(r.int(14)), Subject: r.str(15), Text: r.str(16), HTML: r.str(17),
			CreatedAt: fromMicros(r.int(18))}
		if p := r.intPtr(12); p != nil {
			d.LeaseUntil = fromMicros(*p)
		}
		if p := r.intPtr(19); p != nil {
			t := fromMicros(*p)
			d.SentAt = &t
		}
		out = append(out, d)
	}
	return out, FormatError(rows.Err(), "deliveries", "")
}

const endpointColumns = `id, url, events, secret, status, failing_since, disabled_at, disabled_reason, created_at`

// InsertWebhookEndpoint stores a new endpoint, setting its ID.
func (tx *Tx) InsertWebhookEndpoint(ctx context.Context, e *backorder.WebhookEndpoint) error {
	events, err := json.Marshal(e.Events)
	if err != nil {
		return fmt.Errorf("sqlite: insert webhook endpoint: %w", err)
	}
	err = tx.queryRow(ctx, `INSERT INTO webhook_endpoints (url, events, secret, status, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		e.URL, string(events), e.Secret, e.Status, micros(e.CreatedAt)).Scan(&e.ID)
	return FormatError(err, "insert webhook endpoint", "")
}

// WebhookEndpoint returns one endpoint; ENOTFOUND if unknown.
func (tx *Tx) WebhookEndpoint(ctx context.Context, id int64) (*backorder.WebhookEndpoint, error) {
	es, err := tx.endpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`, id)
	if err != nil {
		return nil, err
	} else if len(es) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("webhook endpoint %d", id))
	}
	return es[0], nil
}

// ListWebhookEndpoints returns endpoints in ID order after the cursor.
func (tx *Tx) ListWebhookEndpoints(ctx context.Context, after int64, n int) ([]*backorder.WebhookEndpoint, error) {
	return tx.endpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id > ? ORDER BY id LIMIT ?`, after, limit(n))
}

// SaveWebhookEndpoint writes an endpoint's status and failure times.
func (tx *Tx) SaveWebhookEndpoint(ctx context.Context, e *backorder.WebhookEndpoint) error {
	_, err := tx.exec(ctx, `UPDATE webhook_endpoints SET status = ?, failing_since = ?, disabled_at = ?, disabled_reason = ? WHERE id = ?`,
		e.Status, microsPtr(e.FailingSince), microsPtr(e.DisabledAt), nullStr(e.DisabledReason), e.ID)
	return FormatError(err, "save webhook endpoint", fmt.Sprintf("webhook endpoint %d", e.ID))
}

// DeleteWebhookEndpoint removes an endpoint; ENOTFOUND if unknown.
func (tx *Tx) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
	if err != nil {
		return FormatError(err, "delete webhook endpoint", "")
	}
	if n, err := res.RowsAffected(); err != nil {
		return FormatError(err, "delete webhook endpoint", "")
	} else if n == 0 {
		return backorder.NotFound(fmt.Sprintf("webhook endpoint %d", id))
	}
	return nil
}

func (tx *Tx) endpoints(ctx context.Context, q string, args ...any) ([]*backorder.WebhookEndpoint, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, FormatError(err, "webhook endpoints", "")
	}
	defer rows.Close()
	out := []*backorder.WebhookEndpoint{}
	r := newRow(9)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "webhook endpoints", "")
		}
		e := &backorder.WebhookEndpoint{ID: r.int(0), URL: r.str(1), Secret: r.str(3), Status: r.str(4),
			FailingSince: timePtr(r.intPtr(5)), DisabledAt: timePtr(r.intPtr(6)), DisabledReason: r.str(7), CreatedAt: fromMicros(r.int(8))}
		if err := json.Unmarshal([]byte(r.str(2)), &e.Events); err != nil {
			return nil, fmt.Errorf("sqlite: webhook endpoint %d events: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, FormatError(rows.Err(), "webhook endpoints", "")
}

// PutScheduledMessage stores m unless its order has one of its moment.
func (tx *Tx) PutScheduledMessage(ctx context.Context, m backorder.ScheduledMessage) error {
	_, err := tx.exec(ctx, `INSERT INTO scheduled_messages (order_id, moment, due_at, seq) VALUES (?, ?, ?, ?)
		ON CONFLICT (order_id, moment) DO NOTHING`, m.OrderID, m.Moment, micros(m.DueAt), int64(m.Seq))
	return FormatError(err, "put scheduled message", "")
}

// DueScheduledMessages returns up to n messages due at now, oldest first.
func (tx *Tx) DueScheduledMessages(ctx context.Context, now time.Time, n int) ([]backorder.ScheduledMessage, error) {
	rows, err := tx.query(ctx, `SELECT order_id, moment, due_at, seq FROM scheduled_messages WHERE due_at <= ?
		ORDER BY due_at, order_id, moment LIMIT ?`, micros(now), int64(n))
	if err != nil {
		return nil, FormatError(err, "due scheduled messages", "")
	}
	defer rows.Close()
	var out []backorder.ScheduledMessage
	r := newRow(4)
	for rows.Next() {
		if err := r.scan(rows); err != nil {
			return nil, FormatError(err, "due scheduled messages", "")
		}
		out = append(out, backorder.ScheduledMessage{OrderID: r.str(0), Moment: r.str(1), DueAt: fromMicros(r.int(2)), Seq: int(r.int(3))})
	}
	return out, FormatError(rows.Err(), "due scheduled messages", "")
}

// SaveScheduledMessage writes a message's due time and Seq.
func (tx *Tx) SaveScheduledMessage(ctx context.Context, m backorder.ScheduledMessage) error {
	_, err := tx.exec(ctx, `UPDATE scheduled_messages SET due_at = ?, seq = ? WHERE order_id = ? AND moment = ?`,
		micros(m.DueAt), int64(m.Seq), m.OrderID, m.Moment)
	return FormatError(err, "save scheduled message", "")
}

// DeleteScheduledMessage removes the message of an order and moment.
func (tx *Tx) DeleteScheduledMessage(ctx context.Context, orderID, moment string) error {
	_, err := tx.exec(ctx, `DELETE FROM scheduled_messages WHERE order_id = ? AND moment = ?`, orderID, moment)
	return FormatError(err, "delete scheduled message", "")
}

func nullZero(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func timePtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := fromMicros(*v)
	return &t
}
