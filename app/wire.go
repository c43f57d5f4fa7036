package app

import (
	"context"

	"github.com/robfig/cron/v3"
)

// wire creates the areas' services (monitoring, status pages, error
// tracking, notifications) over the store and registers their workers.
func (s *Server) wire() error {
	s.cron = cron.New(cron.WithChain(cron.SkipIfStillRunning(cron.DiscardLogger)))
	s.addCron("@hourly", "session-cleanup", s.sessionCleanup)
	if err := s.wireMonitoring(); err != nil {
		return err
	}
	if err := s.wireStatusPages(); err != nil {
		return err
	}
	if err := s.wireIssues(); err != nil {
		return err
	}
	if err := s.wireNotify(); err != nil {
		return err
	}
	return nil
}

// addCron runs job on a cron schedule (robfig/cron syntax) while the
// server runs; a run still going when the next is due is skipped.
func (s *Server) addCron(spec, name string, job func(ctx context.Context)) {
	_, err := s.cron.AddFunc(spec, func() {
		ctx := s.cronCtx
		if ctx == nil || ctx.Err() != nil {
			return
		}
		job(ctx)
	})
	if err != nil {
		panic("app: bad cron spec for " + name + ": " + err.Error())
	}
}

// runCron is the worker that drives the housekeeping schedule.
func (s *Server) runCron(ctx context.Context) {
	s.cronCtx = ctx
	s.cron.Start()
	<-ctx.Done()
	<-s.cron.Stop().Done()
}
