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
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backorder/backorder"
)

// rawCommitRater is a store that can measure its own durable single-row
// commit rate, the baseline the intake figure is compared with.
type rawCommitRater interface {
	RawCommitRate(ctx context.Context, d time.Duration) (float64, error)
}

// benchResult is what `backorder bench` prints.
type benchResult struct {
	Driver             string  `json:"driver"`
	RawCommitPerS      float64 `json:"raw_commit_per_s"`
	IntakeOrdersPerS   float64 `json:"intake_orders_per_s"`
	IntakeRatio        float64 `json:"intake_vs_raw_commit"`
	IntakeOrders       int64   `json:"intake_orders"`
	IntakeClients      int     `json:"intake_clients"`
	IntakeInstances    int     `json:"intake_instances"`
	IntakeP50Ms        float64 `json:"intake_p50_ms"`
	IntakeP99Ms        float64 `json:"intake_p99_ms"`
	OrdersPerCommit    float64 `json:"orders_per_commit"`
	Receipt100kLinesS  float64 `json:"receipt_100k_lines_s"`
	ReceiptAllocations int64   `json:"receipt_allocations"`
	ReceiptPeakRSSMB   float64 `json:"receipt_peak_rss_mb"`
	CheckOK            bool    `json:"check_ok"`

	// The big receipt: --big-lines waiting lines (default 1,000,000), its
	// time against the first receipt's, the process's peak resident memory
	// while it ran, and intake on the store it leaves behind (which holds
	// that many orders) against intake on an empty store.
	BigReceiptLines      int     `json:"big_receipt_lines,omitempty"`
	BigReceiptS          float64 `json:"big_receipt_s,omitempty"`
	BigReceiptVsReceipt  float64 `json:"big_receipt_vs_receipt,omitempty"`
	BigReceiptPeakRSSMB  float64 `json:"big_receipt_peak_rss_mb,omitempty"`
	BigCheckOK           bool    `json:"big_check_ok,omitempty"`
	IntakeFullOrdersPerS float64 `json:"intake_full_store_orders_per_s,omitempty"`
	IntakeFullVsEmpty    float64 `json:"intake_full_vs_empty,omitempty"`
}

type benchConfig struct {
	dsn       string
	json      bool
	duration  time.Duration
	clients   int
	skus      int
	lines     int
	bigLines  int
	instances int
	// metricsOrders and metricsDays size the store of --only metrics.
	metricsOrders int
	metricsDays   int
	// intakeRounds is how many times --only metrics runs intake without and
	// with the aggregates.
	intakeRounds int
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	var cfg benchConfig
	fs.StringVar(&cfg.dsn, "db", "", "postgres:// URL, or a folder for SQLite files (default: a temporary folder)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long the intake load runs")
	fs.IntVar(&cfg.clients, "clients", 64, "concurrent intake clients")
	fs.IntVar(&cfg.skus, "skus", 10, "hot SKUs the intake load orders")
	fs.IntVar(&cfg.lines, "lines", 100_000, "waiting lines the receipt figure allocates against")
	fs.IntVar(&cfg.bigLines, "big-lines", 1_000_000, "waiting lines of the big receipt, then intake on the store it leaves (0: skip)")
	fs.IntVar(&cfg.instances, "instances", 0, "API instances for intake (default 1 on SQLite, 3 on PostgreSQL)")
	fs.IntVar(&cfg.metricsOrders, "metrics-orders", 1_000_000, "orders --only metrics fills the store with before timing GET /v1/metrics/backorders")
	fs.IntVar(&cfg.metricsDays, "metrics-days", 365, "days --only metrics spreads its orders over")
	fs.IntVar(&cfg.intakeRounds, "intake-rounds", 2, "rounds of intake without and with the aggregates --only metrics runs (each --duration long)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	only := fs.String("only", "", "run one figure only: raw, intake, receipt, big (the big receipt, then intake on its store) or metrics (GET /v1/metrics/backorders on a filled store, and intake with the metrics' aggregates against intake without)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	want := func(name string) bool { return *only == "" || *only == name }
	pg := strings.HasPrefix(cfg.dsn, "postgres")
	if cfg.instances == 0 {
		cfg.instances = 1
		if pg {
			cfg.instances = 3
		}
	}
	dir := cfg.dsn
	if !pg {
		if dir == "" {
			d, err := os.MkdirTemp("", "backorder-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			dir = d
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	dsnFor := func(name string) string {
		if pg {
			return cfg.dsn
		}
		return filepath.Join(dir, name+".db")
	}
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", args...) }
	res := benchResult{Driver: "sqlite (modernc.org/sqlite, WAL, synchronous=FULL)", IntakeClients: cfg.clients, IntakeInstances: cfg.instances}
	if pg {
		res.Driver = "postgres (pgx v5, synchronous_commit=on)"
	}
	run := fmt.Sprintf("b%d", time.Now().UnixNano()%1_000_000_000)
	if *only == "metrics" {
		if cfg.metricsOrders < 1 || cfg.metricsDays < 1 || cfg.intakeRounds < 1 {
			return fmt.Errorf("--metrics-orders, --metrics-days and --intake-rounds must be positive")
		}
		return benchMetrics(ctx, cfg, dsnFor, run, stdout, progress)
	}

	// 1. The driver's own durable single-row commit rate.
	if want("raw") {
		db, err := openDatabase(ctx, dsnFor("raw"))
		if err != nil {
			return err
		}
		rater, ok := db.store.(rawCommitRater)
		if !ok {
			db.close()
			return fmt.Errorf("store %s cannot measure raw commits", db.kind)
		}
		progress("raw commit rate (3s)...")
		res.RawCommitPerS, err = rater.RawCommitRate(ctx, 3*time.Second)
		db.close()
		if err != nil {
			return err
		}
	}

	// 2. Order intake over HTTP.
	if want("intake") {
		progress("intake: %d clients, %d hot SKUs, %d instance(s), %s...", cfg.clients, cfg.skus, cfg.instances, cfg.duration)
		if err := benchIntake(ctx, cfg, dsnFor("intake"), run, &res); err != nil {
			return fmt.Errorf("intake: %w", err)
		}
		if res.RawCommitPerS > 0 {
			res.IntakeRatio = res.IntakeOrdersPerS / res.RawCommitPerS
		}
	}

	// 3. One receipt against many waiting lines of one SKU.
	if want("receipt") {
		progress("receipt: seeding %d waiting lines...", cfg.lines)
		r, err := benchReceipt(ctx, dsnFor("receipt"), run, cfg.lines, progress)
		if err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
		res.Receipt100kLinesS, res.ReceiptAllocations, res.ReceiptPeakRSSMB, res.CheckOK = r.seconds, r.allocations, r.peakRSSMB, r.checkOK
	}

	// 4. The big receipt, then intake on the store it leaves behind.
	if want("big") && cfg.bigLines > 0 {
		progress("big receipt: seeding %d waiting lines...", cfg.bigLines)
		r, err := benchReceipt(ctx, dsnFor("big"), run+"big", cfg.bigLines, progress)
		if err != nil {
			return fmt.Errorf("big receipt: %w", err)
		}
		res.BigReceiptLines, res.BigReceiptS, res.BigReceiptPeakRSSMB, res.BigCheckOK = cfg.bigLines, r.seconds, r.peakRSSMB, r.checkOK
		if res.Receipt100kLinesS > 0 {
			res.BigReceiptVsReceipt = r.seconds / res.Receipt100kLinesS
		}
		progress("intake on the store of %d orders: %d clients, %s...", cfg.bigLines, cfg.clients, cfg.duration)
		full := res
		if err := benchIntake(ctx, cfg, dsnFor("big"), run+"full", &full); err != nil {
			return fmt.Errorf("intake on a full store: %w", err)
		}
		res.IntakeFullOrdersPerS = full.IntakeOrdersPerS
		if res.IntakeOrdersPerS > 0 {
			res.IntakeFullVsEmpty = full.IntakeOrdersPerS / res.IntakeOrdersPerS
		}
	}

	if cfg.json {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "driver                 %s\n", res.Driver)
	fmt.Fprintf(stdout, "raw_commit_per_s       %.0f\n", res.RawCommitPerS)
	fmt.Fprintf(stdout, "intake_orders_per_s    %.0f  (%.1fx raw commits; %d clients, %d instance(s); p50 %.1f ms, p99 %.1f ms; %.1f orders per commit)\n",
		res.IntakeOrdersPerS, res.IntakeRatio, res.IntakeClients, res.IntakeInstances, res.IntakeP50Ms, res.IntakeP99Ms, res.OrdersPerCommit)
	fmt.Fprintf(stdout, "receipt_100k_lines_s   %.3f  (%d lines filled; peak RSS %.0f MB; invariant check ok=%v)\n", res.Receipt100kLinesS, res.ReceiptAllocations, res.ReceiptPeakRSSMB, res.CheckOK)
	if res.BigReceiptLines > 0 {
		fmt.Fprintf(stdout, "big_receipt_s          %.3f  (%d lines; %.1fx the first receipt; peak RSS %.0f MB; invariant check ok=%v)\n",
			res.BigReceiptS, res.BigReceiptLines, res.BigReceiptVsReceipt, res.BigReceiptPeakRSSMB, res.BigCheckOK)
		fmt.Fprintf(stdout, "intake_full_store      %.0f orders/s  (%.2fx intake on an empty store; the store holds %d orders)\n",
			res.IntakeFullOrdersPerS, res.IntakeFullVsEmpty, res.BigReceiptLines)
	}
	return nil
}

// benchIntake runs cfg.clients HTTP clients placing one-line orders on
// cfg.skus hot SKUs for cfg.duration against cfg.instances API instances on
// one database. Every 201 is an order whose commit is durable.
func benchIntake(ctx context.Context, cfg benchConfig, dsn, run string, res *benchResult) error {
	const token = "bench-token"
	env := func(k string) string {
		if k == "BACKORDER_ADMIN_TOKEN" {
			return token
		}
		return ""
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.shutdown()
		}
	}()
	for range cfg.instances {
		s, err := startServer(ctx, serveConfig{addr: "127.0.0.1:0", dsn: dsn}, env, io.Discard, quiet)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	skus := make([]string, cfg.skus)
	for i := range skus {
		skus[i] = fmt.Sprintf("%s-HOT-%02d", run, i)
		p := &backorder.ProductInput{SKU: skus[i], Name: "Hot " + skus[i], PriceCents: 1999, Currency: "USD", Status: backorder.StatusActive}
		if _, _, err := servers[0].svc.PutProduct(ctx, p); err != nil {
			return err
		}
		if _, err := servers[0].svc.Receive(ctx, &backorder.ReceiptRequest{SKU: skus[i], Quantity: 2000}, nil); err != nil {
			return err
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.clients, MaxConnsPerHost: cfg.clients}, Timeout: 30 * time.Second}
	var before backorder.CommitStats
	for _, s := range servers {
		st := s.svc.CommitStats()
		before.Batches += st.Batches
		before.Writes += st.Writes
	}
	var ok, failed atomic.Int64
	lat := make([][]time.Duration, cfg.clients)
	deadline := time.Now().Add(cfg.duration)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range cfg.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			base := "http://" + servers[c%len(servers)].Addr
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				body, _ := json.Marshal(backorder.OrderRequest{
					ID:       fmt.Sprintf("%s-%d-%d", run, c, n),
					Customer: backorder.Customer{ID: fmt.Sprintf("c%d", rng.IntN(5000)), Email: "bench@example.com", Name: "Bench"},
					Lines:    []backorder.LineRequest{{SKU: skus[rng.IntN(len(skus))], Quantity: int64(1 + rng.IntN(3))}},
					Shipping: backorder.ShippingStandard,
				})
				req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/orders", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%d-%d", run, c, n))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated {
					ok.Add(1)
					lat[c] = append(lat[c], time.Since(t0))
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var after backorder.CommitStats
	for _, s := range servers {
		st := s.svc.CommitStats()
		after.Batches += st.Batches
		after.Writes += st.Writes
	}
	if failed.Load() > 0 {
		return fmt.Errorf("%d intake requests failed", failed.Load())
	}
	res.IntakeOrders = ok.Load()
	res.IntakeOrdersPerS = float64(ok.Load()) / elapsed.Seconds()
	if b := after.Batches - before.Batches; b > 0 {
		res.OrdersPerCommit = float64(after.Writes-before.Writes) / float64(b)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	res.IntakeP50Ms, res.IntakeP99Ms = percentileMs(all, 0.50), percentileMs(all, 0.99)
	return nil
}

// receiptFigure is what one receipt benchmark measured.
type receiptFigure struct {
	seconds     float64
	allocations int64
	peakRSSMB   float64 // the process's peak resident memory during the receipt
	checkOK     bool
}

// benchReceipt queues lines one-unit backorders of one SKU, then times a
// single receipt of that many units, which fills every one of them, and
// checks every invariant afterwards.
func benchReceipt(ctx context.Context, dsn, run string, lines int, progress func(string, ...any)) (*receiptFigure, error) {
	db, err := openDatabase(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.close()
	svc := backorder.NewService(backorder.Config{Store: db.store, Writers: db.writers, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer svc.Close()
	sku := run + "-QUEUE"
	if _, _, err := svc.PutProduct(ctx, &backorder.ProductInput{SKU: sku, Name: "Queue", PriceCents: 1000, Currency: "USD", Status: backorder.StatusActive}); err != nil {
		return nil, err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	t0 := time.Now()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(lines) {
					return
				}
				_, err := svc.PlaceOrder(ctx, &backorder.OrderRequest{
					ID: fmt.Sprintf("%s-q%d", run, n), Customer: backorder.Customer{ID: fmt.Sprintf("q%d", n%9973), Email: "q@example.com", Name: "Q"},
					Lines: []backorder.LineRequest{{SKU: sku, Quantity: 1}}, Shipping: backorder.ShippingStandard,
				}, nil)
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	progress("receipt: seeded in %s; receiving %d units...", time.Since(t0).Round(time.Millisecond), lines)
	// The peak is the receipt's: what seeding left behind is returned to
	// the system and the kernel's high-water mark starts again from here.
	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS()
	progress("receipt: resident memory before it %.0f MB", procStatusMB("VmRSS:"))
	start := time.Now()
	r, err := svc.Receive(ctx, &backorder.ReceiptRequest{SKU: sku, Quantity: int64(lines)}, nil)
	if err != nil {
		return nil, err
	}
	f := &receiptFigure{seconds: time.Since(start).Seconds(), allocations: r.LinesFilled, peakRSSMB: peakRSSMB()}
	progress("receipt: %d lines filled in %.3fs (peak RSS %.0f MB); checking invariants...", r.LinesFilled, f.seconds, f.peakRSSMB)
	rep, err := svc.Check(ctx)
	if err != nil {
		return nil, err
	}
	f.checkOK = rep.OK
	return f, nil
}

// resetPeakRSS starts the kernel's record of this process's peak resident
// memory (VmHWM) again from its current size (Linux: clear_refs 5).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSMB reads this process's peak resident memory since the last
// resetPeakRSS, in MB (VmHWM in /proc/self/status); 0 where there is none.
func peakRSSMB() float64 { return procStatusMB("VmHWM:") }

// procStatusMB reads a memory figure of /proc/self/status, in MB.
func procStatusMB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}

func percentileMs(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(float64(len(d)-1) * p)
	return float64(d[i]) / float64(time.Millisecond)
}
