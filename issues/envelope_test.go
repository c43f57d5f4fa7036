package issues

import (
	"bytes"
	"compress/zlib"
	"errors"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func TestParseEnvelope(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		types   []string
		payload []string
		wantErr bool
	}{
		{"with lengths", "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\",\"length\":7}\n{\"a\":1}\n",
			[]string{"event"}, []string{`{"a":1}`}, false},
		{"without lengths", "{}\n{\"type\":\"event\"}\n{\"a\":1}\n{\"type\":\"session\"}\n{\"s\":2}",
			[]string{"event", "session"}, []string{`{"a":1}`, `{"s":2}`}, false},
		{"no trailing newline", "{}\n{\"type\":\"event\",\"length\":2}\n{}", []string{"event"}, []string{"{}"}, false},
		{"empty item with length", "{}\n{\"type\":\"attachment\",\"length\":0}\n\n{\"type\":\"event\"}\n{}\n",
			[]string{"attachment", "event"}, []string{"", "{}"}, false},
		{"empty item without length", "{}\n{\"type\":\"client_report\"}\n\n{\"type\":\"event\"}\n{}",
			[]string{"client_report", "event"}, []string{"", "{}"}, false},
		{"length with newline inside", "{}\n{\"type\":\"attachment\",\"length\":3}\na\nb\n",
			[]string{"attachment"}, []string{"a\nb"}, false},
		{"unknown type kept", "{}\n{\"type\":\"future_thing\"}\nxyz\n", []string{"future_thing"}, []string{"xyz"}, false},
		{"header only", "{}\n", nil, nil, false},
		{"header only no newline", "{}", nil, nil, false},
		{"crlf", "{}\r\n{\"type\":\"event\"}\r\n{}\r\n", []string{"event"}, []string{"{}"}, false},
		{"empty", "", nil, nil, true},
		{"garbage", "not json\n", nil, nil, true},
		{"bad item header", "{}\nnope\n{}\n", nil, nil, true},
		{"item without type", "{}\n{\"length\":2}\n{}\n", nil, nil, true},
		{"length too long", "{}\n{\"type\":\"event\",\"length\":99}\n{}\n", nil, nil, true},
		{"length too short", "{}\n{\"type\":\"event\",\"length\":1}\n{}\n", nil, nil, true},
		{"negative length", "{}\n{\"type\":\"event\",\"length\":-1}\n{}\n", nil, nil, true},
		{"string length", "{}\n{\"type\":\"event\",\"length\":\"2\"}\n{}\n", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := ParseEnvelope([]byte(tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var types, payloads []string
			for _, it := range env.Items {
				types = append(types, it.Type)
				payloads = append(payloads, string(it.Payload))
			}
			if !equal(types, tt.types) || !equal(payloads, tt.payload) {
				t.Errorf("got types %q payloads %q, want %q %q", types, payloads, tt.types, tt.payload)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func compressWith(t testing.TB, enc string, data []byte) []byte {
	var buf bytes.Buffer
	switch enc {
	case "gzip", "x-gzip":
		w := gzip.NewWriter(&buf)
		w.Write(data)
		w.Close()
	case "deflate":
		w := zlib.NewWriter(&buf)
		w.Write(data)
		w.Close()
	case "deflate-raw":
		w, _ := flate.NewWriter(&buf, 5)
		w.Write(data)
		w.Close()
	case "br":
		w := brotli.NewWriter(&buf)
		w.Write(data)
		w.Close()
	case "zstd":
		w, _ := zstd.NewWriter(&buf)
		w.Write(data)
		w.Close()
	default:
		return data
	}
	return buf.Bytes()
}

func TestDecompress(t *testing.T) {
	data := bytes.Repeat([]byte(`{"message":"hello"}`), 100)
	tests := []struct{ header, compressor string }{
		{"", ""}, {"identity", ""}, {"gzip", "gzip"}, {"x-gzip", "gzip"}, {"GZIP", "gzip"},
		{"deflate", "deflate"}, {"deflate", "deflate-raw"}, {"br", "br"}, {"zstd", "zstd"},
	}
	for _, tt := range tests {
		t.Run(tt.header+"/"+tt.compressor, func(t *testing.T) {
			got, err := Decompress(tt.header, compressWith(t, tt.compressor, data), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("got %d bytes, want %d", len(got), len(data))
			}
		})
	}
	t.Run("stacked", func(t *testing.T) {
		in := compressWith(t, "br", compressWith(t, "gzip", data))
		got, err := Decompress("gzip, br", in, 1<<20)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("got %d bytes, %v", len(got), err)
		}
	})
}

func TestDecompressRefuses(t *testing.T) {
	bomb := make([]byte, 50<<20)
	tests := []struct {
		name string
		enc  string
		body []byte
		want error
	}{
		{"gzip bomb", "gzip", compressWith(t, "gzip", bomb), ErrTooLarge},
		{"zstd bomb", "zstd", compressWith(t, "zstd", bomb), ErrTooLarge},
		{"br bomb", "br", compressWith(t, "br", bomb), ErrTooLarge},
		{"deflate bomb", "deflate", compressWith(t, "deflate", bomb), ErrTooLarge},
		{"identity too large", "", bomb[:2<<20], ErrTooLarge},
		{"not gzip", "gzip", []byte("plain text"), ErrMalformed},
		{"truncated gzip", "gzip", compressWith(t, "gzip", []byte("hello world"))[:10], ErrMalformed},
		{"not zstd", "zstd", []byte("plain"), ErrMalformed},
		{"not br", "br", []byte("plain text that is not brotli"), ErrMalformed},
		{"unknown encoding", "compress", []byte("x"), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decompress(tt.enc, tt.body, 1<<20)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":2}\n{}\n"))
	f.Add([]byte("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"a\":1}"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":0}\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := ParseEnvelope(data)
		if err != nil {
			return
		}
		for _, it := range env.Items {
			if it.Type == "" {
				t.Fatal("item without type accepted")
			}
		}
	})
}

func FuzzDecompress(f *testing.F) {
	f.Add("gzip", compressWith(f, "gzip", []byte("hello")))
	f.Add("deflate", compressWith(f, "deflate", []byte("hello")))
	f.Add("br", compressWith(f, "br", []byte("hello")))
	f.Add("zstd", compressWith(f, "zstd", []byte("hello")))
	f.Add("", []byte("hello"))
	f.Fuzz(func(t *testing.T, enc string, data []byte) {
		out, err := Decompress(enc, data, 1<<16)
		if err == nil && len(out) > 1<<16 {
			t.Fatalf("output of %d bytes passed the limit", len(out))
		}
	})
}

// Decompressed output counts against a budget shared by all requests, so
// many small bombs at once cannot each inflate up to the size limit.
func TestDecompressBudget(t *testing.T) {
	data := bytes.Repeat([]byte("a"), 600<<10)
	for _, enc := range []string{"gzip", "deflate", "deflate-raw", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			header := enc
			if enc == "deflate-raw" {
				header = "deflate"
			}
			body := compressWith(t, enc, data)
			b := NewBudget(1 << 20)
			first := b.Lease()
			if _, err := DecompressIn(header, body, 16<<20, first); err != nil {
				t.Fatalf("first body: %v", err)
			}
			second := b.Lease()
			if _, err := DecompressIn(header, body, 16<<20, second); !errors.Is(err, ErrBusy) {
				t.Fatalf("second body while the first is held: err %v, want ErrBusy", err)
			}
			second.Release()
			if got, want := b.Used(), int64(len(data)); got != want {
				t.Errorf("held after the refusal: %d, want %d", got, want)
			}
			first.Release()
			third := b.Lease()
			got, err := DecompressIn(header, body, 16<<20, third)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("after release: %d bytes, err %v", len(got), err)
			}
			third.Release()
			if b.Used() != 0 {
				t.Errorf("held after every release: %d", b.Used())
			}
		})
	}
	t.Run("stacked layers give back inner output", func(t *testing.T) {
		inner := bytes.Repeat([]byte("b"), 700<<10)
		var buf bytes.Buffer // the inner layer stores the bytes, so its output is as large
		w, _ := gzip.NewWriterLevel(&buf, gzip.NoCompression)
		w.Write(inner)
		w.Close()
		outer := compressWith(t, "gzip", buf.Bytes())
		b := NewBudget(2 << 20)
		l := b.Lease()
		got, err := DecompressIn("gzip, gzip", outer, 1<<20, l)
		if err != nil || !bytes.Equal(got, inner) {
			t.Fatalf("got %d bytes, err %v", len(got), err)
		}
		if b.Used() != int64(len(inner)) {
			t.Errorf("held %d, want only the final %d", b.Used(), len(inner))
		}
		l.Release()
	})
	t.Run("read body", func(t *testing.T) {
		b := NewBudget(1000)
		l := b.Lease()
		if _, err := ReadBodyIn(bytes.NewReader(make([]byte, 1500)), 4000, l); !errors.Is(err, ErrBusy) {
			t.Errorf("err %v, want ErrBusy", err)
		}
		l.Release()
		if b.Used() != 0 {
			t.Errorf("held after release: %d", b.Used())
		}
	})
}
