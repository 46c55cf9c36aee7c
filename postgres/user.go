package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

// InsertUser stores a new user, setting its ID; ECONFLICT if the email is taken.
func (tx *Tx) InsertUser(ctx context.Context, u *backorder.User) error {
	err := tx.tx.QueryRow(ctx, `INSERT INTO users (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		u.Email, u.Name, string(u.PasswordHash), u.CreatedAt).Scan(&u.ID)
	return FormatError(err, "insert user", fmt.Sprintf("user %q", u.Email))
}

// UserByEmail returns one user; ENOTFOUND if none has that email.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*backorder.User, error) {
	var u backorder.User
	var hash string
	err := tx.tx.QueryRow(ctx, `SELECT id, email, name, password_hash, created_at FROM users WHERE email = $1`, email).
		Scan(&u.ID, &u.Email, &u.Name, &hash, &u.CreatedAt)
	if err != nil {
		return nil, FormatError(err, "user", fmt.Sprintf("user %q", email))
	}
	u.PasswordHash, u.CreatedAt = []byte(hash), u.CreatedAt.UTC()
	return &u, nil
}

// InsertSession stores a new session.
func (tx *Tx) InsertSession(ctx context.Context, s *backorder.Session) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		s.TokenHash, s.UserID, s.CSRF, s.CreatedAt, s.ExpiresAt)
	return FormatError(err, "insert session", "session")
}

// Session returns a session with its user's email; ENOTFOUND if none.
func (tx *Tx) Session(ctx context.Context, tokenHash string) (*backorder.Session, error) {
	s := backorder.Session{TokenHash: tokenHash}
	err := tx.tx.QueryRow(ctx, `SELECT s.user_id, u.email, s.csrf, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, tokenHash).
		Scan(&s.UserID, &s.Email, &s.CSRF, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return nil, FormatError(err, "session", "session")
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return &s, nil
}

// DeleteSession removes a session; a missing one is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := tx.tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return FormatError(err, "delete session", "")
}

// DeleteSessionsExpired removes the sessions expired at now.
func (tx *Tx) DeleteSessionsExpired(ctx context.Context, now time.Time) error {
	_, err := tx.tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	return FormatError(err, "delete expired sessions", "")
}

// Backlog sums the waiting lines per SKU, currency and UTC day of acceptance,
// through the partial index of waiting lines in fill order (order_lines_queue).
func (tx *Tx) Backlog(ctx context.Context) ([]backorder.BacklogDay, error) {
	out := []backorder.BacklogDay{}
	var d backorder.BacklogDay
	err := collect(ctx, tx.tx, `SELECT sku, currency, to_char(accepted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
			COUNT(*), SUM(backordered)::bigint, SUM(backordered * price_cents)::bigint, MIN(accepted_at)
		FROM order_lines WHERE backordered > 0 GROUP BY sku, currency, day ORDER BY sku, currency, day`, nil,
		[]any{&d.SKU, &d.Currency, &d.Day, &d.Lines, &d.Units, &d.ValueCents, &d.Oldest}, func() error {
			c := d
			c.Oldest = c.Oldest.UTC()
			out = append(out, c)
			return nil
		})
	if err != nil {
		return nil, FormatError(err, "backlog", "")
	}
	return out, nil
}
