package backorder

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// CreateUser adds an operations user who may sign in to the dashboard; the
// password is kept only as a bcrypt hash. Returns EINVALID for a bad field
// and ECONFLICT when the email is taken. With an Idempotency-Key a retry
// gets the first outcome.
func (s *Service) CreateUser(ctx context.Context, req *UserRequest, idem *Idempotency) (*User, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.Password), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	return write(ctx, s, nil, idem, func(ctx context.Context, tx *writeTx, now time.Time) (*User, error) {
		u := &User{Email: req.Email, Name: req.Name, PasswordHash: hash, CreatedAt: now}
		if err := tx.InsertUser(ctx, u); err != nil {
			if ErrorCode(err) == ECONFLICT {
				return nil, FieldErrorf(ECONFLICT, "email", "A user with email %s exists.", req.Email)
			}
			return nil, err
		}
		return u, nil
	})
}

// dummyHash is compared against when the email is unknown, so that a
// sign-in takes as long whether or not the user exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user, no such password"), bcrypt.DefaultCost)

// SignIn checks a user's password and opens a session of SessionTTL. It
// returns the session and its token, which only the browser keeps (the store
// has its hash). Expired sessions are removed in the same transaction.
// Returns EUNAUTHORIZED, the same for an unknown email and a wrong password.
func (s *Service) SignIn(ctx context.Context, email, password string) (*Session, string, error) {
	bad := Errorf(EUNAUTHORIZED, "The email or password is not right.")
	u, err := read(ctx, s, func(tx Tx, now time.Time) (*User, error) {
		return tx.UserByEmail(ctx, normalizeEmail(email))
	})
	if ErrorCode(err) == ENOTFOUND {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password)) // same time as a wrong password
		return nil, "", bad
	} else if err != nil {
		return nil, "", err
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return nil, "", bad
	}
	token, csrf := randomToken(), randomToken()
	sess, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (*Session, error) {
		if err := tx.DeleteSessionsExpired(ctx, now); err != nil {
			return nil, err
		}
		sess := &Session{TokenHash: HashSessionToken(token), UserID: u.ID, Email: u.Email, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
		return sess, tx.InsertSession(ctx, sess)
	})
	if err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// Session returns the live session of a token. Returns EUNAUTHORIZED for an
// unknown token and for an expired session.
func (s *Service) Session(ctx context.Context, token string) (*Session, error) {
	return read(ctx, s, func(tx Tx, now time.Time) (*Session, error) {
		sess, err := tx.Session(ctx, HashSessionToken(token))
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(EUNAUTHORIZED, "Please sign in.")
		} else if err != nil {
			return nil, err
		}
		if !sess.Live(now) {
			return nil, Errorf(EUNAUTHORIZED, "The session has expired; please sign in again.")
		}
		return sess, nil
	})
}

// SignOut ends the session of a token; an unknown token is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	_, err := write(ctx, s, nil, nil, func(ctx context.Context, tx *writeTx, now time.Time) (struct{}, error) {
		return struct{}{}, tx.DeleteSession(ctx, HashSessionToken(token))
	})
	return err
}

// randomToken is 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
