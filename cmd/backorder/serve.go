package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
	"github.com/backorder/backorder/prom"
)

// metaAdminToken is the meta key of the admin token's SHA-256, hex.
const metaAdminToken = "admin_token_sha256"

// server is a running service: the store, the domain service and the HTTP
// listener. Tests start one on :0 and talk to Addr.
type server struct {
	db     *database
	svc    *backorder.Service
	http   *http.Server
	ln     net.Listener
	Addr   string
	Clock  *backorder.TestClock
	done   chan error
	Token  string // set when this start generated the token
	logger *slog.Logger
	// Metrics is what /metrics serves; other parts add their collectors
	// with Metrics.Register.
	Metrics *prom.Exporter
}

type serveConfig struct {
	addr      string
	dsn       string
	testClock bool
	// metricsToken, when set, is the bearer token /metrics requires.
	metricsToken string
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var cfg serveConfig
	fs.StringVar(&cfg.addr, "addr", ":8080", "listen address")
	dsn := dbFlag(fs)
	fs.BoolVar(&cfg.testClock, "test-clock", false, "enable /v1/test-clock to move time forward (demos and tests only)")
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
	s.svc = backorder.NewService(backorder.Config{Store: db.store, Clock: clock, Logger: logger, Writers: db.writers})

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

	s.Metrics = prom.New(s.svc, logger)
	hcfg := bohttp.Config{Service: s.svc, TokenHash: hash, TestClock: s.Clock, Logger: logger, Version: Version,
		Metrics: s.Metrics.Handler(), ObserveRequest: s.Metrics.ObserveRequest}
	if cfg.metricsToken != "" {
		h := sha256.Sum256([]byte(cfg.metricsToken))
		hcfg.MetricsTokenHash = &h
	}
	handler := bohttp.NewServer(hcfg)
	s.ln, err = net.Listen("tcp", cfg.addr)
	if err != nil {
		s.svc.Close()
		db.close()
		return nil, err
	}
	s.Addr = s.ln.Addr().String()
	s.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	go func() {
		err := s.http.Serve(s.ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	logger.Info("serving", "addr", s.Addr, "db", db.kind, "version", Version)
	return s, nil
}

// shutdown stops taking requests, lets those in flight finish, then closes
// the service (its queued writes commit) and the database, in that order.
func (s *server) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	s.svc.Close()
	if cerr := s.db.close(); err == nil {
		err = cerr
	}
	return err
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
