package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/backorder/backorder"
)

// LockFanoutCursor returns the fan-out cursor; in a write transaction it
// locks the cursor's row, so the fan-outs of several instances take turns.
func (tx *Tx) LockFanoutCursor(ctx context.Context) (int64, error) {
	q := `SELECT event_id FROM fanout_cursor WHERE id = 1`
	if tx.write {
		q += ` FOR UPDATE`
	}
	var id int64
	err := tx.tx.QueryRow(ctx, q).Scan(&id)
	return id, FormatError(err, "fanout cursor", "fan-out cursor")
}

// SetFanoutCursor moves the fan-out cursor.
func (tx *Tx) SetFanoutCursor(ctx context.Context, eventID int64) error {
	_, err := tx.tx.Exec(ctx, `UPDATE fanout_cursor SET event_id = $1 WHERE id = 1`, eventID)
	return FormatError(err, "set fanout cursor", "")
}

// InsertDeliveries stores new deliveries, skipping those whose key exists,
// in one batch.
func (tx *Tx) InsertDeliveries(ctx context.Context, ds []*backorder.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, d := range ds {
		b.Queue(`INSERT INTO deliveries (key, channel, event_id, order_id, moment, type, endpoint_id, recipient,
			status, attempts, next_at, created_at) VALUES ($1, $2, nullif($3, 0), nullif($4, ''), nullif($5, ''), nullif($6, ''),
			nullif($7, 0), $8, $9, $10, $11, $12)
			ON CONFLICT (key) DO NOTHING RETURNING id`,
			d.Key, d.Channel, d.EventID, d.OrderID, d.Moment, d.Type, d.EndpointID, d.Recipient, d.Status, d.Attempts, d.NextAt, d.CreatedAt)
	}
	br := tx.tx.SendBatch(ctx, b)
	for _, d := range ds {
		d.ID = 0
		if err := br.QueryRow().Scan(&d.ID); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			br.Close()
			return FormatError(err, "insert deliveries", "")
		}
	}
	return FormatError(br.Close(), "insert deliveries", "")
}

const deliveryColumns = `id, key, channel, coalesce(event_id, 0), coalesce(order_id, ''), coalesce(moment, ''), coalesce(type, ''),
	coalesce(endpoint_id, 0), recipient, status, attempts, next_at, lease_until, coalesce(last_error, ''), code,
	coalesce(subject, ''), coalesce(text_body, ''), coalesce(html_body, ''), created_at, sent_at`

// ClaimDeliveries marks up to n due deliveries sending until lease. Rows
// another transaction holds are skipped (FOR UPDATE SKIP LOCKED), so
// workers on several instances claim disjoint deliveries.
func (tx *Tx) ClaimDeliveries(ctx context.Context, now, lease time.Time, n int) ([]*backorder.Delivery, error) {
	ds, err := tx.deliveries(ctx, `UPDATE deliveries d SET status = 'sending', lease_until = $2, attempts = d.attempts + 1
		FROM (SELECT id FROM deliveries WHERE (status = 'pending' AND next_at <= $1) OR (status = 'sending' AND lease_until <= $1)
			ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) c
		WHERE d.id = c.id
		RETURNING d.`+deliveryColumns, now, lease, n)
	slices.SortFunc(ds, func(a, b *backorder.Delivery) int { return int(a.ID - b.ID) })
	return ds, err
}

// Delivery returns one delivery; ENOTFOUND if unknown. In a write
// transaction it locks the row.
func (tx *Tx) Delivery(ctx context.Context, id int64) (*backorder.Delivery, error) {
	q := `SELECT ` + deliveryColumns + ` FROM deliveries WHERE id = $1`
	if tx.write {
		q += ` FOR UPDATE`
	}
	ds, err := tx.deliveries(ctx, q, id)
	if err != nil {
		return nil, err
	} else if len(ds) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("delivery %d", id))
	}
	return ds[0], nil
}

// SaveDelivery writes a delivery's state and content.
func (tx *Tx) SaveDelivery(ctx context.Context, d *backorder.Delivery) error {
	var lease *time.Time
	if !d.LeaseUntil.IsZero() {
		lease = &d.LeaseUntil
	}
	_, err := tx.tx.Exec(ctx, `UPDATE deliveries SET status = $1, attempts = $2, next_at = $3, lease_until = $4,
		last_error = nullif($5, ''), code = $6, subject = nullif($7, ''), text_body = nullif($8, ''), html_body = nullif($9, ''),
		sent_at = $10 WHERE id = $11`,
		d.Status, d.Attempts, d.NextAt, lease, d.LastError, d.Code, d.Subject, d.Text, d.HTML, d.SentAt, d.ID)
	return FormatError(err, "save delivery", fmt.Sprintf("delivery %d", d.ID))
}

// ListDeliveries returns deliveries in ID order after the cursor.
func (tx *Tx) ListDeliveries(ctx context.Context, f backorder.DeliveryFilter) ([]*backorder.Delivery, error) {
	return tx.deliveries(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id > $1
		AND ($2 = '' OR status = $2) AND ($3 = '' OR channel = $3) AND ($4 = '' OR order_id = $4) AND ($5 = 0 OR endpoint_id = $5)
		ORDER BY id LIMIT $6`, f.After, f.Status, f.Channel, f.OrderID, f.EndpointID, limit(f.Limit))
}

func (tx *Tx) deliveries(ctx context.Context, q string, args ...any) ([]*backorder.Delivery, error) {
	out := []*backorder.Delivery{}
	var d backorder.Delivery
	var lease, sent *time.Time
	err := collect(ctx, tx.tx, q, args, []any{&d.ID, &d.Key, &d.Channel, &d.EventID, &d.OrderID, &d.Moment, &d.Type, &d.EndpointID,
		&d.Recipient, &d.Status, &d.Attempts, &d.NextAt, &lease, &d.LastError, &d.Code, &d.Subject, &d.Text, &d.HTML,
		&d.CreatedAt, &sent}, func() error {
		c := d
		c.NextAt, c.CreatedAt = c.NextAt.UTC(), c.CreatedAt.UTC()
		c.SentAt, c.LeaseUntil = utcPtr(sent), time.Time{}
		if lease != nil {
			c.LeaseUntil = lease.UTC()
		}
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "deliveries", "")
	}
	return out, nil
}

const endpointColumns = `id, url, events, secret, status, failing_since, disabled_at, coalesce(disabled_reason, ''), created_at`

// InsertWebhookEndpoint stores a new endpoint, setting its ID.
func (tx *Tx) InsertWebhookEndpoint(ctx context.Context, e *backorder.WebhookEndpoint) error {
	err := tx.tx.QueryRow(ctx, `INSERT INTO webhook_endpoints (url, events, secret, status, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		e.URL, e.Events, e.Secret, e.Status, e.CreatedAt).Scan(&e.ID)
	return FormatError(err, "insert webhook endpoint", "")
}

// WebhookEndpoint returns one endpoint; ENOTFOUND if unknown. In a write
// transaction it locks the row, so failures recorded at once by several
// workers are counted one after another.
func (tx *Tx) WebhookEndpoint(ctx context.Context, id int64) (*backorder.WebhookEndpoint, error) {
	q := `SELECT ` + endpointColumns + ` FROM webhook_endpoints WHERE id = $1`
	if tx.write {
		q += ` FOR UPDATE`
	}
	es, err := tx.endpoints(ctx, q, id)
	if err != nil {
		return nil, err
	} else if len(es) == 0 {
		return nil, backorder.NotFound(fmt.Sprintf("webhook endpoint %d", id))
	}
	return es[0], nil
}

// ListWebhookEndpoints returns endpoints in ID order after the cursor.
func (tx *Tx) ListWebhookEndpoints(ctx context.Context, after int64, n int) ([]*backorder.WebhookEndpoint, error) {
	return tx.endpoints(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id > $1 ORDER BY id LIMIT $2`, after, limit(n))
}

// SaveWebhookEndpoint writes an endpoint's status and failure times.
func (tx *Tx) SaveWebhookEndpoint(ctx context.Context, e *backorder.WebhookEndpoint) error {
	_, err := tx.tx.Exec(ctx, `UPDATE webhook_endpoints SET status = $1, failing_since = $2, disabled_at = $3,
		disabled_reason = nullif($4, '') WHERE id = $5`, e.Status, e.FailingSince, e.DisabledAt, e.DisabledReason, e.ID)
	return FormatError(err, "save webhook endpoint", fmt.Sprintf("webhook endpoint %d", e.ID))
}

// DeleteWebhookEndpoint removes an endpoint; ENOTFOUND if unknown.
func (tx *Tx) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	tag, err := tx.tx.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id)
	if err != nil {
		return FormatError(err, "delete webhook endpoint", "")
	} else if tag.RowsAffected() == 0 {
		return backorder.NotFound(fmt.Sprintf("webhook endpoint %d", id))
	}
	return nil
}

func (tx *Tx) endpoints(ctx context.Context, q string, args ...any) ([]*backorder.WebhookEndpoint, error) {
	out := []*backorder.WebhookEndpoint{}
	var e backorder.WebhookEndpoint
	var failing, disabled *time.Time
	err := collect(ctx, tx.tx, q, args, []any{&e.ID, &e.URL, &e.Events, &e.Secret, &e.Status, &failing, &disabled, &e.DisabledReason, &e.CreatedAt}, func() error {
		c := e
		c.Events = slices.Clone(e.Events)
		c.CreatedAt = c.CreatedAt.UTC()
		c.FailingSince, c.DisabledAt = utcPtr(failing), utcPtr(disabled)
		out = append(out, &c)
		return nil
	})
	if err != nil {
		return nil, FormatError(err, "webhook endpoints", "")
	}
	return out, nil
}

// PutScheduledMessage stores m unless its order has one of its moment.
func (tx *Tx) PutScheduledMessage(ctx context.Context, m backorder.ScheduledMessage) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO scheduled_messages (order_id, moment, due_at, seq) VALUES ($1, $2, $3, $4)
		ON CONFLICT (order_id, moment) DO NOTHING`, m.OrderID, m.Moment, m.DueAt, m.Seq)
	return FormatError(err, "put scheduled message", "")
}

// DueScheduledMessages returns up to n messages due at now, oldest first,
// locking them; rows another transaction holds are skipped.
func (tx *Tx) DueScheduledMessages(ctx context.Context, now time.Time, n int) ([]backorder.ScheduledMessage, error) {
	var out []backorder.ScheduledMessage
	var m backorder.ScheduledMessage
	err := collect(ctx, tx.tx, `SELECT order_id, moment, due_at, seq FROM scheduled_messages WHERE due_at <= $1
		ORDER BY due_at, order_id, moment LIMIT $2 FOR UPDATE SKIP LOCKED`, []any{now, n},
		[]any{&m.OrderID, &m.Moment, &m.DueAt, &m.Seq}, func() error {
			c := m
			c.DueAt = c.DueAt.UTC()
			out = append(out, c)
			return nil
		})
	return out, FormatError(err, "due scheduled messages", "")
}

// SaveScheduledMessage writes a message's due time and Seq.
func (tx *Tx) SaveScheduledMessage(ctx context.Context, m backorder.ScheduledMessage) error {
	_, err := tx.tx.Exec(ctx, `UPDATE scheduled_messages SET due_at = $1, seq = $2 WHERE order_id = $3 AND moment = $4`,
		m.DueAt, m.Seq, m.OrderID, m.Moment)
	return FormatError(err, "save scheduled message", "")
}

// DeleteScheduledMessage removes the message of an order and moment.
func (tx *Tx) DeleteScheduledMessage(ctx context.Context, orderID, moment string) error {
	_, err := tx.tx.Exec(ctx, `DELETE FROM scheduled_messages WHERE order_id = $1 AND moment = $2`, orderID, moment)
	return FormatError(err, "delete scheduled message", "")
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
