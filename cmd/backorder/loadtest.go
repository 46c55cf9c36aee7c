package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/backorder/backorder"
)

// loadConfig is what `backorder loadtest` drives and how.
type loadConfig struct {
	urls        []string // API instances; writes go round the list, retries to the next
	token       string
	rate        float64 // operations started per second; 0: as fast as concurrency allows
	concurrency int
	duration    time.Duration
	seed        uint64
	hot, cold   int           // SKUs: a few hot ones most orders go to, many cold ones
	timeout     time.Duration // one attempt's time limit
	run         string        // prefix of every ID and key, so runs do not collide
	json        bool
	ops         int64 // operations to start at most; 0: no limit
}

func runLoadtest(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("loadtest", stderr)
	var cfg loadConfig
	urls := fs.String("url", "http://127.0.0.1:8080", "API base URL; several, comma-separated, share the load")
	fs.StringVar(&cfg.token, "token", "", "admin API token (BACKORDER_TOKEN)")
	fs.Float64Var(&cfg.rate, "rate", 0, "operations started per second (0: --concurrency clients as fast as they go)")
	fs.IntVar(&cfg.concurrency, "concurrency", 16, "concurrent clients")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long the load runs")
	seed := fs.Int64("seed", 1, "seed of the workload")
	fs.IntVar(&cfg.hot, "hot", 3, "hot SKUs (most orders)")
	fs.IntVar(&cfg.cold, "cold", 50, "cold SKUs")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "time limit of one attempt")
	fs.StringVar(&cfg.run, "run", "", "prefix of the run's IDs and keys (default: from the time)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object")
	fs.Int64Var(&cfg.ops, "ops", 0, "stop after starting this many operations, even before --duration (0: no limit)")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	cfg.seed = uint64(*seed)
	for _, u := range strings.Split(*urls, ",") {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			cfg.urls = append(cfg.urls, u)
		}
	}
	if len(cfg.urls) == 0 || cfg.token == "" {
		return fmt.Errorf("loadtest needs --url and --token")
	}
	if cfg.concurrency < 1 || cfg.duration <= 0 || cfg.hot < 1 || cfg.cold < 0 || cfg.rate < 0 {
		return fmt.Errorf("loadtest: --concurrency, --duration and --hot must be positive, --cold and --rate not negative")
	}
	if cfg.run == "" {
		cfg.run = "lt" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	}
	l := newLoad(cfg)
	if err := l.setup(ctx); err != nil {
		return fmt.Errorf("loadtest setup: %w", err)
	}
	rep := l.run(ctx)
	rep.Check, rep.CheckErr = l.check(ctx)
	if cfg.json {
		if err := json.NewEncoder(stdout).Encode(rep); err != nil {
			return err
		}
	} else {
		rep.print(stdout)
	}
	if rep.Check == nil {
		return fmt.Errorf("check: %s", rep.CheckErr)
	} else if !rep.Check.OK {
		return fmt.Errorf("check: %d invariant violations", len(rep.Check.Violations))
	}
	return nil
}

// loadReport is what a load run prints.
type loadReport struct {
	Run         string         `json:"run"`
	Seconds     float64        `json:"seconds"`
	Ops         int64          `json:"ops"`         // operations finished (acknowledged or answered 4xx)
	OpsPerS     float64        `json:"ops_per_s"`   // of them, per second
	Acked       int64          `json:"acked"`       // writes answered 2xx
	AckedPerS   float64        `json:"acked_per_s"` // of them, per second
	Attempts    int64          `json:"attempts"`    // HTTP requests sent, retries included
	Retried     int64          `json:"retried"`     // operations sent more than once
	InDoubt     int64          `json:"in_doubt"`    // writes with no answer when the run ended
	P50Ms       float64        `json:"p50_ms"`      // an operation's latency, retries included
	P99Ms       float64        `json:"p99_ms"`      //
	ByOp        map[string]int `json:"by_op"`       // operations finished, by kind
	Errors      map[string]int `json:"errors"`      // answers and failures that were not 2xx, by class
	Check       *checkVerdict  `json:"check"`       // GET /v1/check at the end
	CheckErr    string         `json:"check_error,omitempty"`
	OrdersAcked int            `json:"orders_acked"` // orders answered 201
}

// checkVerdict is the part of the check report the load tool prints.
type checkVerdict struct {
	OK         bool                  `json:"ok"`
	SKUs       int                   `json:"skus"`
	Lines      int                   `json:"lines"`
	Violations []backorder.Violation `json:"violations"`
}

func (r *loadReport) print(w io.Writer) {
	fmt.Fprintf(w, "run            %s, %.1fs\n", r.Run, r.Seconds)
	fmt.Fprintf(w, "throughput     %.0f ops/s (%d ops; %d writes acknowledged, %.0f/s)\n", r.OpsPerS, r.Ops, r.Acked, r.AckedPerS)
	fmt.Fprintf(w, "latency        p50 %.1f ms, p99 %.1f ms (retries included)\n", r.P50Ms, r.P99Ms)
	fmt.Fprintf(w, "attempts       %d requests; %d operations retried with their key; %d writes unanswered at the end\n", r.Attempts, r.Retried, r.InDoubt)
	fmt.Fprintf(w, "operations     %s\n", fmtCounts(r.ByOp))
	fmt.Fprintf(w, "errors         %s\n", fmtCounts(r.Errors))
	switch {
	case r.Check == nil:
		fmt.Fprintf(w, "check          failed to run: %s\n", r.CheckErr)
	case r.Check.OK:
		fmt.Fprintf(w, "check          ok (%d SKUs, %d lines, no violation)\n", r.Check.SKUs, r.Check.Lines)
	default:
		fmt.Fprintf(w, "check          %d VIOLATIONS; first: %+v\n", len(r.Check.Violations), r.Check.Violations[0])
	}
}

func fmtCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, m[k])
	}
	return b.String()
}

// loadOp is one write of the workload with its Idempotency-Key, and what
// became of it.
type loadOp struct {
	Kind     string
	Method   string
	Path     string
	Body     []byte
	Key      string
	Attempts int
	Status   int    // the final answer's status; 0 while unanswered
	Reply    []byte // the final answer's body
}

// load is a running load: its config, its client and what it recorded.
type load struct {
	cfg      loadConfig
	hc       *http.Client
	next     atomic.Uint64 // round robin over cfg.urls
	skus     []string
	hot      int
	supplier string

	attempts atomic.Int64
	started  atomic.Int64 // operations started, against cfg.ops
	mu       sync.Mutex
	ops      []*loadOp // every write, in the order they finished
	lat      []time.Duration
	errs     map[string]int
	byOp     map[string]int
	pos      []int64 // purchase orders created by the run
}

func newLoad(cfg loadConfig) *load {
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.concurrency, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}
	l := &load{cfg: cfg, hc: &http.Client{Transport: tr, Timeout: cfg.timeout}, errs: map[string]int{}, byOp: map[string]int{}, supplier: cfg.run + "-SUP"}
	for i := range cfg.hot {
		l.skus = append(l.skus, fmt.Sprintf("%s-HOT-%d", cfg.run, i))
	}
	for i := range cfg.cold {
		l.skus = append(l.skus, fmt.Sprintf("%s-COLD-%d", cfg.run, i))
	}
	l.hot = cfg.hot
	return l
}

// errorClass names the class of a failed attempt: its status, or the kind
// of failure that left it without one.
func errorClass(status int, body []byte, err error) string {
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return "timeout"
		}
		return "connection"
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	if e.Error.Code != "" {
		return fmt.Sprintf("%d_%s", status, e.Error.Code)
	}
	return strconv.Itoa(status)
}

// retryable says whether an attempt's outcome calls for the same request
// again with the same key: no answer, a 5xx, or a 429.
func retryable(status int, err error) bool {
	return err != nil || status >= 500 || status == http.StatusTooManyRequests
}

// attempt sends one request to base.
func (l *load) attempt(ctx context.Context, base, method, path string, body []byte, key string) (int, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+l.cfg.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	l.attempts.Add(1)
	resp, err := l.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header, err
}

// base picks the instance of a request's first attempt.
func (l *load) base() int { return int(l.next.Add(1) % uint64(len(l.cfg.urls))) }

// send runs op until it is answered with something other than a 5xx or 429,
// or ctx ends: every retry carries the same Idempotency-Key and goes to the
// next instance. Failed attempts are counted by class.
func (l *load) send(ctx context.Context, op *loadOp) {
	start := time.Now()
	i := l.base()
	for backoff := 10 * time.Millisecond; ctx.Err() == nil; backoff = min(backoff*2, 500*time.Millisecond) {
		op.Attempts++
		st, reply, hdr, err := l.attempt(ctx, l.cfg.urls[i%len(l.cfg.urls)], op.Method, op.Path, op.Body, op.Key)
		if ctx.Err() != nil {
			break
		}
		if !retryable(st, err) {
			op.Status, op.Reply = st, reply
			break
		}
		l.countError(errorClass(st, reply, err))
		wait := backoff
		if s, perr := strconv.Atoi(hdr.Get("Retry-After")); perr == nil && st == http.StatusTooManyRequests {
			wait = min(time.Duration(s)*time.Second, wait)
		}
		i++
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, op)
	if op.Status == 0 {
		return
	}
	l.lat = append(l.lat, time.Since(start))
	l.byOp[op.Kind]++
	if op.Status >= 300 {
		l.errs[errorClass(op.Status, op.Reply, nil)]++
	}
}

func (l *load) countError(class string) {
	l.mu.Lock()
	l.errs[class]++
	l.mu.Unlock()
}

// write builds a keyed write of the run and sends it.
func (l *load) write(ctx context.Context, kind, method, path, key string, body any) *loadOp {
	b, _ := json.Marshal(body)
	op := &loadOp{Kind: kind, Method: method, Path: path, Body: b, Key: key}
	l.send(ctx, op)
	return op
}

// get reads a path from some instance, once; it reports the failure class
// of anything but a 200.
func (l *load) get(ctx context.Context, path string, out any) bool {
	st, body, _, err := l.attempt(ctx, l.cfg.urls[l.base()], "GET", path, nil, "")
	if err != nil || st != http.StatusOK {
		if ctx.Err() == nil {
			l.countError(errorClass(st, body, err))
		}
		return false
	}
	return json.Unmarshal(body, out) == nil
}

// setup creates the run's supplier and products (accepting backorders), a
// first purchase order and some stock on the hot SKUs. Each step is retried
// until it is answered, as the load's writes are.
func (l *load) setup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	must := func(op *loadOp) error {
		if op.Status < 200 || op.Status > 299 {
			return fmt.Errorf("%s %s: %d %s", op.Method, op.Path, op.Status, op.Reply)
		}
		return nil
	}
	if err := must(l.write(ctx, "setup", "PUT", "/v1/suppliers/"+l.supplier, "", map[string]any{"name": "Load supplier", "lead_time_days": 10})); err != nil {
		return err
	}
	accept := true
	for _, sku := range l.skus {
		if err := must(l.write(ctx, "setup", "PUT", "/v1/products/"+sku, "", map[string]any{"name": sku, "price_cents": 1500, "currency": "USD", "status": "active", "accept_backorders": accept, "supplier_id": l.supplier})); err != nil {
			return err
		}
	}
	for i, sku := range l.skus[:l.hot] {
		if err := must(l.write(ctx, "setup", "POST", "/v1/receipts", fmt.Sprintf("%s-setup-r%d", l.cfg.run, i), map[string]any{"sku": sku, "quantity": 20})); err != nil {
			return err
		}
	}
	op := l.write(ctx, "setup", "POST", "/v1/purchase-orders", l.cfg.run+"-setup-po", l.poBody(0, rand.New(rand.NewPCG(l.cfg.seed, 0))))
	if err := must(op); err != nil {
		return err
	}
	l.notePO(op)
	// The setup's writes stay in ops (a crash test checks their effects
	// too) but not in the figures.
	l.mu.Lock()
	l.lat, l.errs, l.byOp = nil, map[string]int{}, map[string]int{}
	l.mu.Unlock()
	l.attempts.Store(0)
	return nil
}

func (l *load) poBody(n int, rng *rand.Rand) map[string]any {
	lines := []map[string]any{{"sku": l.skus[rng.IntN(l.hot)], "quantity": 5 + rng.IntN(20)}}
	if len(l.skus) > l.hot {
		lines = append(lines, map[string]any{"sku": l.skus[l.hot+rng.IntN(len(l.skus)-l.hot)], "quantity": 1 + rng.IntN(10)})
	}
	return map[string]any{"reference": fmt.Sprintf("%s-PO-%d", l.cfg.run, n), "supplier_id": l.supplier,
		"expected_at": time.Now().AddDate(0, 0, 5+rng.IntN(30)).Format(backorder.DateLayout), "lines": lines}
}

// notePO remembers a purchase order an acknowledged create made.
func (l *load) notePO(op *loadOp) {
	var po struct {
		ID int64 `json:"id"`
	}
	if op.Status == http.StatusCreated && json.Unmarshal(op.Reply, &po) == nil && po.ID > 0 {
		l.mu.Lock()
		l.pos = append(l.pos, po.ID)
		l.mu.Unlock()
	}
}

// sku picks a SKU: hot four times in five.
func (l *load) sku(rng *rand.Rand) string {
	if len(l.skus) == l.hot || rng.IntN(5) > 0 {
		return l.skus[rng.IntN(l.hot)]
	}
	return l.skus[l.hot+rng.IntN(len(l.skus)-l.hot)]
}

// client runs worker w's operations until stop ends, each under ctx; with
// a rate, each operation waits for a ticket from tickets.
func (l *load) client(stop, ctx context.Context, w int, tickets <-chan struct{}) {
	rng := rand.New(rand.NewPCG(l.cfg.seed, uint64(w)+1))
	var mine []string // orders this client placed
	for n := 0; ; n++ {
		if tickets != nil {
			select {
			case <-stop.Done():
				return
			case <-tickets:
			}
		}
		if stop.Err() != nil || (l.cfg.ops > 0 && l.started.Add(1) > l.cfg.ops) {
			return
		}
		key := fmt.Sprintf("%s-%d-%d", l.cfg.run, w, n)
		switch r := rng.IntN(100); {
		case r < 55:
			id := fmt.Sprintf("%s-o%d-%d", l.cfg.run, w, n)
			lines := []map[string]any{{"sku": l.sku(rng), "quantity": 1 + rng.IntN(3)}}
			if rng.IntN(4) == 0 {
				if s := l.sku(rng); s != lines[0]["sku"] {
					lines = append(lines, map[string]any{"sku": s, "quantity": 1 + rng.IntN(2)})
				}
			}
			op := l.write(ctx, "order", "POST", "/v1/orders", key, map[string]any{
				"id": id, "customer": map[string]any{"id": fmt.Sprintf("c%d", rng.IntN(500)), "email": "load@example.com", "name": "Load"},
				"lines": lines, "shipping": "standard",
			})
			if op.Status == http.StatusCreated {
				mine = append(mine, id)
			}
		case r < 65 && len(mine) > 0:
			i := rng.IntN(len(mine))
			id := mine[i]
			mine = slices.Delete(mine, i, i+1)
			l.write(ctx, "cancel", "POST", "/v1/orders/"+id+"/cancel", key, map[string]any{"reason": "load: changed mind"})
		case r < 77:
			l.write(ctx, "receipt", "POST", "/v1/receipts", key, map[string]any{"sku": l.sku(rng), "quantity": 1 + rng.IntN(8)})
		case r < 87:
			var page struct {
				Data []struct {
					ID int64 `json:"id"`
				} `json:"data"`
			}
			if l.get(ctx, "/v1/fulfillments?status=ready&limit=10", &page) && len(page.Data) > 0 {
				f := page.Data[rng.IntN(len(page.Data))]
				l.write(ctx, "ship", "POST", fmt.Sprintf("/v1/fulfillments/%d/ship", f.ID), key, map[string]any{"carrier": "UPS", "tracking": key})
			}
		case r < 97:
			l.mu.Lock()
			pos := slices.Clone(l.pos)
			l.mu.Unlock()
			switch {
			case len(pos) == 0 || rng.IntN(3) == 0:
				l.notePO(l.write(ctx, "po_create", "POST", "/v1/purchase-orders", key, l.poBody(w*1_000_000+n, rng)))
			case rng.IntN(2) == 0:
				l.write(ctx, "po_change", "PATCH", fmt.Sprintf("/v1/purchase-orders/%d", pos[rng.IntN(len(pos))]), key,
					map[string]any{"expected_at": time.Now().AddDate(0, 0, 3+rng.IntN(40)).Format(backorder.DateLayout)})
			default:
				var po struct {
					Lines []struct {
						SKU      string `json:"sku"`
						Quantity int64  `json:"quantity"`
					} `json:"lines"`
				}
				id := pos[rng.IntN(len(pos))]
				if l.get(ctx, fmt.Sprintf("/v1/purchase-orders/%d", id), &po) && len(po.Lines) > 0 {
					ln := po.Lines[rng.IntN(len(po.Lines))]
					l.write(ctx, "po_receipt", "POST", fmt.Sprintf("/v1/purchase-orders/%d/receipts", id), key,
						map[string]any{"lines": []map[string]any{{"sku": ln.SKU, "quantity": 1 + rng.Int64N(max(ln.Quantity, 1))}}})
				}
			}
		default:
			if len(mine) > 0 {
				var o map[string]any
				l.get(ctx, "/v1/orders/"+mine[rng.IntN(len(mine))], &o)
			}
		}
	}
}

// loadGrace is how long writes started before the end of a run may go on
// retrying after it; those still unanswered then are counted in doubt.
const loadGrace = 30 * time.Second

// run drives the load for the configured duration and reports it.
func (l *load) run(parent context.Context) *loadReport {
	ctx, cancel := context.WithTimeout(parent, l.cfg.duration)
	defer cancel()
	return l.runUntil(ctx, parent)
}

// runUntil drives the load until stop ends, and lets the writes under way
// retry for loadGrace more, under parent.
func (l *load) runUntil(stop, parent context.Context) *loadReport {
	ctx, cancel := context.WithCancel(stop)
	defer cancel()
	opCtx, opCancel := context.WithCancel(parent)
	defer opCancel()
	context.AfterFunc(ctx, func() {
		t := time.AfterFunc(loadGrace, opCancel)
		context.AfterFunc(opCtx, func() { t.Stop() })
	})
	var tickets chan struct{}
	var wg sync.WaitGroup
	if l.cfg.rate > 0 {
		tickets = make(chan struct{}, l.cfg.concurrency)
		wg.Go(func() {
			every := time.Duration(float64(time.Second) / l.cfg.rate)
			t := time.NewTicker(max(every, 50*time.Microsecond))
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					select {
					case tickets <- struct{}{}:
					default: // every client is busy: the rate is past what the server takes
					}
				}
			}
		})
	}
	start := time.Now()
	var clients sync.WaitGroup
	for w := range l.cfg.concurrency {
		clients.Go(func() { l.client(ctx, opCtx, w, tickets) })
	}
	clients.Wait()
	cancel() // the clients may be done before the duration (--ops): so is the rate
	wg.Wait()
	return l.report(time.Since(start))
}

func (l *load) report(elapsed time.Duration) *loadReport {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := &loadReport{Run: l.cfg.run, Seconds: elapsed.Seconds(), Attempts: l.attempts.Load(), ByOp: l.byOp, Errors: l.errs}
	for _, op := range l.ops {
		if op.Kind == "setup" {
			continue
		}
		switch {
		case op.Status == 0:
			r.InDoubt++
		case op.Status < 300:
			r.Acked++
			if op.Kind == "order" {
				r.OrdersAcked++
			}
		}
		if op.Status != 0 {
			r.Ops++
		}
		if op.Attempts > 1 {
			r.Retried++
		}
	}
	r.OpsPerS, r.AckedPerS = float64(r.Ops)/elapsed.Seconds(), float64(r.Acked)/elapsed.Seconds()
	lat := slices.Clone(l.lat)
	r.P50Ms, r.P99Ms = percentileMs(lat, 0.50), percentileMs(lat, 0.99)
	return r
}

// check runs GET /v1/check, retrying an instance that does not answer.
func (l *load) check(ctx context.Context) (*checkVerdict, string) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var last string
	for i := 0; ctx.Err() == nil; i++ {
		st, body, _, err := l.attempt(ctx, l.cfg.urls[i%len(l.cfg.urls)], "GET", "/v1/check", nil, "")
		if err == nil && st == http.StatusOK {
			var v checkVerdict
			if err := json.Unmarshal(body, &v); err != nil {
				return nil, err.Error()
			}
			return &v, ""
		}
		last = fmt.Sprintf("%d %s %v", st, bytes.TrimSpace(body), err)
		if err == nil && st < 500 && st != http.StatusTooManyRequests {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, last
}
