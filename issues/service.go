package issues

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bitwobbly/bitwobbly/store"
)

// Config tunes the service.
type Config struct {
	MaxEnvelope int64 // largest decompressed envelope
	MaxRequest  int64 // largest compressed request body
	// BodyBudget bounds the bytes all ingest requests hold at once for
	// bodies and decompressed output; 0 is twice MaxEnvelope plus
	// MaxRequest, so one request of each largest size always fits.
	BodyBudget int64
	MaxEvent   int64 // largest event item
	QueueMax   int   // queued envelopes before ingest answers 503
	Workers    int   // processing workers
}

// Service is error tracking over the store: ingest, processing, queries.
type Service struct {
	st  *store.Store
	log *slog.Logger
	cfg Config

	depth   atomic.Int64
	active  atomic.Int64 // workers processing a batch now
	wake    chan struct{}
	limiter *limiter
	budget  *Budget

	keysMu     sync.Mutex
	keys       map[string]cachedKey
	projMu     sync.Mutex
	projs      map[int64]cachedProject
	enqMu      sync.Mutex
	enqPending []*queueRow
	enqBusy    bool

	relMu    sync.Mutex
	releases map[string]bool

	enc *zstd.Encoder
	dec *zstd.Decoder

	accepted  *prometheus.CounterVec
	processed *prometheus.CounterVec
	depthG    prometheus.GaugeFunc
}

// Lease starts an ingest request's share of the body memory budget; the
// handler releases it when it has answered.
func (s *Service) Lease() *Lease { return s.budget.Lease() }

// BodyBytes reports the bytes ingest requests hold now for bodies.
func (s *Service) BodyBytes() int64 { return s.budget.Used() }

// New makes the service; call Start to run the process pool.
func New(st *store.Store, log *slog.Logger, cfg Config) *Service {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.QueueMax <= 0 {
		cfg.QueueMax = 100000
	}
	if cfg.MaxEvent <= 0 {
		cfg.MaxEvent = 1 << 20
	}
	if cfg.MaxEnvelope <= 0 {
		cfg.MaxEnvelope = 200 << 20
	}
	if cfg.MaxRequest <= 0 {
		cfg.MaxRequest = 20 << 20
	}
	if cfg.BodyBudget <= 0 {
		cfg.BodyBudget = 2*cfg.MaxEnvelope + cfg.MaxRequest
	}
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	dec, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(1<<30))
	s := &Service{st: st, log: log, cfg: cfg, wake: make(chan struct{}, 1), limiter: newLimiter(),
		budget: NewBudget(cfg.BodyBudget),
		keys:   map[string]cachedKey{}, projs: map[int64]cachedProject{}, releases: map[string]bool{}, enc: enc, dec: dec}
	s.accepted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bitwobbly_ingest_accepted_total",
		Help: "Sentry ingest requests by outcome (accepted, or the reason they were refused).",
	}, []string{"outcome"})
	s.processed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bitwobbly_events_processed_total",
		Help: "Envelope items processed, by type and result.",
	}, []string{"type", "result"})
	s.depthG = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "bitwobbly_ingest_queue_depth",
		Help: "Accepted envelopes waiting to be processed.",
	}, func() float64 { return float64(s.depth.Load()) })
	return s
}

// Collectors are the service's metrics, for registration.
func (s *Service) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.accepted, s.processed, s.depthG}
}

// QueueDepth is the number of accepted envelopes not yet processed.
func (s *Service) QueueDepth() int64 { return s.depth.Load() }

func (s *Service) compress(b []byte) []byte { return s.enc.EncodeAll(b, make([]byte, 0, len(b)/3+64)) }

func (s *Service) decompress(b []byte) ([]byte, error) { return s.dec.DecodeAll(b, nil) }

type cachedKey struct {
	key  Key
	err  error
	load time.Time
}

type cachedProject struct {
	p    Project
	err  error
	load time.Time
}

const cacheTTL = 5 * time.Second

// keyByPublic is KeyByPublic through a short cache, so ingest does not
// read the database per request.
func (s *Service) keyByPublic(ctx context.Context, pk string) (Key, error) {
	s.keysMu.Lock()
	c, ok := s.keys[pk]
	s.keysMu.Unlock()
	if ok && time.Since(c.load) < cacheTTL {
		return c.key, c.err
	}
	k, err := s.KeyByPublic(ctx, pk)
	if err != nil && ctx.Err() != nil {
		return k, err
	}
	s.keysMu.Lock()
	if len(s.keys) > 10000 {
		clear(s.keys)
	}
	s.keys[pk] = cachedKey{k, err, time.Now()}
	s.keysMu.Unlock()
	return k, err
}

func (s *Service) projectByID(ctx context.Context, id int64) (Project, error) {
	s.projMu.Lock()
	c, ok := s.projs[id]
	s.projMu.Unlock()
	if ok && time.Since(c.load) < cacheTTL {
		return c.p, c.err
	}
	p, err := s.ProjectAnyTeam(ctx, id)
	if err != nil && ctx.Err() != nil {
		return p, err
	}
	s.projMu.Lock()
	if len(s.projs) > 10000 {
		clear(s.projs)
	}
	s.projs[id] = cachedProject{p, err, time.Now()}
	s.projMu.Unlock()
	return p, err
}

// forget drops cached keys and projects after a change.
func (s *Service) forget() {
	s.keysMu.Lock()
	clear(s.keys)
	s.keysMu.Unlock()
	s.projMu.Lock()
	clear(s.projs)
	s.projMu.Unlock()
}
