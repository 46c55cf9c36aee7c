package dashboard

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/backorder/backorder"
)

type sessionKey struct{}

// sessionOf is the session withSession found for the request.
func sessionOf(ctx context.Context) *backorder.Session {
	s, _ := ctx.Value(sessionKey{}).(*backorder.Session)
	return s
}

// currentSession returns the live session named by the request's cookie,
// or nil.
func (h *Handler) currentSession(r *http.Request) (*backorder.Session, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	s, err := h.cfg.Service.Session(r.Context(), c.Value)
	if backorder.ErrorCode(err) == backorder.EUNAUTHORIZED {
		return nil, nil
	}
	return s, err
}

// withSession serves a form post only with a live session and the
// session's CSRF token in the form's csrf field: 401 without a session
// (stale ones too), 403 with a missing or wrong token.
func (h *Handler) withSession(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.currentSession(r)
		if err != nil {
			h.fail(w, err)
			return
		} else if s == nil {
			h.render(w, http.StatusUnauthorized, "signin", signinPage{Title: "Sign in", Error: "Your session has ended; please sign in again."})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return
		}
		got := r.PostForm.Get("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) != 1 {
			http.Error(w, "The form's CSRF token is missing or wrong; reload the page and try again.", http.StatusForbidden)
			return
		}
		// The audit log records the change as the signed-in user's.
		ctx := backorder.WithActor(context.WithValue(r.Context(), sessionKey{}, s), backorder.Actor{
			Kind: backorder.ActorUser, ID: s.Email, Name: s.Email, Action: "POST " + r.URL.Path, Path: r.URL.Path})
		next(w, r.WithContext(ctx))
	}
}

type signinPage struct {
	Title string
	Error string
	Email string
}

// handleLogin checks the email and password and opens a session. After five
// failed attempts for one email within 15 minutes, that email is refused
// (429) until the window has passed.
func (h *Handler) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	page := signinPage{Title: "Sign in", Email: email}
	now := h.cfg.Now()
	if !h.limiter.allow(email, now) {
		page.Error = "Too many failed sign-ins for this email; try again in a few minutes."
		h.render(w, http.StatusTooManyRequests, "signin", page)
		return
	}
	s, token, err := h.cfg.Service.SignIn(r.Context(), email, r.PostForm.Get("password"))
	if backorder.ErrorCode(err) == backorder.EUNAUTHORIZED {
		h.limiter.fail(email, now)
		page.Error = backorder.ErrorMessage(err)
		h.render(w, http.StatusUnauthorized, "signin", page)
		return
	} else if err != nil {
		h.fail(w, err)
		return
	}
	h.limiter.reset(email)
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: "/", MaxAge: int(s.ExpiresAt.Sub(s.CreatedAt) / time.Second),
		HttpOnly: true, Secure: h.cfg.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// handleLogout ends the session and clears the cookie.
func (h *Handler) handleLogout(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Cookie(CookieName) // withSession found it
	if err := h.cfg.Service.SignOut(r.Context(), c.Value); err != nil {
		h.fail(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.cfg.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// limiter counts failed sign-ins per email over a window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, fails: map[string][]time.Time{}}
}

// recent drops the failures of key older than the window and returns the rest.
func (l *limiter) recent(key string, now time.Time) []time.Time {
	fs := l.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = fs
	}
	return fs
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, now)) < l.max
}

func (l *limiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 10000 { // bounded: forget everyone rather than grow
		clear(l.fails)
	}
	l.fails[key] = append(l.recent(key, now), now)
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
