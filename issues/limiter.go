package issues

import (
	"sync"
	"time"
)

// limiter counts requests per scope in one-minute windows.
type limiter struct {
	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter() *limiter { return &limiter{windows: map[string]*window{}} }

// allow counts one request against limit per minute for scope; when over,
// it answers the seconds until the window ends.
func (l *limiter) allow(scope string, limit int, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[scope]
	start := now.Truncate(time.Minute)
	if w == nil || !w.start.Equal(start) {
		if len(l.windows) > 100000 {
			clear(l.windows)
		}
		w = &window{start: start}
		l.windows[scope] = w
	}
	if w.n >= limit {
		retry := int(start.Add(time.Minute).Sub(now).Seconds()) + 1
		return false, retry
	}
	w.n++
	return true, 0
}
