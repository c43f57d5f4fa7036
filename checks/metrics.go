package checks

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bitwobbly/bitwobbly/store"
)

// Metrics are monitoring's Prometheus collectors.
type Metrics struct {
	checks   *prometheus.CounterVec
	lag      prometheus.Histogram
	wait     prometheus.Histogram
	duration *prometheus.HistogramVec
	engine   *Engine

	upDesc      *prometheus.Desc
	latencyDesc *prometheus.Desc
	countDesc   *prometheus.Desc
}

// monitorStats are a monitor's check counters.
type monitorStats struct {
	up, degraded, down atomic.Int64
}

// NewMetrics registers monitoring's collectors on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bitwobbly_checks_total",
			Help: "Checks run, by monitor type and result (up, degraded, down).",
		}, []string{"type", "result"}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bitwobbly_check_start_lag_seconds",
			Help:    "Actual minus due start time of checks.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "bitwobbly_check_slot_wait_seconds",
			Help:    "Part of the start lag spent waiting for a global or per-host concurrency slot.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bitwobbly_check_duration_seconds",
			Help:    "Time a check took, by monitor type.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"type"}),
		upDesc: prometheus.NewDesc("bitwobbly_monitor_up",
			"1 when the monitor is up or degraded, 0 when down, -1 otherwise (unknown, paused, maintenance).",
			[]string{"monitor_id", "type"}, nil),
		latencyDesc: prometheus.NewDesc("bitwobbly_monitor_latency_seconds",
			"Latency of the monitor's last check.", []string{"monitor_id", "type"}, nil),
		countDesc: prometheus.NewDesc("bitwobbly_monitor_checks_total",
			"Checks of the monitor since the process started, by result.", []string{"monitor_id", "result"}, nil),
	}
	reg.MustRegister(m.checks, m.lag, m.wait, m.duration, m)
	return m
}

func (m *Metrics) observe(typ string, lag, wait, took time.Duration, out Outcome) {
	m.lag.Observe(max(lag, 0).Seconds())
	m.wait.Observe(max(wait, 0).Seconds())
	m.duration.WithLabelValues(typ).Observe(took.Seconds())
	m.checks.WithLabelValues(typ, resultName(out.Status)).Inc()
}

func resultName(status int) string {
	switch status {
	case store.ResultUp:
		return "up"
	case store.ResultDegraded:
		return "degraded"
	}
	return "down"
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.upDesc
	ch <- m.latencyDesc
	ch <- m.countDesc
}

// Collect implements prometheus.Collector with one series per monitor.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	e := m.engine
	if e == nil {
		return
	}
	type row struct {
		id, typ, status    string
		latency            int64
		up, degraded, down int64
	}
	e.mu.Lock()
	rows := make([]row, 0, len(e.entries))
	for id, en := range e.entries {
		rows = append(rows, row{strconv.FormatInt(id, 10), en.m.Type, en.m.Status, en.m.LastLatencyMS,
			en.stats.up.Load(), en.stats.degraded.Load(), en.stats.down.Load()})
	}
	e.mu.Unlock()
	for _, r := range rows {
		v := -1.0
		switch r.status {
		case StatusUp, StatusDegraded:
			v = 1
		case StatusDown:
			v = 0
		}
		ch <- prometheus.MustNewConstMetric(m.upDesc, prometheus.GaugeValue, v, r.id, r.typ)
		if r.latency >= 0 {
			ch <- prometheus.MustNewConstMetric(m.latencyDesc, prometheus.GaugeValue, float64(r.latency)/1000, r.id, r.typ)
		}
		ch <- prometheus.MustNewConstMetric(m.countDesc, prometheus.CounterValue, float64(r.up), r.id, "up")
		ch <- prometheus.MustNewConstMetric(m.countDesc, prometheus.CounterValue, float64(r.degraded), r.id, "degraded")
		ch <- prometheus.MustNewConstMetric(m.countDesc, prometheus.CounterValue, float64(r.down), r.id, "down")
	}
}

// count adds a result to the monitor's counters.
func (e *Engine) count(id int64, out Outcome) {
	e.mu.Lock()
	en := e.entries[id]
	e.mu.Unlock()
	if en == nil {
		return
	}
	switch out.Status {
	case store.ResultUp:
		en.stats.up.Add(1)
	case store.ResultDegraded:
		en.stats.degraded.Add(1)
	default:
		en.stats.down.Add(1)
	}
}
