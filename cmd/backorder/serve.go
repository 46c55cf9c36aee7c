package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/dashboard"
	bohttp "github.com/backorder/backorder/http"
	"github.com/backorder/backorder/internal/periodic"
	"github.com/backorder/backorder/mail"
	"github.com/backorder/backorder/notify"
	"github.com/backorder/backorder/prom"
	"github.com/backorder/backorder/smtp"
)

// metaLinkSecret is the meta key of the generated secret of customer
// links, hex.
const metaLinkSecret = "link_secret"

// metaAdminToken is the meta key of the admin token's SHA-256, hex.
const metaAdminToken = "admin_token_sha256"

// server is a running service: the store, the domain service and the HTTP
// listener. Tests start one on :0 and talk to Addr.
type server struct {
	db    *database
	svc   *backorder.Service
	http  *http.Server
	ln    net.Listener
	Addr  string
	Clock *backorder.TestClock
	done  chan error
	Token string // set when this start generated the token
	// Links makes the customer links of orders, as the mails show them.
	Links  *mail.Linker
	logger *slog.Logger
	worker *notify.Worker
	sweep  *periodic.Runner // the stale backorder sweep
	auths  *periodic.Runner // the sweep of lapsed payment authorizations
	// Metrics is what /metrics serves; other parts add their collectors
	// with Metrics.Register.
	Metrics *prom.Exporter
}

// staleSweepInterval is how often serve runs the stale backorder sweep
// (Service.SweepStale); with the test clock, every advance runs it too.
const staleSweepInterval = time.Minute

type serveConfig struct {
	addr      string
	dsn       string
	testClock bool
	// smtpURL and mailFrom configure email (BACKORDER_SMTP_URL,
	// BACKORDER_MAIL_FROM); without smtpURL emails are rendered and kept.
	smtpURL, mailFrom string
	// notifyInterval and notifyLease pace the outbox worker (notify.Config).
	notifyInterval, notifyLease time.Duration
	// baseURL, linkSecret and linkTTL make the customer links of mails.
	baseURL    string
	linkSecret string
	linkTTL    time.Duration
	// sweep is how often lapsed payment authorizations are looked for.
	sweep  time.Duration
	limits serveLimits
	// metricsToken, when set, is the bearer token /metrics requires.
	metricsToken string
}

// serveLimits bound what one client or a crowd of them can hold: the time
// to send a request and read its reply, an idle connection's life, the
// header size, the requests served at once and the writes waiting for a
// commit. The zero value means the defaults.
type serveLimits struct {
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	maxHeaderBytes    int
	maxInFlight       int
	maxQueued         int
}

// limitFlags adds the flags of serveLimits, with their defaults.
func limitFlags(fs *flag.FlagSet, l *serveLimits) {
	fs.DurationVar(&l.readHeaderTimeout, "read-header-timeout", 5*time.Second, "time a client has to send a request's headers")
	fs.DurationVar(&l.readTimeout, "read-timeout", 30*time.Second, "time a client has to send a whole request")
	fs.DurationVar(&l.writeTimeout, "write-timeout", time.Minute, "time from the end of a request's headers to the end of its reply")
	fs.DurationVar(&l.idleTimeout, "idle-timeout", time.Minute, "how long an idle keep-alive connection stays open")
	fs.IntVar(&l.maxHeaderBytes, "max-header-bytes", 64<<10, "largest request header accepted (431 beyond)")
	fs.IntVar(&l.maxInFlight, "max-in-flight", bohttp.DefaultMaxInFlight, "API requests served at once; past it 429 with Retry-After")
	fs.IntVar(&l.maxQueued, "max-queued", 1024, "write requests waiting for a group commit; past it 429 with Retry-After")
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", ":8080", "listen address")
	dsn := dbFlag(fs)
	fs.BoolVar(&cfg.testClock, "test-clock", false, "enable /v1/test-clock to move time forward (demos and tests only)")
	fs.StringVar(&cfg.smtpURL, "smtp-url", "", "SMTP server: smtp://user:pass@host:587 (STARTTLS), smtps://user:pass@host:465 (TLS), smtp://host:port (plain, no auth); empty: emails are rendered and kept")
	fs.StringVar(&cfg.mailFrom, "mail-from", "", "From address of emails, such as \"Shop <orders@shop.example>\"")
	fs.DurationVar(&cfg.notifyInterval, "notify-interval", time.Second, "how often the outbox worker looks for due deliveries")
	fs.DurationVar(&cfg.notifyLease, "notify-lease", 2*time.Minute, "how long a claimed delivery is held before another worker may retry it")
	fs.StringVar(&cfg.baseURL, "base-url", "", "the service's public address: customer links in mails point at it, and https:// makes the dashboard's cookie Secure (default: http://localhost and the listen port)")
	fs.StringVar(&cfg.linkSecret, "link-secret", "", "secret that signs customer links, at least 16 bytes (default: one generated and kept in the database)")
	fs.DurationVar(&cfg.linkTTL, "link-ttl", mail.DefaultLinkTTL, "how long a customer link works")
	fs.DurationVar(&cfg.sweep, "sweep-interval", time.Minute, "how often to ask for re-authorization of lapsed payment authorizations")
	limitFlags(fs, &cfg.limits)
	fs.StringVar(&cfg.metricsToken, "metrics-token", "", "bearer token GET /metrics requires (empty: /metrics is open)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	cfg.dsn = *dsn
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	s, err := startServer(ctx, cfg, getenv, stdout, logger)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err := <-s.done:
		if err != nil {
			s.shutdown()
			return err
		}
	}
	return s.shutdown()
}

// startServer opens the database, resolves the admin token, and listens.
func startServer(ctx context.Context, cfg serveConfig, getenv func(string) string, stdout io.Writer, logger *slog.Logger) (*server, error) {
	db, err := openDatabase(ctx, cfg.dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	s := &server{db: db, done: make(chan error, 1), logger: logger}
	var clock backorder.Clock = backorder.SystemClock{}
	if cfg.testClock {
		s.Clock = backorder.NewTestClock(nil)
		clock = s.Clock
		logger.Warn("test clock enabled: POST /v1/test-clock/advance moves time forward")
	}
	s.svc = backorder.NewService(backorder.Config{Store: db.store, Clock: clock, Logger: logger, Writers: db.writers, MaxQueued: cfg.limits.maxQueued})

	if built, err := s.svc.EnsureMetrics(ctx); err != nil {
		s.svc.Close()
		db.close()
		return nil, fmt.Errorf("build the metrics' aggregates: %w", err)
	} else if built {
		logger.Info("built the metrics' aggregates from the history")
	}
	hash, token, err := adminTokenHash(ctx, s.svc, getenv)
	if err != nil {
		s.svc.Close()
		db.close()
		return nil, err
	}
	if token != "" {
		s.Token = token
		fmt.Fprintf(stdout, "Admin API token (shown once, only its hash is stored):\n  %s\n", token)
	}

	secret, err := linkSecret(ctx, s.svc, cfg.linkSecret)
	var dash *dashboard.Handler
	if err == nil {
		dash, err = dashboard.New(dashboard.Config{Service: s.svc, Secure: strings.HasPrefix(cfg.baseURL, "https://"), Logger: logger,
			MetricsFunc: dashboardMetrics(s.svc)})
	}
	if err != nil {
		s.svc.Close()
		db.close()
		return nil, err
	}
	s.ln, err = net.Listen("tcp", cfg.addr)
	if err != nil {
		s.svc.Close()
		db.close()
		return nil, err
	}
	s.Addr = s.ln.Addr().String()
	s.Links = &mail.Linker{BaseURL: cfg.baseURL, Secret: secret, TTL: cfg.linkTTL}
	if s.Links.BaseURL == "" {
		_, port, _ := net.SplitHostPort(s.Addr)
		s.Links.BaseURL = "http://localhost:" + port
	}
	if s.worker, err = startWorker(cfg, s.svc, s.Links, logger); err != nil {
		s.ln.Close()
		s.svc.Close()
		db.close()
		return nil, err
	}
	s.sweep = periodic.Start(context.WithoutCancel(ctx), staleSweepInterval, func(ctx context.Context) {
		if res, err := s.svc.SweepStale(ctx); err != nil && ctx.Err() == nil {
			logger.Error("stale sweep", "err", err)
		} else if res.Orders > 0 {
			logger.Info("stale sweep", "orders", res.Orders, "lines", res.Lines)
		}
	})
	s.Metrics = prom.New(s.svc, logger)
	hcfg := bohttp.Config{Service: s.svc, TokenHash: hash, TestClock: s.Clock, Logger: logger, Version: Version,
		Links: s.Links, Dashboard: dash, MaxInFlight: cfg.limits.maxInFlight,
		Metrics: s.Metrics.Handler(), ObserveRequest: s.Metrics.ObserveRequest}
	if cfg.metricsToken != "" {
		h := sha256.Sum256([]byte(cfg.metricsToken))
		hcfg.MetricsTokenHash = &h
	}
	handler := bohttp.NewServer(hcfg)
	l := cfg.limits
	if l == (serveLimits{}) {
		fs := newFlagSet("limits", io.Discard)
		limitFlags(fs, &l)
	}
	s.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: l.readHeaderTimeout,
		ReadTimeout:       l.readTimeout,
		WriteTimeout:      l.writeTimeout,
		IdleTimeout:       l.idleTimeout,
		MaxHeaderBytes:    l.maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelInfo),
	}
	go func() {
		err := s.http.Serve(s.ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	if cfg.sweep <= 0 {
		cfg.sweep = time.Minute
	}
	s.auths = periodic.Start(context.WithoutCancel(ctx), cfg.sweep, func(ctx context.Context) {
		if n, err := s.svc.SweepAuthorizations(ctx); err != nil && ctx.Err() == nil {
			logger.Error("authorization sweep", "err", err)
		} else if n > 0 {
			logger.Info("authorization sweep", "reauthorizations", n)
		}
	})
	logger.Info("serving", "addr", s.Addr, "db", db.kind, "version", Version)
	return s, nil
}

// shutdown stops taking requests, lets those in flight finish, then closes
// the service (its queued writes commit) and the database, in that order.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.worker.Close()
	s.sweep.Close()
	s.auths.Close()
	s.svc.Close()
	if cerr := s.db.close(); err == nil {
		err = cerr
	}
	return err
}

// startWorker starts the outbox worker: emails by SMTP when configured,
// rendered and kept otherwise; webhooks signed and posted.
func startWorker(cfg serveConfig, svc *backorder.Service, links *mail.Linker, logger *slog.Logger) (*notify.Worker, error) {
	wc := notify.Config{Service: svc, Interval: cfg.notifyInterval, Lease: cfg.notifyLease, Logger: logger,
		Renderer: mailRenderer{svc: svc, links: links}}
	if cfg.smtpURL != "" {
		client, err := smtp.New(cfg.smtpURL, cfg.mailFrom)
		if err != nil {
			return nil, err
		}
		wc.Mailer = notify.MailerFunc(func(ctx context.Context, e notify.Email) error { return client.Send(ctx, smtp.Message(e)) })
		if a, err := netmail.ParseAddress(cfg.mailFrom); err == nil {
			_, wc.MessageIDDomain, _ = strings.Cut(a.Address, "@")
		}
		logger.Info("email by SMTP", "from", cfg.mailFrom)
	} else {
		logger.Info("no SMTP server (BACKORDER_SMTP_URL): emails are rendered and kept, see GET /v1/orders/{id}/messages")
	}
	return notify.New(wc), nil
}

// adminTokenHash returns the hash the API checks bearer tokens against:
// BACKORDER_ADMIN_TOKEN's when set; otherwise the stored one; otherwise a new
// token is made, its hash stored, and the token returned to be shown once.
func adminTokenHash(ctx context.Context, svc *backorder.Service, getenv func(string) string) (hash [32]byte, token string, err error) {
	if t := getenv("BACKORDER_ADMIN_TOKEN"); t != "" {
		return sha256.Sum256([]byte(t)), "", nil
	}
	stored, err := svc.Meta(ctx, metaAdminToken)
	if err == nil {
		b, err := hex.DecodeString(stored)
		if err != nil || len(b) != 32 {
			return hash, "", fmt.Errorf("stored admin token hash is damaged; set BACKORDER_ADMIN_TOKEN")
		}
		copy(hash[:], b)
		return hash, "", nil
	} else if backorder.ErrorCode(err) != backorder.ENOTFOUND {
		return hash, "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return hash, "", err
	}
	token = "bo_" + hex.EncodeToString(raw)
	hash = sha256.Sum256([]byte(token))
	// Several instances may first start together on one database: the
	// first hash stored wins, and only the instance that stored it shows
	// its token; the others use the winner's hash and show nothing.
	mine := hex.EncodeToString(hash[:])
	if stored, err = svc.AddMeta(ctx, metaAdminToken, mine); err != nil {
		return hash, "", err
	} else if stored != mine {
		return adminTokenHash(ctx, svc, getenv)
	}
	return hash, token, nil
}

// linkSecret returns the secret customer links are signed with: the
// configured one (BACKORDER_LINK_SECRET); otherwise the stored one;
// otherwise a new one is made and stored, so links outlive restarts and
// every instance on one database signs alike (the first stored wins).
func linkSecret(ctx context.Context, svc *backorder.Service, configured string) ([]byte, error) {
	if configured != "" {
		if len(configured) < backorder.MinLinkSecret {
			return nil, fmt.Errorf("BACKORDER_LINK_SECRET must be at least %d bytes", backorder.MinLinkSecret)
		}
		return []byte(configured), nil
	}
	stored, err := svc.Meta(ctx, metaLinkSecret)
	if backorder.ErrorCode(err) == backorder.ENOTFOUND {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return nil, err
		}
		stored, err = svc.AddMeta(ctx, metaLinkSecret, hex.EncodeToString(raw))
		if err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(stored)
	if err != nil || len(b) < backorder.MinLinkSecret {
		return nil, fmt.Errorf("stored link secret is damaged; set BACKORDER_LINK_SECRET")
	}
	return b, nil
}
