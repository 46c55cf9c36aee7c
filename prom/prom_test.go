package prom_test

import (
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/backorder/backorder"
	bohttp "github.com/backorder/backorder/http"
	"github.com/backorder/backorder/prom"
	"github.com/backorder/backorder/sqlite"
)

const adminToken, metricsToken = "admin-token", "metrics-token"

// TestScrape drives the API, scrapes /metrics over HTTP and parses the
// exposition: the backorder metrics, the committer's batch sizes, the
// request latencies by route pattern, and a registered collector.
func TestScrape(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := backorder.NewService(backorder.Config{Store: db, Clock: backorder.NewFixedClock(backorder.SystemClock{}.Now())})
	t.Cleanup(func() { svc.Close() })
	exp := prom.New(svc, nil)
	extra := prometheus.NewCounter(prometheus.CounterOpts{Name: "backorder_test_deliveries_failed_total", Help: "A collector registered from outside."})
	extra.Add(3)
	if err := exp.Register(extra); err != nil {
		t.Fatal(err)
	}
	if err := exp.Register(extra); err == nil {
		t.Fatal("registering a collector twice: no error")
	}
	th := sha256.Sum256([]byte(metricsToken))
	srv := httptest.NewServer(bohttp.NewServer(bohttp.Config{Service: svc, TokenHash: sha256.Sum256([]byte(adminToken)),
		Metrics: exp.Handler(), MetricsTokenHash: &th, ObserveRequest: exp.ObserveRequest}))
	t.Cleanup(srv.Close)

	do := func(method, path, token, body string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	for _, r := range []struct{ method, path, body string }{
		{"PUT", "/v1/products/W", `{"name":"W","price_cents":1250,"currency":"USD","status":"active"}`},
		{"POST", "/v1/receipts", `{"sku":"W","quantity":1}`},
		{"POST", "/v1/orders", `{"id":"o1","customer":{"id":"c","email":"c@example.com","name":"C"},"lines":[{"sku":"W","quantity":3}]}`},
		{"GET", "/v1/orders/o1", ""},
	} {
		if resp := do(r.method, r.path, adminToken, r.body); resp.StatusCode >= 300 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s %s: %d %s", r.method, r.path, resp.StatusCode, b)
		}
	}

	for _, token := range []string{"", adminToken} {
		if resp := do("GET", "/metrics", token, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("/metrics with token %q: %d, want 401", token, resp.StatusCode)
		}
	}
	resp := do("GET", "/metrics", metricsToken, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s in the exposition", name)
		}
		for _, m := range f.Metric {
			if matches(m, labels) {
				switch {
				case m.Gauge != nil:
					return m.Gauge.GetValue()
				case m.Counter != nil:
					return m.Counter.GetValue()
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount())
				}
			}
		}
		t.Fatalf("no %s%v in the exposition", name, labels)
		return 0
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"backorder_metric", map[string]string{"metric": "backorder_rate"}, 1},
		{"backorder_metric_target", map[string]string{"metric": "backorder_rate"}, 0.05},
		{"backorder_metric_status", map[string]string{"metric": "backorder_rate", "status": "breached"}, 1},
		{"backorder_metric_status", map[string]string{"metric": "backorder_rate", "status": "ok"}, 0},
		{"backorder_metric_target", map[string]string{"metric": "fill_time_days"}, 14},
		{"backorder_current", map[string]string{"what": "units"}, 2},
		{"backorder_current", map[string]string{"what": "orders"}, 1},
		{"backorder_value_on_backorder", map[string]string{"currency": "USD"}, 25},
		{"backorder_orders", map[string]string{"kind": "backordered"}, 1},
		{"backorder_demand_units", map[string]string{"outcome": "captured"}, 2},
		{"backorder_commit_writes_total", nil, 3},
		{"backorder_commit_batch_size", nil, 3},
		{"backorder_outbox_events", nil, 2}, // order.accepted and its payment.capture_requested
		{"backorder_metrics_scrape_error", nil, 0},
		{"backorder_http_request_duration_seconds", map[string]string{"method": "POST", "route": "POST /v1/orders", "code": "201"}, 1},
		{"backorder_http_request_duration_seconds", map[string]string{"method": "GET", "route": "GET /v1/orders/{id}", "code": "200"}, 1},
		{"backorder_test_deliveries_failed_total", nil, 3},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	h := fams["backorder_commit_batch_size"].Metric[0].Histogram
	if h.GetSampleSum() != 3 || len(h.Bucket) == 0 || h.Bucket[0].GetUpperBound() != 1 || h.Bucket[0].GetCumulativeCount() != 3 {
		t.Errorf("batch sizes %v, want three batches of one write", h)
	}
	if _, err := svc.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range m.Label {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}
