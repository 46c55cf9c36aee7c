// Package dashboard serves the operations dashboard: server-rendered pages
// (html/template) with their stylesheet embedded in the binary at a
// content-hashed URL, behind a sign-in for operations users. The page at /
// is the sign-in form until a session is open, then the dashboard; every
// other path is under /ui/. Forms post with the session's CSRF token.
//
// Handlers only read the form, call the backorder.Service and render; the
// figures are computed in the root package.
package dashboard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/backorder/backorder"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*
var assetFS embed.FS

// CookieName is the name of the session cookie.
const CookieName = "backorder_session"

// MetricRow is one line of the metrics-with-targets panel: a figure, its
// target and its status (ok, warning or breached), as text to show.
type MetricRow struct {
	Name   string
	Value  string
	Target string
	Status string
}

// Config is what the dashboard needs.
type Config struct {
	Service *backorder.Service
	// Secure marks the session cookie Secure: set it when the server is
	// reached over https.
	Secure bool
	// MetricsFunc fills the metrics-with-targets panel. Nil: the panel
	// says the metrics are not available on this server.
	MetricsFunc func(ctx context.Context) ([]MetricRow, error)
	// Now is the limiter's clock for failed sign-ins; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// asset is an embedded file served at a URL that names its content's hash,
// so browsers may cache it for good.
type asset struct {
	url  string
	body []byte
	kind string
}

// Handler serves the dashboard.
type Handler struct {
	cfg     Config
	mux     *http.ServeMux
	pages   map[string]*template.Template
	assets  map[string]*asset // by name
	byURL   map[string]*asset
	limiter *limiter
}

// New parses the templates and hashes the assets; it fails if any is missing
// or broken, so a bad build fails at startup, not at the first request.
func New(cfg Config) (*Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, pages: map[string]*template.Template{}, assets: map[string]*asset{}, byURL: map[string]*asset{},
		limiter: newLimiter(5, 15*time.Minute)}
	names, err := fs.Glob(assetFS, "assets/*")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		b, err := assetFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		base := path.Base(n)
		ext := path.Ext(base)
		a := &asset{url: "/ui/assets/" + strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:6]) + ext, body: b, kind: contentType(ext)}
		h.assets[base], h.byURL[a.url] = a, a
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			a := h.assets[name]
			if a == nil {
				return "", fmt.Errorf("dashboard: no asset %q", name)
			}
			return a.url, nil
		},
		"date":   func(t time.Time) string { return t.UTC().Format(backorder.DateLayout) },
		"pct":    percent,
		"moneys": formatMoneys,
		"cents":  func(c int64) string { return formatCents(c) },
		"raised": func(p backorder.Priority) bool { return slices.Contains(p.Rules, backorder.RuleManual) },
	}
	for _, page := range []string{"signin", "dashboard"} {
		t, err := template.New(page).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", page, err)
		}
		h.pages[page] = t.Lookup(page + ".html")
		if h.pages[page] == nil {
			return nil, fmt.Errorf("dashboard: template %s.html is missing", page)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.handleIndex)
	mux.HandleFunc("POST /ui/login", h.handleLogin)
	mux.HandleFunc("POST /ui/logout", h.withSession(h.handleLogout))
	mux.HandleFunc("POST /ui/backorders/cancel", h.withSession(h.handleCancel))
	mux.HandleFunc("POST /ui/backorders/priority", h.withSession(h.handlePriority))
	mux.HandleFunc("POST /ui/purchase-orders/{id}/expected-date", h.withSession(h.handlePODate))
	mux.HandleFunc("GET /ui/assets/{file}", h.handleAsset)
	h.mux = mux
	return h, nil
}

// Serves reports whether a path belongs to the dashboard: / and /ui/...
func Serves(p string) bool { return p == "/" || strings.HasPrefix(p, "/ui/") }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

func contentType(ext string) string {
	switch ext {
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".js":
		return "text/javascript; charset=utf-8"
	}
	return "application/octet-stream"
}

func (h *Handler) handleAsset(w http.ResponseWriter, r *http.Request) {
	a := h.byURL[r.URL.Path]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.kind)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}

// render writes a page, or a plain 500 if the template fails (before any of
// the page is sent).
func (h *Handler) render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := h.pages[page].Execute(&buf, data); err != nil {
		h.cfg.Logger.Error("dashboard: render", "page", page, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail answers a failed request: the error's message for an application
// error, "Internal error." (logged) for anything else.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	code := backorder.ErrorCode(err)
	status := http.StatusInternalServerError
	switch code {
	case backorder.EINVALID, backorder.EMALFORMED:
		status = http.StatusUnprocessableEntity
	case backorder.ENOTFOUND:
		status = http.StatusNotFound
	case backorder.ECONFLICT, backorder.EREFUSED:
		status = http.StatusConflict
	case backorder.EUNAUTHORIZED:
		status = http.StatusUnauthorized
	default:
		h.cfg.Logger.Error("dashboard: internal error", "err", err)
	}
	http.Error(w, backorder.ErrorMessage(err), status)
}
