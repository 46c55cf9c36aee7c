// Package prom exports the service's figures to Prometheus with the official
// Go client: the backorder metrics with their targets and statuses, the
// group committer's counters and batch sizes, the outbox, and the HTTP
// request latencies by route pattern. Other packages add their own
// collectors with Exporter.Register.
package prom

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/internal/groupcommit"
)

// Namespace prefixes every metric name.
const Namespace = "backorder"

// Exporter holds the registry /metrics serves.
type Exporter struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	log      *slog.Logger
}

// New returns an exporter of svc's figures. Each scrape reads the backorder
// metrics of the 30 days ending today (Service.BackorderMetrics), within
// the scrape's deadline.
func New(svc *backorder.Service, log *slog.Logger) *Exporter {
	if log == nil {
		log = slog.Default()
	}
	e := &Exporter{reg: prometheus.NewRegistry(), log: log}
	e.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
		Help:    "Latency of HTTP requests by method, route pattern and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "code"})
	e.reg.MustRegister(e.requests, &serviceCollector{svc: svc, log: log},
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return e
}

// Register adds collectors to what /metrics serves (for example the
// delivery counters of an outbox worker). It fails like
// prometheus.Registerer.Register for a collector whose metrics clash.
func (e *Exporter) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := e.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// ObserveRequest records one HTTP request's latency; route is the pattern
// the mux matched ("" for none: counted as "unmatched").
func (e *Exporter) ObserveRequest(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	e.requests.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus exposition format.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(e.log.Handler(), slog.LevelError)})
}

// Gatherer is the registry, for tests and for pushing elsewhere.
func (e *Exporter) Gatherer() prometheus.Gatherer { return e.reg }

// The descriptions of the service's metrics.
var (
	metricValue  = prometheus.NewDesc(Namespace+"_metric", "A backorder metric over the last 30 days (rates and shares 0-1, times in days; current figures as of now).", []string{"metric"}, nil)
	metricTarget = prometheus.NewDesc(Namespace+"_metric_target", "The target of a backorder metric (settings metric_targets).", []string{"metric"}, nil)
	metricStatus = prometheus.NewDesc(Namespace+"_metric_status", "1 for the status of a backorder metric against its target, 0 for the others.", []string{"metric", "status"}, nil)
	fillTime     = prometheus.NewDesc(Namespace+"_fill_time_days", "Days from the acceptance of an order to the allocation or shipment of its waiting units, over the last 30 days.", []string{"to", "stat"}, nil)
	ordersDesc   = prometheus.NewDesc(Namespace+"_orders", "Orders accepted over the last 30 days, by whether they had units put on backorder and whether those were cancelled.", []string{"kind"}, nil)
	demandUnits  = prometheus.NewDesc(Namespace+"_demand_units", "Units of demand for unavailable stock over the last 30 days: captured as backorders or lost to refusals.", []string{"outcome"}, nil)
	currentDesc  = prometheus.NewDesc(Namespace+"_current", "What waits now: orders, lines and units on backorder.", []string{"what"}, nil)
	valueDesc    = prometheus.NewDesc(Namespace+"_value_on_backorder", "Value of the units waiting now, in major units of the currency.", []string{"currency"}, nil)
	oldestDesc   = prometheus.NewDesc(Namespace+"_oldest_backorder_age_seconds", "Age of the oldest waiting line (0 with none).", nil, nil)
	scrapeError  = prometheus.NewDesc(Namespace+"_metrics_scrape_error", "1 when the last scrape could not read the backorder metrics.", nil, nil)
	outboxDesc   = prometheus.NewDesc(Namespace+"_outbox_events", "Events written to the outbox (the newest event ID).", nil, nil)
	batches      = prometheus.NewDesc(Namespace+"_commit_batches_total", "Group-commit batches run by this process.", nil, nil)
	writes       = prometheus.NewDesc(Namespace+"_commit_writes_total", "Writes run in group-commit batches by this process.", nil, nil)
	retries      = prometheus.NewDesc(Namespace+"_commit_retries_total", "Batches run again whole, by cause.", []string{"cause"}, nil)
	fallbacks    = prometheus.NewDesc(Namespace+"_commit_fallbacks_total", "Set-based runs that failed and ran one write at a time.", nil, nil)
	abandoned    = prometheus.NewDesc(Namespace+"_commit_abandoned_total", "Writes whose callers gave up before a batch took them.", nil, nil)
	queued       = prometheus.NewDesc(Namespace+"_commit_queued", "Writes waiting for the next batch now.", nil, nil)
	batchSize    = prometheus.NewDesc(Namespace+"_commit_batch_size", "Writes per group-commit batch.", nil, nil)
)

// serviceCollector reads the service's figures at each scrape.
type serviceCollector struct {
	svc *backorder.Service
	log *slog.Logger
}

func (c *serviceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{metricValue, metricTarget, metricStatus, fillTime, ordersDesc, demandUnits, currentDesc, valueDesc,
		oldestDesc, scrapeError, outboxDesc, batches, writes, retries, fallbacks, abandoned, queued, batchSize} {
		ch <- d
	}
}

func (c *serviceCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.svc.CommitStats()
	ch <- prometheus.MustNewConstMetric(batches, prometheus.CounterValue, float64(st.Batches))
	ch <- prometheus.MustNewConstMetric(writes, prometheus.CounterValue, float64(st.Writes))
	ch <- prometheus.MustNewConstMetric(retries, prometheus.CounterValue, float64(st.Retries), "conflict")
	ch <- prometheus.MustNewConstMetric(retries, prometheus.CounterValue, float64(st.KeyRaces), "key_race")
	ch <- prometheus.MustNewConstMetric(fallbacks, prometheus.CounterValue, float64(st.Fallbacks))
	ch <- prometheus.MustNewConstMetric(abandoned, prometheus.CounterValue, float64(st.Abandoned))
	ch <- prometheus.MustNewConstMetric(queued, prometheus.GaugeValue, float64(st.Queued))
	sizes, sum := c.svc.BatchSizes()
	buckets := map[float64]uint64{}
	var cum, count uint64
	for i, n := range sizes {
		cum += uint64(n)
		count += uint64(n)
		if i < len(sizes)-1 {
			buckets[float64(groupcommit.SizeBound(i))] = cum
		}
	}
	ch <- prometheus.MustNewConstHistogram(batchSize, count, float64(sum), buckets)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	failed := 0.0
	if err := c.collectMetrics(ctx, ch); err != nil {
		c.log.Error("prometheus: backorder metrics", "err", err)
		failed = 1
	}
	ch <- prometheus.MustNewConstMetric(scrapeError, prometheus.GaugeValue, failed)
}

func (c *serviceCollector) collectMetrics(ctx context.Context, ch chan<- prometheus.Metric) error {
	n, err := c.svc.OutboxEvents(ctx)
	if err != nil {
		return err
	}
	ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n))
	m, err := c.svc.BackorderMetrics(ctx, backorder.MetricsQuery{Limit: 1})
	if err != nil {
		return err
	}
	metric := func(name string, v backorder.Metric) {
		if v.Value != nil {
			ch <- prometheus.MustNewConstMetric(metricValue, prometheus.GaugeValue, *v.Value, name)
		}
		if v.Target != nil {
			ch <- prometheus.MustNewConstMetric(metricTarget, prometheus.GaugeValue, *v.Target, name)
		}
		for _, s := range []string{backorder.StatusOK, backorder.StatusWarning, backorder.StatusBreached} {
			on := 0.0
			if s == v.Status {
				on = 1
			}
			ch <- prometheus.MustNewConstMetric(metricStatus, prometheus.GaugeValue, on, name, s)
		}
	}
	metric("backorder_rate", m.BackorderRate)
	metric("cancel_rate", m.CancelRate)
	metric("fill_time_days", m.FillTime)
	metric("sales_saved", m.SalesSaved.Metric)
	metric("oldest_age_days", m.Current.OldestAgeDays)
	metric("expected_within_7_days", m.Current.ExpectedWithin7Days)
	for _, f := range []struct {
		to string
		s  backorder.FillStats
	}{{"allocated", m.FillTimes.ToAllocated}, {"shipped", m.FillTimes.ToShipped}} {
		for _, v := range []struct {
			stat string
			v    *float64
		}{{"mean", f.s.Mean}, {"p50", f.s.P50}, {"p90", f.s.P90}} {
			if v.v != nil {
				ch <- prometheus.MustNewConstMetric(fillTime, prometheus.GaugeValue, *v.v, f.to, v.stat)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(ordersDesc, prometheus.GaugeValue, float64(m.Orders), "accepted")
	ch <- prometheus.MustNewConstMetric(ordersDesc, prometheus.GaugeValue, float64(m.BackorderedOrders), "backordered")
	ch <- prometheus.MustNewConstMetric(ordersDesc, prometheus.GaugeValue, float64(m.CancelledOrders), "cancelled")
	ch <- prometheus.MustNewConstMetric(demandUnits, prometheus.GaugeValue, float64(m.SalesSaved.CapturedUnits), "captured")
	ch <- prometheus.MustNewConstMetric(demandUnits, prometheus.GaugeValue, float64(m.SalesSaved.LostUnits), "lost")
	cur := m.Current
	ch <- prometheus.MustNewConstMetric(currentDesc, prometheus.GaugeValue, float64(cur.Orders), "orders")
	ch <- prometheus.MustNewConstMetric(currentDesc, prometheus.GaugeValue, float64(cur.Lines), "lines")
	ch <- prometheus.MustNewConstMetric(currentDesc, prometheus.GaugeValue, float64(cur.Units), "units")
	for _, v := range cur.Value.Values {
		ch <- prometheus.MustNewConstMetric(valueDesc, prometheus.GaugeValue, backorder.MajorUnits(v), v.Currency)
	}
	age := 0.0
	if cur.Oldest != nil {
		age = max(m.At.Sub(*cur.Oldest), 0).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, age)
	return nil
}
