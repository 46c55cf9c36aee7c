// Package http serves the backorder API: JSON over HTTP, with bearer-token
// authentication (the admin token, or API keys with scopes: auth.go,
// scope.go), idempotent POSTs and one error shape. routes.go lists the
// whole surface; openapi.json describes it and is served at /v1/openapi.json.
//
// Handlers only decode the request, call one backorder.Service method and
// encode its result; every rule lives in the root package.
package http

import (
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/mail"
)

// Config is what the server needs.
type Config struct {
	// Service runs every request.
	Service *backorder.Service
	// TokenHash is the SHA-256 of the admin bearer token.
	TokenHash [32]byte
	// TestClock, when set, turns on the test clock routes; it must be the
	// clock the Service runs on. Nil: those routes answer 404 unavailable.
	TestClock *backorder.TestClock
	// Logger receives the request log and internal errors; slog.Default() when nil.
	Logger *slog.Logger
	// Version is reported by /healthz.
	Version string

	auth *authenticator // set by NewServer
	// Links signs the customer links of an order; the customer pages
	// (/c/{token}) verify them under its secret. Nil: those pages answer
	// 404 and previews show the sample links.
	Links *mail.Linker
	// Dashboard, when set, serves / and every path under /ui/ (the
	// dashboard package); the API's routes are unchanged.
	Dashboard http.Handler
	// MaxInFlight bounds the /v1 requests served at once (default
	// DefaultMaxInFlight); past it a request is answered 429 at once.
	MaxInFlight int
	// Metrics, when set, serves GET /metrics (the Prometheus exposition);
	// nil: that route answers 404 unavailable.
	Metrics http.Handler
	// MetricsTokenHash, when set, is the SHA-256 of the bearer token
	// /metrics requires; nil: /metrics is open.
	MetricsTokenHash *[32]byte
	// ObserveRequest, when set, receives every request's method, the route
	// pattern that served it ("" for none), its status and its duration.
	ObserveRequest func(method, route string, status int, d time.Duration)
}

// DefaultMaxInFlight is the default of Config.MaxInFlight.
const DefaultMaxInFlight = 512

// NewServer returns the HTTP handler of the API.
func NewServer(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	cfg.auth = newAuthenticator(cfg.Service, cfg.TokenHash, mux, cfg.Logger)
	for _, rt := range Routes(cfg) {
		mux.Handle(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	if cfg.MaxInFlight < 1 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	var h http.Handler = router{mux: mux, log: cfg.Logger}
	h = admit(h, cfg.MaxInFlight, cfg.Logger)
	h = cfg.auth.wrap(h)
	if cfg.Dashboard != nil {
		h = withDashboard(h, cfg.Dashboard)
	}
	return logRequests(h, cfg.Logger, cfg.ObserveRequest)
}

// apiFunc is a handler that returns its error for apiHandler to write.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

// apiHandler adapts an apiFunc to http.Handler, writing a returned error.
type apiHandler struct {
	fn  apiFunc
	log *slog.Logger
}

func (h apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h.fn(w, r); err != nil {
		writeError(w, r, h.log, err)
	}
}

// router serves the mux, answering in JSON where the mux would answer in
// plain text: 404 for an unknown path, 405 for a known path with another method.
type router struct {
	mux *http.ServeMux
	log *slog.Logger
}

func (rt router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if rec, ok := w.(*statusRecorder); ok {
		rec.route = pattern // the wrappers before the mux pass a copy of r, which the mux sets its Pattern on
	}
	if pattern != "" {
		rt.mux.ServeHTTP(w, r)
		return
	}
	p := &probe{header: http.Header{}}
	h.ServeHTTP(p, r)
	switch p.code {
	case http.StatusMethodNotAllowed:
		allow := p.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeError(w, r, rt.log, backorder.Errorf(EMETHOD, "Method %s is not allowed on %s; allowed: %s.", r.Method, r.URL.Path, allow))
	case http.StatusNotFound:
		writeError(w, r, rt.log, backorder.Errorf(backorder.ENOTFOUND, "No route for %s %s.", r.Method, r.URL.Path))
	default: // the mux's redirect to a cleaned path
		h.ServeHTTP(w, r)
	}
}

// probe records what the mux's fallback handler would answer.
type probe struct {
	header http.Header
	code   int
}

func (p *probe) Header() http.Header { return p.header }

func (p *probe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (p *probe) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}

// withDashboard hands / and /ui/... to the dashboard, which signs its users
// in with sessions of its own, and everything else to the API.
func withDashboard(api, dash http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/" || strings.HasPrefix(p, "/ui/") {
			dash.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// admit serves at most limit /v1 requests at once. One past the limit is
// answered 429 with Retry-After at once, without waiting for a slot: a
// queue in front of a saturated server only adds latency to every request
// it later admits. /healthz is not counted, so a saturated server still
// reports itself alive.
func admit(next http.Handler, limit int, log *slog.Logger) http.Handler {
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := path.Clean("/" + r.URL.Path); p != "/v1" && !strings.HasPrefix(p, "/v1/") {
			next.ServeHTTP(w, r)
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			writeError(w, r, log, backorder.Errorf(backorder.EOVERLOADED, "The server is serving as many requests as it takes; retry in a moment."))
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

// logRequests writes one log line per request, and turns a panic in a
// handler into a logged internal error.
// observe, when set, receives each request's route pattern (as the router
// found it), status and duration.
func logRequests(next http.Handler, log *slog.Logger, observe func(method, route string, status int, d time.Duration)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", v)
				if rec.status == 0 {
					writeError(rec, r, log, backorder.Errorf(backorder.EINTERNAL, "Internal error."))
				}
			}
			d := time.Since(start)
			log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", d)
			if observe != nil {
				observe(r.Method, rec.route, rec.status, d)
			}
		}()
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
	})
}

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
	route  string // the route pattern that served the request, "" for none
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
