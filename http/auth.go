package http

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/backorder/backorder"
)

// keyCacheTTL is how long a key read from the store opens requests without
// being read again. A key revoked through this server closes at once; one
// revoked through another instance or the CLI closes within this time.
const keyCacheTTL = 2 * time.Second

// principal is whom a request is made by, as the authenticator found it.
type principal struct {
	actor  backorder.Actor
	scopes []string
}

type principalKey struct{}

// principalFrom returns the request's principal; a request the
// authenticator did not see (a test calling a handler directly) is admin's.
func principalFrom(ctx context.Context) principal {
	if p, ok := ctx.Value(principalKey{}).(principal); ok {
		return p
	}
	return principal{actor: backorder.Actor{Kind: backorder.ActorAdminToken}, scopes: []string{backorder.ScopeAdmin}}
}

func (p principal) admin() bool {
	for _, s := range p.scopes {
		if s == backorder.ScopeAdmin {
			return true
		}
	}
	return false
}

// authenticator requires credentials on every /v1 path, including unknown
// ones, so that the API's shape is not shown to strangers: the admin token,
// or an API key whose scopes allow the route. It applies each key's rate
// limit, records its use, and puts the actor in the request's context for
// the audit log.
type authenticator struct {
	svc   *backorder.Service
	admin [32]byte
	mux   *http.ServeMux
	log   *slog.Logger

	mu     sync.Mutex
	keys   map[string]cachedKey     // by the secret's hash
	limits map[string]*rate.Limiter // by key ID
}

type cachedKey struct {
	key  *backorder.APIKey
	read time.Time
}

func newAuthenticator(svc *backorder.Service, admin [32]byte, mux *http.ServeMux, log *slog.Logger) *authenticator {
	return &authenticator{svc: svc, admin: admin, mux: mux, log: log, keys: map[string]cachedKey{}, limits: map[string]*rate.Limiter{}}
}

func (a *authenticator) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := path.Clean("/" + r.URL.Path); p != "/v1" && !strings.HasPrefix(p, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, err := a.authorize(w, r)
		if err != nil {
			writeError(w, r, a.log, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authorize finds the request's principal and checks that it may use the
// route; the context it returns carries the principal and the actor.
func (a *authenticator) authorize(w http.ResponseWriter, r *http.Request) (context.Context, error) {
	secret, err := bearer(r)
	if err != nil {
		return nil, err
	}
	_, route := a.mux.Handler(r)
	method, pattern, _ := strings.Cut(route, " ")
	actor := backorder.Actor{Kind: backorder.ActorAdminToken, Action: route, Path: r.URL.Path}
	p := principal{scopes: []string{backorder.ScopeAdmin}}
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], a.admin[:]) != 1 {
		k, err := a.key(r.Context(), secret)
		if err != nil {
			return nil, err
		}
		actor.Kind, actor.ID, actor.Name = backorder.ActorAPIKey, k.ID, k.Name
		p.scopes = k.Scopes
		if route != "" && !allowed(k.Scopes, method, pattern) {
			return nil, backorder.Errorf(backorder.EFORBIDDEN, "The key's scopes (%s) do not allow %s.", strings.Join(k.Scopes, ", "), route)
		}
		if wait, ok := a.allow(k); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return nil, backorder.Errorf(backorder.ERATELIMITED, "The key's rate limit is %d requests per second; retry after %s.", k.RateLimit, wait.Round(time.Millisecond))
		}
		a.touch(r.Context(), k)
	}
	p.actor = actor
	ctx := context.WithValue(r.Context(), principalKey{}, p)
	return backorder.WithActor(ctx, actor), nil
}

// bearer returns the request's bearer token.
func bearer(r *http.Request) (string, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", backorder.Errorf(backorder.EUNAUTHORIZED, "An Authorization header with a bearer token is required.")
	}
	return token, nil
}

// key returns the live key whose secret this is, from the cache while it is
// fresh. The cache is keyed by the secret's SHA-256, so no secret is kept.
func (a *authenticator) key(ctx context.Context, secret string) (*backorder.APIKey, error) {
	hash := backorder.HashSecret(secret)
	now := time.Now()
	a.mu.Lock()
	c, ok := a.keys[hash]
	a.mu.Unlock()
	if ok && now.Sub(c.read) < keyCacheTTL {
		return c.key, nil
	}
	k, err := a.svc.Authenticate(ctx, secret)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.keys) > 10_000 { // keys are few; this only bounds a flood of made-up ones
		clear(a.keys)
	}
	a.keys[hash] = cachedKey{key: k, read: now}
	a.mu.Unlock()
	return k, nil
}

// forget drops a key from the cache, so that its revocation holds at once.
func (a *authenticator) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, c := range a.keys {
		if c.key.ID == id {
			delete(a.keys, h)
		}
	}
	delete(a.limits, id)
}

// allow takes one request from the key's rate limit, or says how long to
// wait for one.
func (a *authenticator) allow(k *backorder.APIKey) (time.Duration, bool) {
	if k.RateLimit <= 0 {
		return 0, true
	}
	a.mu.Lock()
	l := a.limits[k.ID]
	if l == nil || l.Limit() != rate.Limit(k.RateLimit) {
		l = rate.NewLimiter(rate.Limit(k.RateLimit), k.RateLimit)
		a.limits[k.ID] = l
	}
	a.mu.Unlock()
	now := time.Now()
	res := l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d, false
	}
	return 0, true
}

// touch records the key's use when its last recorded use is older than
// backorder.TouchInterval; a failure is logged, not the request's.
func (a *authenticator) touch(ctx context.Context, k *backorder.APIKey) {
	now := a.svc.Now()
	if !k.NeedsTouch(now) {
		return
	}
	if err := a.svc.TouchAPIKey(ctx, k.ID); err != nil {
		a.log.Warn("recording an API key's use", "key", k.ID, "err", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for h, c := range a.keys {
		if c.key.ID == k.ID {
			used := *c.key
			used.LastUsedAt = &now
			a.keys[h] = cachedKey{key: &used, read: c.read}
		}
	}
}

// checkToken compares the request's bearer token with one whose SHA-256 is
// hash, in constant time.
func checkToken(r *http.Request, hash [32]byte) error {
	secret, err := bearer(r)
	if err != nil {
		return err
	}
	got := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(got[:], hash[:]) != 1 {
		return backorder.Errorf(backorder.EUNAUTHORIZED, "The bearer token is not valid.")
	}
	return nil
}
