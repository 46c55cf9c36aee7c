package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backorder/backorder"
	"github.com/jackc/pgx/v5"
)

// metricsFigure is what `backorder bench --only metrics` prints: the store
// it filled (orders over days), the median latency of GET
// /v1/metrics/backorders over HTTP for the default 30 days, the whole
// history and one SKU, that of the dashboard's first page signed in, and
// intake with the metrics' aggregates against
// intake without them, in the same run.
type metricsFigure struct {
	Driver            string  `json:"driver"`
	Orders            int64   `json:"orders"`
	Refused           int64   `json:"refused"`
	Days              int     `json:"days"`
	SKUs              int     `json:"skus"`
	FillS             float64 `json:"fill_s"`
	WaitingLines      int64   `json:"waiting_lines"`
	Metrics30dP50Ms   float64 `json:"metrics_30d_p50_ms"`
	MetricsAllP50Ms   float64 `json:"metrics_all_days_p50_ms"`
	MetricsSKUP50Ms   float64 `json:"metrics_one_sku_p50_ms"`
	DashboardP50Ms    float64 `json:"dashboard_first_page_p50_ms"`
	IntakeWithPerS    float64 `json:"intake_with_aggregates_per_s"`
	IntakeWithoutPerS float64 `json:"intake_without_aggregates_per_s"`
	IntakeRatio       float64 `json:"intake_with_vs_without"`
}

// benchMetrics fills a store with orders spread over days (some refused,
// some waiting, filled by daily receipts), then times the metrics route and
// compares intake with and without the aggregates.
func benchMetrics(ctx context.Context, cfg benchConfig, dsnFor func(string) string, run string, stdout io.Writer, progress func(string, ...any)) error {
	fig := metricsFigure{Driver: "sqlite", Days: cfg.metricsDays, SKUs: 200}
	if dsn := dsnFor("metrics"); len(dsn) > 8 && dsn[:8] == "postgres" {
		fig.Driver = "postgres"
	}
	if fig.SKUs > cfg.metricsOrders/fig.Days+1 {
		fig.SKUs = max(cfg.metricsOrders/fig.Days+1, 2)
	}
	if err := fillMetrics(ctx, dsnFor("metrics"), run, &fig, cfg.metricsOrders, progress); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	if err := timeMetrics(ctx, dsnFor("metrics"), run, &fig, progress); err != nil {
		return fmt.Errorf("metrics route: %w", err)
	}
	progress("intake with and without the aggregates, %s each, %d rounds (without, with, then with, without)...", cfg.duration, cfg.intakeRounds)
	var with, without float64
	// Without, with, then with, without: a machine whose disk syncs slower
	// as the run goes on (seen on this one) slows both sides alike.
	for round := range cfg.intakeRounds {
		for _, off := range []bool{round%2 == 0, round%2 != 0} {
			name := fmt.Sprintf("intake-%d-%t", round, off)
			dsn := dsnFor(name)
			if fig.Driver == "postgres" {
				var err error
				if dsn, err = intakeSchema(ctx, dsn, run+name); err != nil {
					return fmt.Errorf("intake: %w", err)
				}
			}
			n, err := intakeRate(ctx, dsn, run+name, off, cfg.duration)
			if err != nil {
				return fmt.Errorf("intake: %w", err)
			}
			progress("intake round %d, aggregates %s: %.0f orders/s", round+1, map[bool]string{true: "off", false: "on"}[off], n)
			if off {
				without += n
			} else {
				with += n
			}
		}
	}
	rounds := float64(cfg.intakeRounds)
	fig.IntakeWithPerS, fig.IntakeWithoutPerS = with/rounds, without/rounds
	if without > 0 {
		fig.IntakeRatio = with / without
	}
	if cfg.json {
		return json.NewEncoder(stdout).Encode(fig)
	}
	fmt.Fprintf(stdout, "driver                            %s\n", fig.Driver)
	fmt.Fprintf(stdout, "orders                            %d over %d days, %d SKUs (%d refused), filled in %.1fs\n", fig.Orders, fig.Days, fig.SKUs, fig.Refused, fig.FillS)
	fmt.Fprintf(stdout, "waiting_lines                     %d\n", fig.WaitingLines)
	fmt.Fprintf(stdout, "metrics_30d_p50_ms                %.2f\n", fig.Metrics30dP50Ms)
	fmt.Fprintf(stdout, "metrics_all_days_p50_ms           %.2f\n", fig.MetricsAllP50Ms)
	fmt.Fprintf(stdout, "metrics_one_sku_p50_ms            %.2f\n", fig.MetricsSKUP50Ms)
	fmt.Fprintf(stdout, "dashboard_first_page_p50_ms       %.2f\n", fig.DashboardP50Ms)
	fmt.Fprintf(stdout, "intake_with_aggregates_per_s      %.0f\n", fig.IntakeWithPerS)
	fmt.Fprintf(stdout, "intake_without_aggregates_per_s   %.0f\n", fig.IntakeWithoutPerS)
	fmt.Fprintf(stdout, "intake_with_vs_without            %.3f\n", fig.IntakeRatio)
	return nil
}

// fillMetrics places orders over fig.Days days ending today, on a clock
// moved a day at a time: each day every SKU receives about its daily demand
// (75% to 135% of it, at random), then the day's orders arrive, 64 at a
// time. One SKU in ten refuses backorders.
func fillMetrics(ctx context.Context, dsn, run string, fig *metricsFigure, orders int, progress func(string, ...any)) error {
	db, err := openDatabase(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.close()
	day := 24 * time.Hour
	start := time.Now().UTC().Truncate(day).Add(-time.Duration(fig.Days-1)*day + 9*time.Hour)
	clock := backorder.NewFixedClock(start)
	svc := backorder.NewService(backorder.Config{Store: db.store, Clock: clock, Writers: db.writers, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer svc.Close()
	skus := make([]string, fig.SKUs)
	no := false
	perDay := max(orders/fig.Days, 1)
	demand := float64(perDay) * 2 / float64(fig.SKUs) // units a SKU sells a day: orders of 1 to 3 units
	for i := range skus {
		skus[i] = fmt.Sprintf("%s-M%03d", run, i)
		p := &backorder.ProductInput{SKU: skus[i], Name: skus[i], PriceCents: int64(500 + 25*i), Currency: "USD", Status: backorder.StatusActive}
		if i%10 == 9 {
			p.AcceptBackorders = &no
		}
		if _, _, err := svc.PutProduct(ctx, p); err != nil {
			return err
		}
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: skus[i], Quantity: int64(2*demand) + 1}, nil); err != nil {
			return err
		}
	}
	t0 := time.Now()
	rng := rand.New(rand.NewPCG(1, 2))
	var placed, refused atomic.Int64
	for d := range fig.Days {
		if d > 0 {
			clock.Advance(day)
			// The day's receipts, concurrently: the committer batches them.
			var wg sync.WaitGroup
			errs := make(chan error, len(skus))
			for _, sku := range skus {
				q := int64(demand * (0.75 + 0.6*rng.Float64()))
				if q < 1 {
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: q}, nil); err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				return err
			}
		}
		n := perDay
		if d == fig.Days-1 {
			n = orders - perDay*(fig.Days-1)
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for w := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(d), uint64(w)))
				for {
					i := next.Add(1)
					if i > int64(n) {
						return
					}
					_, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{
						ID:       fmt.Sprintf("%s-d%d-%d", run, d, i),
						Customer: backorder.Customer{ID: fmt.Sprintf("c%d", r.IntN(20000)), Email: "m@example.com", Name: "M"},
						Lines:    []backorder.LineRequest{{SKU: skus[r.IntN(len(skus))], Quantity: int64(1 + r.IntN(3))}},
						Shipping: backorder.ShippingStandard,
					}, nil)
					switch {
					case err == nil:
						placed.Add(1)
					case backorder.ErrorCode(err) == backorder.EREFUSED:
						refused.Add(1)
					default:
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		if d%30 == 29 || d == fig.Days-1 {
			progress("metrics: day %d/%d, %d orders placed, %d refused, %.0f orders/s", d+1, fig.Days, placed.Load(), refused.Load(), float64(placed.Load()+refused.Load())/time.Since(t0).Seconds())
		}
	}
	fig.Orders, fig.Refused, fig.FillS = placed.Load(), refused.Load(), time.Since(t0).Seconds()
	return nil
}

// timeMetrics serves the filled store and times GET /v1/metrics/backorders
// over HTTP: 30 requests of each query, the median of each.
func timeMetrics(ctx context.Context, dsn, run string, fig *metricsFigure, progress func(string, ...any)) error {
	const token = "bench-token"
	env := func(k string) string {
		if k == "BACKORDER_ADMIN_TOKEN" {
			return token
		}
		return ""
	}
	s, err := startServer(ctx, serveConfig{addr: "127.0.0.1:0", dsn: dsn}, env, io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer s.shutdown()
	today := time.Now().UTC()
	from := today.AddDate(0, 0, -fig.Days).Format(backorder.DateLayout)
	for _, q := range []struct {
		query string
		out   *float64
	}{
		{"", &fig.Metrics30dP50Ms},
		{"?from=" + from + "&to=" + today.Format(backorder.DateLayout), &fig.MetricsAllP50Ms},
		{"?sku=" + run + "-M007", &fig.MetricsSKUP50Ms},
	} {
		var lat []time.Duration
		for i := range 31 {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.Addr+"/v1/metrics/backorders"+q.query, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			t0 := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			var m backorder.BackorderMetrics
			err = json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				return fmt.Errorf("GET /v1/metrics/backorders%s: %d %v", q.query, resp.StatusCode, err)
			}
			if i > 0 { // the first warms the caches
				lat = append(lat, time.Since(t0))
			}
			if q.query == "" {
				fig.WaitingLines = m.Current.Lines
			}
		}
		*q.out = percentileMs(lat, 0.50)
		progress("metrics route%s: p50 %.2f ms", q.query, *q.out)
	}
	return timeDashboard(ctx, s, run, fig, progress)
}

// timeDashboard signs in to the dashboard of the server and times its first
// page: 30 requests, the median. Its user is the run's own, so runs can
// share a PostgreSQL database.
func timeDashboard(ctx context.Context, s *server, run string, fig *metricsFigure, progress func(string, ...any)) error {
	email, password := "bench-"+run+"@example.com", "bench password"
	if _, err := s.svc.CreateUser(ctx, &backorder.UserRequest{Email: email, Password: password}, nil); err != nil {
		return err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	hc := &http.Client{Jar: jar}
	resp, err := hc.PostForm("http://"+s.Addr+"/ui/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	var lat []time.Duration
	for i := range 31 {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.Addr+"/", nil)
		t0 := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`id="signout"`)) {
			return fmt.Errorf("GET / signed in: %d %v (the signed-in page: %t)", resp.StatusCode, err, bytes.Contains(body, []byte(`id="signout"`)))
		}
		if i > 0 {
			lat = append(lat, time.Since(t0))
		}
	}
	fig.DashboardP50Ms = percentileMs(lat, 0.50)
	progress("dashboard first page: p50 %.2f ms", fig.DashboardP50Ms)
	return nil
}

// intakeSchema makes an empty schema for one intake run on PostgreSQL and
// returns the URL whose search_path names it, so that each run starts on an
// empty store as each SQLite run does on its own file, whatever the runs
// before it wrote.
func intakeSchema(ctx context.Context, base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	schema := "bench_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(name))
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// intakeRate places one-line orders from 64 goroutines for d on a fresh
// service, with the metrics' aggregates off or on, and returns orders/s.
// Ten SKUs start with 500 units each, so the run both allocates and
// backorders.
func intakeRate(ctx context.Context, dsn, run string, noMetrics bool, d time.Duration) (float64, error) {
	db, err := openDatabase(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer db.close()
	svc := backorder.NewService(backorder.Config{Store: db.store, Writers: db.writers, NoMetrics: noMetrics, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer svc.Close()
	skus := make([]string, 10)
	for i := range skus {
		skus[i] = fmt.Sprintf("%s-I%d", run, i)
		if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: skus[i], Name: skus[i], PriceCents: 999, Currency: "USD", Status: backorder.StatusActive}); err != nil {
			return 0, err
		}
		if _, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: skus[i], Quantity: 500}, nil); err != nil {
			return 0, err
		}
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	deadline := time.Now().Add(d)
	t0 := time.Now()
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; time.Now().Before(deadline); i++ {
				_, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{
					ID:       fmt.Sprintf("%s-%d-%d", run, w, i),
					Customer: backorder.Customer{ID: fmt.Sprintf("c%d", r.IntN(5000)), Email: "i@example.com", Name: "I"},
					Lines:    []backorder.LineRequest{{SKU: skus[r.IntN(len(skus))], Quantity: int64(1 + r.IntN(3))}},
					Shipping: backorder.ShippingStandard,
				}, nil)
				if err != nil {
					errs <- err
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(t0).Seconds(), nil
}
