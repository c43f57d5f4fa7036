package issues

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

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
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// ReadBody reads at most max bytes of r; more is ErrTooLarge.
func ReadBody(r io.Reader, max int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, 8<<10))
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
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
	encs := strings.Split(encoding, ",")
	out := body
	for i := len(encs) - 1; i >= 0; i-- {
		enc := strings.ToLower(strings.TrimSpace(encs[i]))
		var err error
		switch enc {
		case "", "identity":
			if int64(len(out)) > max {
				return nil, ErrTooLarge
			}
			continue
		case "gzip", "x-gzip":
			out, err = gunzip(out, max)
		case "deflate":
			out, err = inflate(out, max)
		case "br":
			out, err = readLimited(brotli.NewReader(bytes.NewReader(out)), max)
		case "zstd":
			out, err = unzstd(out, max)
		default:
			return nil, malformed("unsupported content encoding %q", enc)
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, err
			}
			return nil, malformed("%s body: %v", enc, err)
		}
	}
	return out, nil
}

func gunzip(in []byte, max int64) ([]byte, error) {
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
	out, err := readLimited(zr, max)
	gzipPool.Put(zr)
	return out, err
}

// inflate reads zlib-wrapped deflate, or raw deflate when there is no
// zlib header (both are sent as "deflate" in the wild).
func inflate(in []byte, max int64) ([]byte, error) {
	if zr, err := zlib.NewReader(bytes.NewReader(in)); err == nil {
		out, err := readLimited(zr, max)
		if err == nil || errors.Is(err, ErrTooLarge) {
			return out, err
		}
	}
	return readLimited(flate.NewReader(bytes.NewReader(in)), max)
}

func unzstd(in []byte, max int64) ([]byte, error) {
	d, err := zstd.NewReader(bytes.NewReader(in), zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(max)+1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	out, err := readLimited(d, max)
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, ErrTooLarge
	}
	return out, err
}

func readLimited(r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if n > max {
		return nil, ErrTooLarge
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
