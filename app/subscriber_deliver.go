package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/app/webhooksign"
	"github.com/bitwobbly/bitwobbly/store"
)

// poke wakes the delivery loop.
func (p *pageService) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// pageURL is the absolute URL of a page for links in messages.
func (p *pageService) pageURL(pg statuspage.Page) string {
	if pg.CustomDomain != "" {
		return "https://" + pg.CustomDomain
	}
	base := p.s.cfg.BaseURL
	if base == "" {
		base, _ = p.lastBase.Load().(string)
	}
	if base == "" {
		base = "http://localhost" + p.s.cfg.Addr
	}
	return strings.TrimRight(base, "/") + "/status/" + pg.Slug
}

// notifyLoop turns new incident events and maintenance boundaries into
// deliveries for the subscribers who follow the affected components.
func (p *pageService) notifyLoop(ctx context.Context) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if err := p.notifyOnce(ctx, time.Now()); err != nil && ctx.Err() == nil {
			p.s.log.Warn("status pages: notify failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

type spEvent struct {
	key        string
	kind       string // incident.created incident.updated incident.resolved maintenance.started maintenance.ended
	title      string
	status     string
	body       string
	incidentID int64
	maintID    int64
	at         int64
	incident   *statuspage.Incident
	team       int64
	// pages, when fixed, are the components affected on each page (a
	// maintenance end tells the pages its start told); else they are
	// worked out now and, for a maintenance start, recorded in pages.
	pages  map[int64][]int64
	fixed  bool
	notice *maintNotice
}

// maintNotice is a maintenance window whose start was told.
type maintNotice struct {
	MaintID int64
	Start   int64
	Team    int64
	Title   string
	Pages   map[int64][]int64
}

func (p *pageService) notifyOnce(ctx context.Context, now time.Time) error {
	events, evCursor, err := p.incidentEvents(ctx)
	if err != nil {
		return err
	}
	maintEvents, err := p.maintEvents(ctx, now)
	if err != nil {
		return err
	}
	byTeam := map[int64][]*spEvent{}
	for i := range events {
		byTeam[events[i].team] = append(byTeam[events[i].team], &events[i])
	}
	for i := range maintEvents {
		byTeam[maintEvents[i].team] = append(byTeam[maintEvents[i].team], &maintEvents[i])
	}
	for team, evs := range byTeam {
		if err := p.fanOut(ctx, team, evs); err != nil {
			return err
		}
	}
	if err := p.recordNotices(ctx, maintEvents); err != nil {
		return err
	}
	if evCursor >= 0 {
		if err := p.db.SetCursor(ctx, "statuspage_events", evCursor); err != nil {
			return err
		}
	}
	return p.db.SetCursor(ctx, "maint_notices", now.UnixMilli())
}

// incidentEvents reads the outbox of incident updates after the cursor.
// The first run starts at the newest event, so history is never mailed.
func (p *pageService) incidentEvents(ctx context.Context) ([]spEvent, int64, error) {
	st := p.s.store
	cur, found, err := p.db.Cursor(ctx, "statuspage_events")
	if err != nil {
		return nil, -1, err
	}
	if !found {
		var max int64
		err := st.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM statuspage_events`).Scan(&max)
		return nil, max, err
	}
	rows, err := st.R.QueryContext(ctx, `SELECT e.id, e.incident_id, COALESCE(u.id, 0), COALESCE(u.status, ''),
		COALESCE(u.body, ''), e.created_at, COALESCE(i.team_id, 0),
		(SELECT MIN(id) FROM incident_updates WHERE incident_id = e.incident_id)
		FROM statuspage_events e LEFT JOIN incident_updates u ON u.id = e.update_id
		LEFT JOIN incidents i ON i.id = e.incident_id WHERE e.id > ? ORDER BY e.id LIMIT 200`, cur)
	if err != nil {
		return nil, -1, fmt.Errorf("status pages: read events: %w", err)
	}
	type row struct {
		id, inc, upd, at, team int64
		first                  *int64
		status, body           string
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.inc, &r.upd, &r.status, &r.body, &r.at, &r.team, &r.first); err != nil {
			rows.Close()
			return nil, -1, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, -1, err
	}
	if len(list) == 0 {
		return nil, -1, nil
	}
	var out []spEvent
	for _, r := range list {
		cur = r.id
		if r.upd == 0 || r.team == 0 {
			continue // the incident was deleted meanwhile
		}
		in, err := p.db.Incident(ctx, r.team, r.inc)
		if err != nil {
			continue
		}
		kind := "incident.updated"
		switch {
		case r.first != nil && r.upd == *r.first:
			kind = "incident.created"
		case r.status == "resolved":
			kind = "incident.resolved"
		}
		inCopy := in
		out = append(out, spEvent{key: "ev:" + strconv.FormatInt(r.id, 10), kind: kind, title: in.Title,
			status: r.status, body: r.body, incidentID: in.ID, at: r.at, incident: &inCopy, team: r.team})
	}
	return out, cur, nil
}

// maintEvents tells each window that is in progress and was not told yet
// as started, and each told window that is no longer in progress (it
// ended, was cut short, moved or deleted) as ended. On the very first run
// windows already in progress are recorded without telling anyone.
func (p *pageService) maintEvents(ctx context.Context, now time.Time) ([]spEvent, error) {
	_, found, err := p.db.Cursor(ctx, "maint_notices")
	if err != nil {
		return nil, err
	}
	open, err := p.openNotices(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := p.s.store.R.QueryContext(ctx, `SELECT DISTINCT team_id FROM maintenance`)
	if err != nil {
		return nil, err
	}
	var teams []int64
	for rows.Next() {
		var t int64
		rows.Scan(&t)
		teams = append(teams, t)
	}
	rows.Close()
	type key struct{ id, start int64 }
	active := map[key]bool{}
	var out []spEvent
	for _, team := range teams {
		ms, err := p.db.MaintenanceList(ctx, team, 0, 5000)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			w, ok := m.Active(now)
			if !ok {
				continue
			}
			k := key{m.ID, w.Start.UnixMilli()}
			active[k] = true
			told, err := p.noticeExists(ctx, m.ID, k.start)
			if err != nil {
				return nil, err
			}
			if told {
				continue
			}
			n := &maintNotice{MaintID: m.ID, Start: k.start, Team: team, Title: m.Title, Pages: map[int64][]int64{}}
			e := spEvent{key: fmt.Sprintf("mstart:%d:%d", m.ID, k.start), kind: "maintenance.started",
				title: m.Title, status: "in_progress", body: m.Description, maintID: m.ID, team: team,
				pages: n.Pages, notice: n}
			if !found {
				e.fixed = true // recorded, not told
				e.pages = nil
			}
			out = append(out, e)
		}
	}
	for _, n := range open {
		if active[key{n.MaintID, n.Start}] {
			continue
		}
		out = append(out, spEvent{key: fmt.Sprintf("mend:%d:%d", n.MaintID, n.Start), kind: "maintenance.ended",
			title: n.Title, status: "completed", maintID: n.MaintID, team: n.Team, pages: n.Pages, fixed: true,
			notice: &maintNotice{MaintID: n.MaintID, Start: n.Start}})
	}
	return out, nil
}

func (p *pageService) openNotices(ctx context.Context) ([]maintNotice, error) {
	rows, err := p.s.store.R.QueryContext(ctx, `SELECT maintenance_id, window_start, team_id, title, pages
		FROM statuspage_maint_notices WHERE ended = 0`)
	if err != nil {
		return nil, fmt.Errorf("status pages: maintenance notices: %w", err)
	}
	defer rows.Close()
	var out []maintNotice
	for rows.Next() {
		var n maintNotice
		var pages string
		if err := rows.Scan(&n.MaintID, &n.Start, &n.Team, &n.Title, &pages); err != nil {
			return nil, err
		}
		n.Pages = map[int64][]int64{}
		var raw map[string][]int64
		json.Unmarshal([]byte(pages), &raw)
		for k, v := range raw {
			if id, err := strconv.ParseInt(k, 10, 64); err == nil {
				n.Pages[id] = v
			}
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func (p *pageService) noticeExists(ctx context.Context, id, start int64) (bool, error) {
	var n int
	err := p.s.store.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM statuspage_maint_notices
		WHERE maintenance_id = ? AND window_start = ?`, id, start).Scan(&n)
	return n > 0, err
}

// recordNotices stores the starts told and marks the ends told.
func (p *pageService) recordNotices(ctx context.Context, evs []spEvent) error {
	var todo []spEvent
	for _, e := range evs {
		if e.notice != nil {
			todo = append(todo, e)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	return p.s.store.Write(ctx, func(tx *sql.Tx) error {
		for _, e := range todo {
			n := e.notice
			if e.kind == "maintenance.ended" {
				if _, err := tx.ExecContext(ctx, `UPDATE statuspage_maint_notices SET ended = 1
					WHERE maintenance_id = ? AND window_start = ?`, n.MaintID, n.Start); err != nil {
					return fmt.Errorf("status pages: end notice: %w", err)
				}
				continue
			}
			pages, _ := json.Marshal(n.Pages)
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO statuspage_maint_notices(maintenance_id,
				window_start, team_id, title, pages) VALUES (?,?,?,?,?)`, n.MaintID, n.Start, n.Team, n.Title,
				string(pages)); err != nil {
				return fmt.Errorf("status pages: start notice: %w", err)
			}
		}
		return nil
	})
}

// fanOut enqueues each event for the confirmed subscribers of every page
// of the team that shows it.
func (p *pageService) fanOut(ctx context.Context, teamID int64, evs []*spEvent) error {
	pages, err := p.db.Pages(ctx, teamID, 0, 1000)
	if err != nil {
		return err
	}
	var out []statuspage.Delivery
	for _, pg := range pages {
		subs, err := p.db.Subscribers(ctx, teamID, pg.ID, true)
		if err != nil || len(subs) == 0 {
			continue
		}
		var sn *statuspage.Snapshot
		for _, e := range evs {
			var comps []int64
			var shown bool
			if e.fixed {
				comps, shown = e.pages[pg.ID]
			} else {
				if sn == nil {
					if sn, err = p.db.Build(ctx, pg, time.Now()); err != nil {
						return err
					}
				}
				comps, shown = p.affectedOnPage(ctx, sn, *e)
				if shown && e.pages != nil {
					e.pages[pg.ID] = comps
				}
			}
			if !shown {
				continue
			}
			ev := *e
			if e.incident != nil && sn != nil {
				// Mails say what the page says, not the monitor's reason.
				if vis := sn.Visible([]statuspage.Incident{*e.incident}); len(vis) == 1 {
					ev.title, ev.body = vis[0].Title, vis[0].PublicBody(e.status, e.body)
				}
			}
			for _, sub := range subs {
				if sub.Wants(comps) {
					out = append(out, p.delivery(pg, sub, ev, comps))
				}
			}
		}
	}
	if err := p.db.Enqueue(ctx, out); err != nil {
		return err
	}
	if len(out) > 0 {
		p.poke()
	}
	return nil
}

func (p *pageService) affectedOnPage(ctx context.Context, sn *statuspage.Snapshot, e spEvent) ([]int64, bool) {
	var ids []int64
	if e.incident != nil {
		vis := sn.Visible([]statuspage.Incident{*e.incident})
		if len(vis) == 0 {
			return nil, false
		}
		for _, a := range vis[0].Affected {
			ids = append(ids, a.ID)
		}
		return ids, true
	}
	m, err := p.db.MaintenanceByID(ctx, sn.Page.TeamID, e.maintID)
	if err != nil {
		return nil, false
	}
	on := map[int64]bool{}
	for _, c := range sn.Components {
		on[c.ID] = true
		for _, mid := range c.MonitorIDs {
			for _, x := range m.MonitorIDs {
				if x == mid && !contains64(ids, c.ID) {
					ids = append(ids, c.ID)
				}
			}
		}
	}
	for _, id := range m.ComponentIDs {
		if on[id] && !contains64(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, len(ids) > 0
}

func contains64(list []int64, v int64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var eventWords = map[string]string{
	"incident.created":    "New incident",
	"incident.updated":    "Update",
	"incident.resolved":   "Resolved",
	"maintenance.started": "Maintenance started",
	"maintenance.ended":   "Maintenance completed",
}

// delivery writes the message of one event for one subscriber.
func (p *pageService) delivery(pg statuspage.Page, sub statuspage.Subscriber, e spEvent, comps []int64) statuspage.Delivery {
	url := p.pageURL(pg)
	link := url
	if e.incidentID != 0 {
		link = url + "/incidents/" + strconv.FormatInt(e.incidentID, 10)
	}
	subject := "[" + pg.Title + "] " + eventWords[e.kind] + ": " + e.title
	var b strings.Builder
	b.WriteString(eventWords[e.kind] + ": " + e.title + "\n")
	if e.status != "" {
		b.WriteString("Status: " + statuspage.StatusWord(e.status) + "\n")
	}
	if e.body != "" {
		b.WriteString("\n" + e.body + "\n")
	}
	b.WriteString("\nDetails: " + link + "\n\nUnsubscribe: " + url + "/unsubscribe/" + sub.Token + "\n")
	if comps == nil {
		comps = []int64{}
	}
	payload, _ := json.Marshal(map[string]any{
		"type": e.kind, "timestamp": store.Time(time.Now().UnixMilli()),
		"data": map[string]any{"page": map[string]any{"id": pg.ID, "slug": pg.Slug, "title": pg.Title, "url": url},
			"title": e.title, "status": e.status, "body": e.body, "incident_id": nullZero(e.incidentID),
			"maintenance_id": nullZero(e.maintID), "component_ids": comps, "url": link},
	})
	return statuspage.Delivery{SubscriberID: sub.ID, EventKey: e.key, Subject: subject, Body: b.String(),
		Payload: string(payload)}
}

func nullZero(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// deliverLoop sends due deliveries with retries and backoff.
func (p *pageService) deliverLoop(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	clients := map[string]*http.Client{statuspage.SourceTeam: p.guard.Client(10 * time.Second),
		statuspage.SourcePublic: p.publicGuard.Client(10 * time.Second)}
	for {
		due, err := p.db.DueDeliveries(ctx, time.Now().UnixMilli(), 50)
		if err != nil && ctx.Err() == nil {
			p.s.log.Warn("status pages: read deliveries", "error", err)
		}
		for _, d := range due {
			if ctx.Err() != nil {
				return
			}
			p.deliver(ctx, clients, d)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-p.wake:
		}
	}
}

func (p *pageService) deliver(ctx context.Context, clients map[string]*http.Client, d statuspage.Delivery) {
	sub, err := p.db.SubscriberByID(ctx, d.SubscriberID)
	if err != nil {
		p.db.DeliveryDone(ctx, d.ID, false, 0, "subscriber removed")
		return
	}
	confirm := strings.HasPrefix(d.EventKey, "confirm")
	if confirm == (sub.ConfirmedAt != 0) {
		p.db.DeliveryDone(ctx, d.ID, false, 0, "not applicable any more")
		return
	}
	pg, err := p.db.Page(ctx, sub.TeamID, sub.StatusPageID)
	if err != nil {
		p.db.DeliveryDone(ctx, d.ID, false, 0, "page removed")
		return
	}
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if sub.Kind == "email" {
		err = p.s.mail.Send(sendCtx, mail.Message{To: sub.Target, Subject: d.Subject, Text: d.Body,
			IdempotencyKey: "sp-delivery-" + strconv.FormatInt(d.ID, 10), FromName: pg.Title,
			Headers: map[string]string{
				"List-Unsubscribe":      "<" + p.pageURL(pg) + "/unsubscribe/" + sub.Token + ">",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			}})
	} else {
		client := clients[statuspage.SourcePublic]
		if sub.Source == statuspage.SourceTeam {
			client = clients[statuspage.SourceTeam]
		}
		err = p.postWebhook(sendCtx, client, sub, d)
	}
	if err == nil {
		p.deliveries.WithLabelValues(sub.Kind, "sent").Inc()
		p.db.DeliveryDone(ctx, d.ID, true, 0, "")
		p.s.log.Info("status page notification sent", "subscriber_id", sub.ID, "kind", sub.Kind, "event", d.EventKey)
		return
	}
	attempts := d.Attempts + 1
	if attempts >= max(p.s.cfg.DeliveryAttempts, 1) {
		p.deliveries.WithLabelValues(sub.Kind, "failed").Inc()
		p.db.DeliveryDone(ctx, d.ID, false, 0, err.Error())
		p.s.log.Warn("status page notification given up", "subscriber_id", sub.ID, "error", err)
		return
	}
	p.deliveries.WithLabelValues(sub.Kind, "retry").Inc()
	backoff := time.Duration(15<<min(attempts, 10)) * time.Second
	p.db.DeliveryDone(ctx, d.ID, false, time.Now().Add(backoff).UnixMilli(), err.Error())
}

func (p *pageService) postWebhook(ctx context.Context, client *http.Client, sub statuspage.Subscriber,
	d statuspage.Delivery) error {
	secret, err := p.s.box.Open(sub.Secret)
	if err != nil {
		return fmt.Errorf("open secret: %w", err)
	}
	key, err := webhooksign.Key(secret)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Target, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "BitWobbly-StatusPage/"+Version)
	webhooksign.SetHeaders(req.Header, key, "msg_sp"+strconv.FormatInt(d.ID, 10), time.Now(), []byte(d.Payload))
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook answered %d", res.StatusCode)
	}
	return nil
}
