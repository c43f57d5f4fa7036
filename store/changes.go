package store

import "sync"

// Changes is a small in-process broadcast of "something changed" topics
// (for example "team:3" or "monitor:7"), so caches can rebuild promptly.
// Sends never block: a slow subscriber misses topics, not the sender.
type Changes struct {
	mu   sync.Mutex
	subs map[chan string]struct{}
}

// Publish announces that data under topic changed. Call it after the
// change is committed.
func (s *Store) Publish(topic string) {
	s.changes.mu.Lock()
	defer s.changes.mu.Unlock()
	for ch := range s.changes.subs {
		select {
		case ch <- topic:
		default:
		}
	}
}

// Subscribe returns a channel of published topics and a function that ends
// the subscription.
func (s *Store) Subscribe() (<-chan string, func()) {
	ch := make(chan string, 1024)
	s.changes.mu.Lock()
	s.changes.subs[ch] = struct{}{}
	s.changes.mu.Unlock()
	return ch, func() {
		s.changes.mu.Lock()
		delete(s.changes.subs, ch)
		s.changes.mu.Unlock()
	}
}
