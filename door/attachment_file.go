package door

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"slices"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/store"
	"github.com/nrm-org/nrm/vault"
)

// The content of an attachment: checked by its bytes, cleaned, sealed in
// chunks.
//
// The type is what the first bytes say (http.DetectContentType, the
// WHATWG sniffing algorithm), never the file's name or the client's
// Content-Type. A JPEG or PNG is decoded with the standard library and
// encoded again: the encoders write pixels only, so EXIF (GPS, camera,
// time), XMP, ICC profiles and PNG text chunks are gone, and a file whose
// image does not decode is refused. An image is held whole in memory while
// it is re-encoded (bounded by the size limit and by attachMaxPixels); a
// PDF streams. Each chunk of at most attachChunk bytes is a vault envelope
// under the person's data key, bound to (attachment_chunks, data,
// "<attachment id>/<position>/<last|more>"): a chunk moved, reordered,
// dropped from the end or copied to another attachment does not open.

// attachChunk is the size of one sealed chunk.
const attachChunk = 256 << 10

// attachMaxPixels bounds a decoded image (a small file may claim a huge
// one): 25 megapixels, more than a phone camera takes by default. A
// decoded image is up to 4 bytes a pixel (8 for a 16-bit PNG), so this
// bounds what one upload holds while it is re-encoded.
const attachMaxPixels = 25_000_000

const (
	chunkTable  = "attachment_chunks"
	chunkColumn = "data"
)

// chunkRecord is a chunk's record id in its associated data.
func chunkRecord(attID string, seq int, last bool) string {
	if last {
		return fmt.Sprintf("%s/%d/last", attID, seq)
	}
	return fmt.Sprintf("%s/%d/more", attID, seq)
}

// storedFile is what writeAttachment stored.
type storedFile struct {
	contentType string
	size        int64
	chunks      int
}

// writeAttachment checks, cleans and seals body into the attachment's
// chunks, each in a short transaction of its own.
func (s *Service) writeAttachment(ctx context.Context, id string, dek *vault.DEK, body io.Reader) (storedFile, error) {
	limit := s.AttachmentMax()
	br := bufio.NewReaderSize(body, 4096)
	head, err := br.Peek(512)
	if len(head) == 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			return storedFile{}, err
		}
		return storedFile{}, nrm.FieldError("file", "error.required")
	}
	f := storedFile{contentType: http.DetectContentType(head)}
	if !slices.Contains(nrm.AttachmentTypes, f.contentType) {
		return storedFile{}, nrm.FieldError("file", "error.attachment_type")
	}
	src := io.Reader(&capReader{r: br, left: limit, over: nrm.FieldError("file", "error.attachment_size", limit>>20)})
	if f.contentType != "application/pdf" {
		clean, err := cleanImage(src, f.contentType)
		if err != nil {
			return storedFile{}, err
		}
		src = bytes.NewReader(clean)
	}
	f.size, f.chunks, err = s.sealChunks(ctx, id, dek, src)
	return f, err
}

// cleanImage decodes an image of the given type and encodes it again,
// without anything but its pixels.
func cleanImage(r io.Reader, contentType string) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	broken := nrm.FieldError("file", "error.attachment_broken")
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || "image/"+format != contentType {
		return nil, broken
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > attachMaxPixels {
		return nil, nrm.FieldError("file", "error.attachment_pixels")
	}
	var out bytes.Buffer
	switch contentType {
	case "image/jpeg":
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, broken
		}
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
		if err != nil {
			return nil, err
		}
	default:
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, broken
		}
		if err := png.Encode(&out, img); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// sealChunks seals src chunk by chunk, reading one chunk ahead to know
// which is the last.
func (s *Service) sealChunks(ctx context.Context, id string, dek *vault.DEK, src io.Reader) (size int64, n int, err error) {
	cur, next := make([]byte, attachChunk), make([]byte, attachChunk)
	m, err := readChunk(src, cur)
	if err != nil {
		return 0, 0, err
	}
	for m > 0 {
		k, err := readChunk(src, next)
		if err != nil {
			return size, n, err
		}
		ct, err := dek.Seal(cur[:m], chunkTable, chunkColumn, chunkRecord(id, n, k == 0))
		if err != nil {
			return size, n, err
		}
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)`, id, n, ct)
			return err
		})
		if err != nil {
			return size, n, err
		}
		size += int64(m)
		n++
		cur, next, m = next, cur, k
	}
	return size, n, nil
}

// readChunk fills buf as far as src goes; 0 at the end.
func readChunk(src io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(src, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return n, nil
	}
	return n, err
}

// capReader reads at most left bytes and fails with over when r has more.
type capReader struct {
	r    io.Reader
	left int64
	over error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var b [1]byte
		n, err := c.r.Read(b[:])
		if n > 0 {
			return 0, c.over
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
