package app

import (
	"context"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/views"
)

// wireIssues creates the error-tracking service, its process pool, its
// metrics and its overview counter.
func (s *Server) wireIssues() error {
	svc := issues.New(s.store, s.log, issues.Config{
		MaxEnvelope: s.cfg.IngestMaxEnvelope,
		MaxRequest:  s.cfg.IngestMaxRequest,
		MaxEvent:    s.cfg.IngestMaxEvent,
		QueueMax:    s.cfg.IngestQueueMax,
		Workers:     s.cfg.IngestWorkers,
	})
	s.tracker = svc
	for _, c := range svc.Collectors() {
		s.metrics.Registry.MustRegister(c)
	}
	s.addWorker("issues-process-pool", svc.Start)
	s.addCron("@every 1m", "issues-wake-ignored", func(ctx context.Context) {
		if n, err := svc.WakeIgnored(ctx); err != nil {
			s.log.Warn("wake ignored issues", "error", err)
		} else if n > 0 {
			s.log.Info("ignored issues woke up", "count", n)
		}
	})
	s.addCron("@every 10m", "issues-prune", func(ctx context.Context) {
		if _, err := svc.Prune(ctx); err != nil {
			s.log.Warn("prune error-tracking items", "error", err)
		}
	})
	s.homeCounters = append(s.homeCounters, func(ctx context.Context, teamID int64, v *views.HomeView) error {
		n, err := svc.CountUnresolved(ctx, teamID)
		v.OpenIssues = n
		return err
	})
	return nil
}
