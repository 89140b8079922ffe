package door_test

// Memory of a 20 MB attachment's upload and download, beside a raw-database
// baseline that writes and reads the same bytes in the same chunks and
// transactions (random bytes of the ciphertext's size, no policy, no
// encryption, no audit):
//
//	go test ./door -run '^$' -bench Attachment -benchtime 3x
//
// peak-heap-MiB is the largest heap (live objects and garbage not yet
// collected, default GOGC) sampled every 200 µs during one operation, above
// the heap before it; the file is generated as it is read and the download
// goes to io.Discard, so neither is counted. B/op is every allocation.

import (
	"bytes"
	"crypto/rand"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

const benchFileSize = 20 << 20

// genPDF is a PDF-headed stream of n pseudo-random bytes, made as it is read.
type genPDF struct {
	left int64
	head []byte
	rnd  *mrand.ChaCha8
}

func newGenPDF(n int64) *genPDF {
	return &genPDF{left: n, head: []byte("%PDF-1.7\n"), rnd: mrand.NewChaCha8([32]byte{1})}
}

func (g *genPDF) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n := copy(p, g.head)
	g.head = g.head[n:]
	_, _ = g.rnd.Read(p[n:])
	g.left -= int64(len(p))
	return len(p), nil
}

// peakHeap runs f and returns the largest heap sampled while it ran, above
// the heap before it, in MiB.
func peakHeap(f func()) float64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	p := peak.Load()
	if p < base {
		return 0
	}
	return float64(p-base) / (1 << 20)
}

func BenchmarkAttachment(b *testing.B) {
	for _, engine := range testenv.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			e := testenv.Door(b, engine)
			e.Org(b, "org-a", nrm.OrgSocialService)
			fr := e.User(b, "fr.user", "org-a", nrm.OrgSocialService, nrm.RoleFirstResponder)
			p, err := e.Door.CreatePerson(ctx, fr, input("Ana", "Lika", "met at the port"))
			if err != nil {
				b.Fatal(err)
			}
			pid := p.ID
			var last *nrm.Attachment
			b.Run("door-upload", func(b *testing.B) {
				b.ReportAllocs()
				var peak float64
				for b.Loop() {
					peak = max(peak, peakHeap(func() {
						a, err := e.Door.AddAttachment(ctx, fr, pid, nrm.AttachmentInput{Kind: nrm.AttachOther, Name: "scan.pdf"}, newGenPDF(benchFileSize))
						if err != nil {
							b.Fatal(err)
						}
						last = a
					}))
				}
				b.ReportMetric(peak, "peak-heap-MiB")
			})
			b.Run("door-download", func(b *testing.B) {
				b.ReportAllocs()
				var peak float64
				for b.Loop() {
					peak = max(peak, peakHeap(func() {
						c, err := e.Door.OpenAttachment(ctx, fr, pid, last.ID)
						if err != nil {
							b.Fatal(err)
						}
						if n, err := c.WriteTo(io.Discard); err != nil || n != benchFileSize {
							b.Fatal(n, err)
						}
					}))
				}
				b.ReportMetric(peak, "peak-heap-MiB")
			})
			raw := "raw-" + engine
			b.Run("raw-upload", func(b *testing.B) {
				b.ReportAllocs()
				var peak float64
				for b.Loop() {
					peak = max(peak, peakHeap(func() { rawUpload(b, e.DB, pid, raw) }))
				}
				b.ReportMetric(peak, "peak-heap-MiB")
			})
			b.Run("raw-download", func(b *testing.B) {
				b.ReportAllocs()
				var peak float64
				for b.Loop() {
					peak = max(peak, peakHeap(func() { rawDownload(b, e.DB, raw) }))
				}
				b.ReportMetric(peak, "peak-heap-MiB")
			})
		})
	}
}

// chunkOverhead is a sealed chunk's size above its plaintext: the vault's
// version byte, Tink's 5-byte prefix, the 12-byte IV and the 16-byte tag.
const chunkOverhead = 1 + 5 + 12 + 16

// rawUpload writes the file's bytes as the door does — a row, then each
// 256 KiB chunk (random bytes of the ciphertext's size) in a transaction of
// its own, then the row marked ready — without policy, encryption or audit.
func rawUpload(b *testing.B, db *store.DB, pid, id string) {
	err := db.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM attachment_chunks WHERE attachment_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM attachments WHERE id = ?`, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO attachments (id, person_id, kind, state, added_by, added_org, created_at) VALUES (?, ?, 'other', 'pending', 'u', 'o', 0)`, id, pid)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	src := newGenPDF(benchFileSize)
	buf := make([]byte, 256<<10)
	ct := make([]byte, len(buf)+chunkOverhead)
	for seq := 0; ; seq++ {
		n, _ := io.ReadFull(src, buf)
		if n == 0 {
			break
		}
		_, _ = rand.Read(ct)
		err := db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)`, id, seq, ct[:n+chunkOverhead])
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE attachments SET state = 'ready' WHERE id = ?`, id)
		return err
	}); err != nil {
		b.Fatal(err)
	}
}

// rawDownload reads the chunks back one query each, as the door does.
func rawDownload(b *testing.B, db *store.DB, id string) {
	var total int
	for seq := 0; ; seq++ {
		var ct []byte
		err := db.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?`, id, seq).Scan(&ct)
		})
		if err != nil {
			break
		}
		n, _ := io.Copy(io.Discard, bytes.NewReader(ct))
		total += int(n)
	}
	if total < benchFileSize {
		b.Fatalf("read back %d bytes", total)
	}
}
