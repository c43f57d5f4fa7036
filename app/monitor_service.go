package app

import (
	"context"
	"time"

	"github.com/bitwobbly/bitwobbly/app/secrets"
	"github.com/bitwobbly/bitwobbly/checks"
)

// monitoring is the server's monitoring service: the scheduler and the
// rollup keeper.
type monitoring struct {
	engine  *checks.Engine
	rollups *checks.Rollups
}

// wireMonitoring creates the scheduler (a worker) and the housekeeping
// jobs: rollups every minute, retention nightly.
func (s *Server) wireMonitoring() error {
	m := &monitoring{rollups: checks.NewRollups(s.store, s.log)}
	m.engine = checks.NewEngine(s.store, s.log, checks.Options{
		Concurrency: s.cfg.CheckConcurrency,
		PerHost:     s.cfg.CheckPerHost,
		Checker:     checks.NewChecker(nil, s.cfg.RestrictTargets),
		Metrics:     checks.NewMetrics(s.metrics.Registry),
		OpenSecret:  s.box.Open,
	})
	s.monitors = m
	s.addWorker("monitor-scheduler", m.engine.Run)
	s.addCron("@every 1m", "check-rollups", func(ctx context.Context) {
		if err := m.rollups.Run(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("check rollups", "error", err)
		}
	})
	keep := time.Duration(s.cfg.ResultRetentionDays) * 24 * time.Hour
	s.addCron("17 3 * * *", "check-retention", func(ctx context.Context) {
		if err := m.rollups.Retain(ctx, keep); err != nil && ctx.Err() == nil {
			s.log.Warn("check retention", "error", err)
		}
	})
	return nil
}

// sealSecrets encrypts a monitor's credentials at rest with the instance
// key; values already sealed stay as they are.
func (s *Server) sealSecrets(c *checks.Config) {
	for _, p := range []*string{&c.BasicAuthPassword, &c.BearerToken} {
		if *p != "" && !secrets.IsSealed(*p) {
			*p = s.box.Seal(*p)
		}
	}
}
