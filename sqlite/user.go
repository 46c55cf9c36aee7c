package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/backorder/backorder"
)

// InsertUser stores a new user, setting its ID; ECONFLICT if the email is taken.
func (tx *Tx) InsertUser(ctx context.Context, u *backorder.User) error {
	err := tx.queryRow(ctx, `INSERT INTO users (email, name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, string(u.PasswordHash), micros(u.CreatedAt)).Scan(&u.ID)
	return FormatError(err, "insert user", fmt.Sprintf("user %q", u.Email))
}

// UserByEmail returns one user; ENOTFOUND if none has that email.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*backorder.User, error) {
	var u backorder.User
	var hash string
	var created int64
	err := tx.queryRow(ctx, `SELECT id, email, name, password_hash, created_at FROM users WHERE email = ?`, email).
		Scan(&u.ID, &u.Email, &u.Name, &hash, &created)
	if err != nil {
		return nil, FormatError(err, "user", fmt.Sprintf("user %q", email))
	}
	u.PasswordHash, u.CreatedAt = []byte(hash), fromMicros(created)
	return &u, nil
}

// InsertSession stores a new session.
func (tx *Tx) InsertSession(ctx context.Context, s *backorder.Session) error {
	_, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		s.TokenHash, s.UserID, s.CSRF, micros(s.CreatedAt), micros(s.ExpiresAt))
	return FormatError(err, "insert session", "session")
}

// Session returns a session with its user's email; ENOTFOUND if none.
func (tx *Tx) Session(ctx context.Context, tokenHash string) (*backorder.Session, error) {
	s := backorder.Session{TokenHash: tokenHash}
	var created, expires int64
	err := tx.queryRow(ctx, `SELECT s.user_id, u.email, s.csrf, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash).
		Scan(&s.UserID, &s.Email, &s.CSRF, &created, &expires)
	if err != nil {
		return nil, FormatError(err, "session", "session")
	}
	s.CreatedAt, s.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &s, nil
}

// DeleteSession removes a session; a missing one is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
	return FormatError(err, "delete session", "")
}

// DeleteSessionsExpired removes the sessions expired at now.
func (tx *Tx) DeleteSessionsExpired(ctx context.Context, now time.Time) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, micros(now))
	return FormatError(err, "delete expired sessions", "")
}

// Backlog sums the waiting lines per SKU, currency and UTC day of acceptance,
// through the partial index of waiting lines in fill order (order_lines_queue).
func (tx *Tx) Backlog(ctx context.Context) ([]backorder.BacklogDay, error) {
	rows, err := tx.query(ctx, `SELECT sku, currency, date(accepted_at / 1000000, 'unixepoch') AS day,
			COUNT(*), SUM(backordered), SUM(backordered * price_cents), MIN(accepted_at)
		FROM order_lines WHERE backordered > 0 GROUP BY sku, currency, day ORDER BY sku, currency, day`)
	if err != nil {
		return nil, FormatError(err, "backlog", "")
	}
	defer rows.Close()
	out := []backorder.BacklogDay{}
	for rows.Next() {
		var d backorder.BacklogDay
		var oldest int64
		if err := rows.Scan(&d.SKU, &d.Currency, &d.Day, &d.Lines, &d.Units, &d.ValueCents, &oldest); err != nil {
			return nil, FormatError(err, "backlog", "")
		}
		d.Oldest = fromMicros(oldest)
		out = append(out, d)
	}
	return out, FormatError(rows.Err(), "backlog", "")
}
