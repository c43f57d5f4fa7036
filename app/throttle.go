package app

import (
	"sync"
	"time"
)

// throttle counts failed attempts per key (an account or an address) in a
// sliding window and refuses further attempts past a limit.
type throttle struct {
	mu   sync.Mutex
	hits map[string][]time.Time
	now  func() time.Time
}

func newThrottle() *throttle {
	return &throttle{hits: map[string][]time.Time{}, now: time.Now}
}

// blocked reports whether key has had limit failures within window, and
// when the oldest of them leaves the window.
func (t *throttle) blocked(key string, limit int, window time.Duration) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.prune(key, window)
	if len(recent) < limit {
		return false, 0
	}
	return true, recent[0].Add(window).Sub(t.now())
}

// fail records a failed attempt for key.
func (t *throttle) fail(key string, window time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.hits[key] = append(t.prune(key, window), t.now())
	if len(t.hits) > 100000 { // bound memory under a spray of keys
		for k := range t.hits {
			delete(t.hits, k)
			if len(t.hits) < 50000 {
				break
			}
		}
	}
}

// take records an attempt for key unless limit attempts already lie
// within window, checking and counting in one step so that parallel
// requests cannot all pass the check before any of them is counted. It
// returns the attempt's time (for release) or, when refused, how long
// until the oldest attempt leaves the window.
func (t *throttle) take(key string, limit int, window time.Duration) (at time.Time, ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.prune(key, window)
	now := t.now()
	if len(recent) >= limit {
		return time.Time{}, false, recent[0].Add(window).Sub(now)
	}
	t.hits[key] = append(recent, now)
	return now, true, 0
}

// release forgets the attempt take recorded at at (it succeeded).
func (t *throttle) release(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	h := t.hits[key]
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Equal(at) {
			h = append(h[:i:i], h[i+1:]...)
			break
		}
	}
	if len(h) == 0 {
		delete(t.hits, key)
		return
	}
	t.hits[key] = h
}

// reset forgets key's failures (after a success).
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.hits, key)
}

func (t *throttle) prune(key string, window time.Duration) []time.Time {
	cut := t.now().Add(-window)
	h := t.hits[key]
	i := 0
	for i < len(h) && h[i].Before(cut) {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(t.hits, key)
		return nil
	}
	t.hits[key] = h
	return h
}
