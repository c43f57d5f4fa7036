package app

import (
	"context"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/discord"
	"github.com/bitwobbly/bitwobbly/app/notify/email"
	"github.com/bitwobbly/bitwobbly/app/notify/ntfy"
	"github.com/bitwobbly/bitwobbly/app/notify/opsgenie"
	"github.com/bitwobbly/bitwobbly/app/notify/pagerduty"
	"github.com/bitwobbly/bitwobbly/app/notify/slack"
	"github.com/bitwobbly/bitwobbly/app/notify/teams"
	"github.com/bitwobbly/bitwobbly/app/notify/telegram"
	"github.com/bitwobbly/bitwobbly/app/notify/webhook"
)

// channelTypes are the notification channels, one package each.
var channelTypes = []notify.Type{webhook.Type, email.Type, slack.Type, discord.Type, teams.Type,
	pagerduty.Type, opsgenie.Type, telegram.Type, ntfy.Type}

// wireNotify creates the notification engine and registers its worker
// and metrics.
func (s *Server) wireNotify() error {
	self := []string{s.cfg.Addr}
	if s.cfg.BaseURL != "" {
		if u, err := url.Parse(s.cfg.BaseURL); err == nil {
			self = append(self, notifyHostPort(u))
		}
	}
	guard := &notify.Guard{AllowPrivate: s.cfg.AllowPrivateChannels}
	var mu sync.Mutex
	guard.Self = func() []string {
		mu.Lock()
		defer mu.Unlock()
		return self
	}
	env := notify.Env{HTTP: guard.Client(notifyTimeout), Guard: guard, Mail: s.mail, MailFrom: s.cfg.MailFrom}
	eng := notify.New(s.store, s.log.With("area", "notify"), s.box, env, channelTypes, notify.Options{
		Attempts: s.cfg.DeliveryAttempts,
		BaseURL:  s.cfg.BaseURL,
		Registry: s.metrics.Registry,
	})
	s.notifier = eng
	s.notifySelf = func(base string) {
		u, err := url.Parse(base)
		if err != nil {
			return
		}
		mu.Lock()
		self = append(self, notifyHostPort(u))
		mu.Unlock()
		eng.SetBaseURL(base)
	}
	s.addWorker("notifications", eng.Run)
	s.addCron("@hourly", "notification-prune", func(ctx context.Context) {
		if n, err := eng.Prune(ctx, deliveryRetention); err != nil {
			s.log.Error("pruning old deliveries failed", "error", err)
		} else if n > 0 {
			s.log.Info("pruned old deliveries", "deliveries", n)
		}
	})
	return nil
}

func notifyHostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// deliveryRetention is how long the delivery log keeps finished
// deliveries.
const deliveryRetention = 30 * 24 * time.Hour

// notifyTimeout bounds one HTTP request to a provider.
const notifyTimeout = 20 * time.Second
