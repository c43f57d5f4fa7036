package statuspage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Entry is a ready response: body, its gzip copy and validators.
type Entry struct {
	Status  int
	Type    string
	Body    []byte
	Gzip    []byte
	ETag    string
	Headers map[string]string
	Expires time.Time
	// Value is a built value that is not a response (a page's snapshot,
	// shared by the page's documents).
	Value  any
	length string
	gzLen  string
}

// NewEntry prepares a response body: computes its ETag and gzip copy.
func NewEntry(status int, ctype string, body []byte, expires time.Time) *Entry {
	sum := sha256.Sum256(body)
	e := &Entry{Status: status, Type: ctype, Body: body, Expires: expires,
		ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if buf.Len() < len(body) {
		e.Gzip = buf.Bytes()
	}
	e.length = strconv.Itoa(len(e.Body))
	e.gzLen = strconv.Itoa(len(e.Gzip))
	return e
}

// Write sends the entry, answering 304 to a matching If-None-Match and
// the gzip copy to clients that accept it.
func (e *Entry) Write(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h["Content-Type"] = []string{e.Type}
	h["Etag"] = []string{e.ETag}
	h["Vary"] = []string{"Accept-Encoding"}
	h["Cache-Control"] = []string{cacheControl}
	for k, v := range e.Headers {
		h.Set(k, v)
	}
	gz := e.Gzip != nil && acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		// The gzip bytes are another representation: another validator.
		h["Etag"] = []string{e.gzipETag()}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, h["Etag"][0]) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, n := e.Body, e.length
	if gz {
		body, n = e.Gzip, e.gzLen
		h["Content-Encoding"] = []string{"gzip"}
	}
	h["Content-Length"] = []string{n}
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// gzipETag is the validator of the gzip copy.
func (e *Entry) gzipETag() string { return strings.TrimSuffix(e.ETag, `"`) + `-gz"` }

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(ae string) bool {
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(name) != "gzip" && strings.TrimSpace(name) != "*" {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		if v, ok := strings.CutPrefix(q, "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			return err == nil && f > 0
		}
		return true
	}
	return false
}

// MaxEntries bounds the cache: keys include the request's host, which
// clients choose, so it starts over rather than grow without limit.
const MaxEntries = 10000

// Cache keeps built entries by key until invalidated or expired. Builds of
// the same key run once at a time; a build that started before an
// invalidation is answered but not kept.
type Cache struct {
	mu       sync.RWMutex
	entries  map[string]*Entry
	gen      uint64
	inflight map[string]*call
	now      func() time.Time
}

type call struct {
	done chan struct{}
	e    *Entry
	err  error
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{entries: map[string]*Entry{}, inflight: map[string]*call{}, now: time.Now}
}

// Get returns the entry of key, building it when missing or expired.
func (c *Cache) Get(key string, build func() (*Entry, error)) (*Entry, error) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if ok && (e.Expires.IsZero() || c.now().Before(e.Expires)) {
		return e, nil
	}
	c.mu.Lock()
	if cl, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.e, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.inflight[key] = cl
	gen := c.gen
	c.mu.Unlock()

	cl.e, cl.err = build()

	c.mu.Lock()
	delete(c.inflight, key)
	if cl.err == nil && gen == c.gen {
		if len(c.entries) >= MaxEntries {
			c.entries = map[string]*Entry{}
		}
		c.entries[key] = cl.e
	}
	c.mu.Unlock()
	close(cl.done)
	return cl.e, cl.err
}

// Invalidate drops every entry.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	c.entries = map[string]*Entry{}
	c.gen++
	c.mu.Unlock()
}

// Len is the number of kept entries.
func (c *Cache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
