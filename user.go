package backorder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/mail"
	"strings"
	"time"
)

// User is an operations user who signs in to the dashboard. Only a hash of
// the password is kept (bcrypt).
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash []byte    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// UserRequest is the body of a user creation.
type UserRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// Password length bounds: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 72
)

// SessionTTL is how long a dashboard session lasts after sign-in.
const SessionTTL = 12 * time.Hour

// Validate checks a user creation and normalizes the email to lower case.
func (r *UserRequest) Validate() error {
	r.Email = normalizeEmail(r.Email)
	if r.Email == "" {
		return FieldErrorf(EINVALID, "email", "Email is required.")
	} else if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email || len(r.Email) > 254 {
		return FieldErrorf(EINVALID, "email", "Email must be a plain address such as ann@example.com.")
	}
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		r.Name = r.Email
	} else if len(r.Name) > MaxTextLength {
		return FieldErrorf(EINVALID, "name", "Name must be at most %d bytes.", MaxTextLength)
	}
	if n := len(r.Password); n < MinPasswordLength || n > MaxPasswordLength {
		return FieldErrorf(EINVALID, "password", "Password must be between %d and %d bytes.", MinPasswordLength, MaxPasswordLength)
	}
	return nil
}

// normalizeEmail is the form an email is stored and looked up in.
func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// Session is a signed-in dashboard session. The browser holds a random
// token; the store keeps only its SHA-256 (TokenHash), so a copy of the
// database signs nobody in. CSRF is the token every form of the session
// must carry.
type Session struct {
	TokenHash string    `json:"-"`
	UserID    int64     `json:"user_id"`
	Email     string    `json:"email"`
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Live reports whether the session is still valid at now.
func (s *Session) Live(now time.Time) bool { return now.Before(s.ExpiresAt) }

// HashSessionToken is the stored form of a session token.
func HashSessionToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// UserTx is what a store keeps of users and their sessions.
type UserTx interface {
	// InsertUser stores a new user, setting its ID; ECONFLICT if the email
	// is taken.
	InsertUser(ctx context.Context, u *User) error
	// UserByEmail returns one user; ENOTFOUND if none has that email.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// InsertSession stores a new session.
	InsertSession(ctx context.Context, s *Session) error
	// Session returns the session with that token hash, with its user's
	// email; ENOTFOUND if there is none.
	Session(ctx context.Context, tokenHash string) (*Session, error)
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessionsExpired removes the sessions expired at now.
	DeleteSessionsExpired(ctx context.Context, now time.Time) error
}
