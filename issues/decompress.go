package issues

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Errors of the ingest protocol that callers map to HTTP answers.
var (
	// ErrTooLarge is a body over a size limit (compressed or not): 413.
	ErrTooLarge = errors.New("issues: too large")
	// ErrMalformed wraps input that cannot be read: 400.
	ErrMalformed = errors.New("issues: malformed")
	// ErrBusy is a body refused because ingest requests already hold
	// their whole memory budget: 503, the client retries later.
	ErrBusy = errors.New("issues: busy")
)

// Budget bounds the bytes that ingest requests hold at once for their
// bodies and decompressed output, so many small compressed bodies cannot
// together inflate into more memory than the machine has.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget makes a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// Used reports the bytes held now.
func (b *Budget) Used() int64 { return b.used.Load() }

// Lease starts one request's share of the budget; Release returns it.
// A nil budget or lease has no limit.
func (b *Budget) Lease() *Lease { return &Lease{b: b} }

// Lease is the part of a Budget one request holds.
type Lease struct {
	b *Budget
	n int64
}

func (l *Lease) take(n int64) error {
	if l == nil || l.b == nil || n <= 0 {
		return nil
	}
	if l.b.used.Add(n) > l.b.limit {
		l.b.used.Add(-n)
		return ErrBusy
	}
	l.n += n
	return nil
}

func (l *Lease) give(n int64) {
	if l == nil || l.b == nil {
		return
	}
	n = min(n, l.n)
	l.b.used.Add(-n)
	l.n -= n
}

// Release returns everything the lease holds.
func (l *Lease) Release() { l.give(l.n) }

type leaseReader struct {
	r io.Reader
	l *Lease
}

func (r leaseReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if terr := r.l.take(int64(n)); terr != nil {
		return 0, terr
	}
	return n, err
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// ReadBody reads at most max bytes of r; more is ErrTooLarge.
func ReadBody(r io.Reader, max int64) ([]byte, error) { return ReadBodyIn(r, max, nil) }

// ReadBodyIn is ReadBody counting what it reads against a lease; over
// the budget is ErrBusy.
func ReadBodyIn(r io.Reader, max int64, l *Lease) ([]byte, error) {
	if l != nil {
		r = leaseReader{r, l}
	}
	buf := bytes.NewBuffer(make([]byte, 0, 8<<10))
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if errors.Is(err, ErrBusy) {
		return nil, err
	}
	if err != nil {
		return nil, malformed("reading body: %v", err)
	}
	if n > max {
		return nil, ErrTooLarge
	}
	return buf.Bytes(), nil
}

var gzipPool sync.Pool

// Decompress undoes a Content-Encoding (gzip, x-gzip, deflate as zlib or
// raw, br, zstd, identity; several separated by commas). Output beyond max
// bytes is ErrTooLarge, which is the guard against decompression bombs:
// nothing is inflated past the limit.
func Decompress(encoding string, body []byte, max int64) ([]byte, error) {
	return DecompressIn(encoding, body, max, nil)
}

// DecompressIn is Decompress counting the output against a lease; over
// the budget is ErrBusy. The output of an inner layer is given back once
// the next layer has read it.
func DecompressIn(encoding string, body []byte, max int64, l *Lease) ([]byte, error) {
	encs := strings.Split(encoding, ",")
	out := body
	var held int64 // lease bytes of an inner layer's output
	for i := len(encs) - 1; i >= 0; i-- {
		enc := strings.ToLower(strings.TrimSpace(encs[i]))
		var err error
		in := out
		before := leased(l)
		switch enc {
		case "", "identity":
			if int64(len(out)) > max {
				return nil, ErrTooLarge
			}
			continue
		case "gzip", "x-gzip":
			out, err = gunzip(in, max, l)
		case "deflate":
			out, err = inflate(in, max, l)
		case "br":
			out, err = readLimited(brotli.NewReader(bytes.NewReader(in)), max, l)
		case "zstd":
			out, err = unzstd(in, max, l)
		default:
			return nil, malformed("unsupported content encoding %q", enc)
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrBusy) {
				return nil, err
			}
			return nil, malformed("%s body: %v", enc, err)
		}
		l.give(held)
		held = leased(l) - before
	}
	return out, nil
}

func leased(l *Lease) int64 {
	if l == nil {
		return 0
	}
	return l.n
}

func gunzip(in []byte, max int64, l *Lease) ([]byte, error) {
	zr, _ := gzipPool.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(in))
	} else {
		err = zr.Reset(bytes.NewReader(in))
	}
	if err != nil {
		return nil, err
	}
	out, err := readLimited(zr, max, l)
	gzipPool.Put(zr)
	return out, err
}

// inflate reads zlib-wrapped deflate, or raw deflate when there is no
// zlib header (both are sent as "deflate" in the wild).
func inflate(in []byte, max int64, l *Lease) ([]byte, error) {
	before := leased(l)
	if zr, err := zlib.NewReader(bytes.NewReader(in)); err == nil {
		out, err := readLimited(zr, max, l)
		if err == nil || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrBusy) {
			return out, err
		}
	}
	l.give(leased(l) - before)
	return readLimited(flate.NewReader(bytes.NewReader(in)), max, l)
}

func unzstd(in []byte, max int64, l *Lease) ([]byte, error) {
	d, err := zstd.NewReader(bytes.NewReader(in), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(max)+1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	out, err := readLimited(d, max, l)
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, ErrTooLarge
	}
	return out, err
}

func readLimited(r io.Reader, max int64, l *Lease) ([]byte, error) {
	if l != nil {
		r = leaseReader{r, l}
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if errors.Is(err, ErrBusy) {
		return nil, err
	}
	if n > max {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
