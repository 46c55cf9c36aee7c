// Package http serves the backorder API: JSON over HTTP, with bearer-token
// authentication, idempotent POSTs and one error shape. routes.go lists the
// whole surface; openapi.json describes it and is served at /v1/openapi.json.
//
// Handlers only decode the request, call one backorder.Service method and
// encode its result; every rule lives in the root package.
package http

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/backorder/backorder"
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

// NewServer returns the HTTP handler of the API.
func NewServer(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	for _, rt := range Routes(cfg) {
		mux.Handle(rt.Method+" "+rt.Pattern, rt.Handler)
	}
	var h http.Handler = router{mux: mux, log: cfg.Logger}
	h = authenticate(h, cfg.TokenHash, cfg.Logger)
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

// authenticate requires the admin bearer token on every /v1 path, including
// unknown ones, so the API's shape is not shown to strangers.
func authenticate(next http.Handler, hash [32]byte, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := path.Clean("/" + r.URL.Path); p == "/v1" || strings.HasPrefix(p, "/v1/") {
			if err := checkToken(r, hash); err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkToken compares the bearer token's hash with the admin token's in
// constant time.
func checkToken(r *http.Request, hash [32]byte) error {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return backorder.Errorf(backorder.EUNAUTHORIZED, "An Authorization header with a bearer token is required.")
	}
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], hash[:]) != 1 {
		return backorder.Errorf(backorder.EUNAUTHORIZED, "The bearer token is not valid.")
	}
	return nil
}

// logRequests writes one log line per request, and turns a panic in a
// handler into a logged internal error.
// observe, when set, receives each request's route pattern (set on the
// request by the mux), status and duration.
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
				observe(r.Method, r.Pattern, rec.status, d)
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
