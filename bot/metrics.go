package bot

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"aduan/flows"
	"aduan/store"
)

// metrics are the desk's Prometheus metrics; nil until EnableMetrics.
type metrics struct {
	inbound  *prometheus.CounterVec
	outbound *prometheus.CounterVec
	limited  *prometheus.CounterVec
	handle   prometheus.Histogram
}

// EnableMetrics registers the desk's metrics: counters of what came in and
// went out, handler latency, and, read from the store at each scrape, the
// outbox's depth, complaints by status and office, and the time to first
// response. Call before Run.
func (d *Desk) EnableMetrics(reg prometheus.Registerer) error {
	m := &metrics{
		inbound: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aduan_inbound_messages_total",
			Help: "Messages handled, by channel and kind."}, []string{"channel", "kind"}),
		outbound: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aduan_outbound_messages_total",
			Help: "Outbox messages by channel and result: sent, or why they failed."}, []string{"channel", "result"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "aduan_rate_limited_total",
			Help: "Sends a platform asked to retry later (Telegram's 429)."}, []string{"channel"}),
		handle: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "aduan_handle_seconds",
			Help: "Time to handle one inbound message, commit included.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
	}
	for _, c := range []prometheus.Collector{m.inbound, m.outbound, m.limited, m.handle, storeCollector{d}} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	d.metrics = m
	return nil
}

func (m *metrics) handled(channel string, kind flows.InputKind, took time.Duration) {
	if m == nil {
		return
	}
	if kind == "" {
		kind = "none"
	}
	m.inbound.WithLabelValues(channel, string(kind)).Inc()
	m.handle.Observe(took.Seconds())
}

func (m *metrics) sent(channel, result string) {
	if m != nil {
		m.outbound.WithLabelValues(channel, result).Inc()
	}
}

func (m *metrics) rateLimited(channel string) {
	if m != nil {
		m.limited.WithLabelValues(channel).Inc()
	}
}

// storeCollector reads gauges from the store at each scrape.
type storeCollector struct{ d *Desk }

var (
	descOutbox     = prometheus.NewDesc("aduan_outbox_messages", "Messages waiting in the outbox, by channel.", []string{"channel"}, nil)
	descOutboxAge  = prometheus.NewDesc("aduan_outbox_oldest_seconds", "Age of the oldest message waiting in the outbox, by channel.", []string{"channel"}, nil)
	descComplaints = prometheus.NewDesc("aduan_complaints", "Complaints by status and office.", []string{"status", "office"}, nil)
	descFirst      = prometheus.NewDesc("aduan_first_response_seconds", "Time from a complaint's arrival to its first answer.", nil, nil)
)

// firstBuckets are the first-response histogram's bounds: an hour to a
// week.
var firstBuckets = []float64{900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600, 7 * 24 * 3600}

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutbox
	ch <- descOutboxAge
	ch <- descComplaints
	ch <- descFirst
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	type key struct{ status, office string }
	counts := map[key]int{}
	outbox := map[string]store.OutboxState{}
	buckets := make(map[float64]uint64, len(firstBuckets))
	var n uint64
	var sum float64
	err := c.d.store.View(func(tx *store.Tx) error {
		outbox = tx.OutboxByChannel()
		return tx.EachStat(false, func(r flows.StatRecord) bool {
			counts[key{string(r.Status), r.Office}]++
			if !r.FirstResponseAt.IsZero() {
				s := r.FirstResponseAt.Sub(r.Created).Seconds()
				n++
				sum += s
				for _, b := range firstBuckets {
					if s <= b {
						buckets[b]++
					}
				}
			}
			return true
		})
	})
	if err != nil {
		c.d.log.Error("metrics from the store", "err", err)
		return
	}
	c.d.mu.Lock()
	for name := range c.d.senders {
		if _, ok := outbox[name]; !ok {
			outbox[name] = store.OutboxState{}
		}
	}
	c.d.mu.Unlock()
	now := time.Now()
	for channel, st := range outbox {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(st.Messages), channel)
		age := 0.0
		if !st.Oldest.IsZero() {
			age = now.Sub(st.Oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age, channel)
	}
	for k, count := range counts {
		ch <- prometheus.MustNewConstMetric(descComplaints, prometheus.GaugeValue, float64(count), k.status, k.office)
	}
	ch <- prometheus.MustNewConstHistogram(descFirst, n, sum, buckets)
}

// reasonLabel names a permanent failure for the metrics.
func reasonLabel(r Reason) string {
	return strings.ToLower(map[Reason]string{ReasonRejected: "rejected", ReasonBlocked: "blocked", ReasonMedia: "media", ReasonNoChat: "no_chat"}[r])
}
