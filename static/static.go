// Package static holds the embedded stylesheet, scripts and icons, and
// serves them under content-hashed URLs with long cache lifetimes.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

type asset struct {
	body  []byte
	gz    []byte
	ctype string
	etag  string
}

var (
	byURL  = map[string]*asset{} // hashed file name -> asset
	hashed = map[string]string{} // plain name -> /static/hashed name
)

func init() {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		body, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext) + "." + h + ext
		a := &asset{body: body, ctype: mime.TypeByExtension(ext), etag: `"` + h + `"`}
		if a.ctype == "" {
			a.ctype = "application/octet-stream"
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		if buf.Len() < len(body) {
			a.gz = buf.Bytes()
		}
		byURL[name] = a
		hashed[e.Name()] = "/static/" + name
	}
}

// URL returns the content-hashed URL of an embedded file, e.g.
// URL("app.css") = "/static/app.1a2b3c4d5e6f.css". It panics on an unknown
// name, which tests catch.
func URL(name string) string {
	u, ok := hashed[name]
	if !ok {
		panic("static: no file " + name)
	}
	return u
}

// Bytes returns an embedded file's contents.
func Bytes(name string) []byte {
	b, _ := files.ReadFile(name)
	return b
}

// Handler serves /static/<hashed name>. Responses are immutable for a year.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := byURL[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Set("Vary", "Accept-Encoding")
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		w.Write(body)
	})
}
