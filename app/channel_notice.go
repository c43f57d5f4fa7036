package app

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/views"
)

// A channelNotice is what a POST on a channel has to show after its
// redirect (POST-redirect-GET, so a reload neither creates the channel
// again nor sends another test): that the channel was just created with
// a generated secret to show once, or the answer to "Send test". The
// browser holds only a random token, in a cookie scoped to the
// channel's page; the page reads it once.
type channelNotice struct {
	teamID    int64
	channelID int64
	newSecret bool
	test      *views.TestResult
	expires   time.Time
}

const (
	channelNoticeCookie = "bw_channel_notice"
	channelNoticeTTL    = 5 * time.Minute
	channelNoticeMax    = 10000
)

var channelNotices = struct {
	sync.Mutex
	m map[string]channelNotice
}{m: map[string]channelNotice{}}

func channelPagePath(id int64) string { return "/alerts/channels/" + itoaID(id) }

// putChannelNotice keeps n for the next GET of its channel's page.
func putChannelNotice(c echo.Context, n channelNotice) {
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	now := time.Now()
	n.expires = now.Add(channelNoticeTTL)
	channelNotices.Lock()
	for k, v := range channelNotices.m {
		if now.After(v.expires) {
			delete(channelNotices.m, k)
		}
	}
	if len(channelNotices.m) < channelNoticeMax {
		channelNotices.m[token] = n
	}
	channelNotices.Unlock()
	c.SetCookie(&http.Cookie{Name: channelNoticeCookie, Value: token, Path: channelPagePath(n.channelID),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: int(channelNoticeTTL / time.Second)})
}

// takeChannelNotice returns and forgets the notice the browser holds for
// this channel of this team, if any.
func takeChannelNotice(c echo.Context, teamID, channelID int64) (channelNotice, bool) {
	ck, err := c.Cookie(channelNoticeCookie)
	if err != nil || ck.Value == "" {
		return channelNotice{}, false
	}
	c.SetCookie(&http.Cookie{Name: channelNoticeCookie, Value: "", Path: channelPagePath(channelID), MaxAge: -1})
	channelNotices.Lock()
	n, ok := channelNotices.m[ck.Value]
	if ok && n.teamID == teamID && n.channelID == channelID {
		delete(channelNotices.m, ck.Value)
	}
	channelNotices.Unlock()
	if !ok || n.teamID != teamID || n.channelID != channelID || time.Now().After(n.expires) {
		return channelNotice{}, false
	}
	return n, true
}
