package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

// Stylesheets and scripts go out gzip-compressed to a browser that accepts
// it (issue 15: a referral page, HTML + CSS + script, under 60 KB on a slow
// phone; accessible-autocomplete alone is 55 KB, 19 KB compressed). They are
// public and the same for everyone, so compressing them reveals nothing;
// pages, which carry a CSRF token, are not compressed here (BREACH).

var gzipped sync.Map // name -> []byte, compressed once per process

// gzipAsset returns the compressed bytes of an embedded asset worth
// compressing (.css, .js), or nil.
func gzipAsset(name string) []byte {
	if ext := path.Ext(name); ext != ".css" && ext != ".js" {
		return nil
	}
	if b, ok := gzipped.Load(name); ok {
		return b.([]byte)
	}
	raw, err := fs.ReadFile(staticSub, name)
	if err != nil {
		return nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil || zw.Close() != nil {
		return nil
	}
	gzipped.Store(name, buf.Bytes())
	return buf.Bytes()
}

// serveGzip answers with the compressed asset when the browser takes gzip;
// it reports whether it did.
func serveGzip(w http.ResponseWriter, r *http.Request, name string) bool {
	w.Header().Add("Vary", "Accept-Encoding")
	if !acceptsGzip(r.Header.Get("Accept-Encoding")) || r.Header.Get("Range") != "" {
		return false
	}
	b := gzipAsset(name)
	if b == nil {
		return false
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(b) // #nosec G705 -- the bytes are an embedded asset's, compressed; the request only names which embedded file
	}
	return true
}

// acceptsGzip reads Accept-Encoding: gzip listed, not with q=0.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
