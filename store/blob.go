package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/klauspost/compress/zstd"
)

// Blobs keeps opaque byte strings as zstd-compressed files. A write goes to
// a temporary file that is fsynced and renamed into place, so a crash
// never leaves half a blob behind.
type Blobs struct {
	dir string
	enc *zstd.Encoder
	dec *zstd.Decoder
}

var blobKey = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// OpenBlobs opens (creating when needed) a blob directory.
func OpenBlobs(dir string) (*Blobs, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("store: create blob directory: %w", err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("store: zstd encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return nil, fmt.Errorf("store: zstd decoder: %w", err)
	}
	return &Blobs{dir: dir, enc: enc, dec: dec}, nil
}

// path spreads blobs over 256 sub-directories by the key's last two characters.
func (b *Blobs) path(key string) (string, error) {
	if !blobKey.MatchString(key) || key == "tmp" {
		return "", fmt.Errorf("store: invalid blob key %q", key)
	}
	shard := key
	if len(shard) > 2 {
		shard = shard[len(shard)-2:]
	}
	return filepath.Join(b.dir, shard, key+".zst"), nil
}

// Put stores data under key, replacing any earlier blob of that key. It
// returns once the blob is durable.
func (b *Blobs) Put(key string, data []byte) error {
	dst, err := b.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("store: blob directory: %w", err)
	}
	f, err := os.CreateTemp(filepath.Join(b.dir, "tmp"), "put-*")
	if err != nil {
		return fmt.Errorf("store: blob temp file: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("store: put blob %s: %w", key, err)
	}
	if _, err := f.Write(b.enc.EncodeAll(data, nil)); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: put blob %s: %w", key, err)
	}
	return syncDir(filepath.Dir(dst))
}

// Get returns the bytes stored under key, or ErrNotFound.
func (b *Blobs) Get(key string) ([]byte, error) {
	p, err := b.path(key)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get blob %s: %w", key, err)
	}
	out, err := b.dec.DecodeAll(raw, nil)
	if err != nil {
		return nil, fmt.Errorf("store: decode blob %s: %w", key, err)
	}
	return out, nil
}

// Open returns a reader over the blob's bytes.
func (b *Blobs) Open(key string) (io.Reader, error) {
	data, err := b.Get(key)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(data), nil
}

// Delete removes a blob; deleting a missing blob is not an error.
func (b *Blobs) Delete(key string) error {
	p, err := b.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: delete blob %s: %w", key, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	return nil
}
