package attachment

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"lingting/internal/apperr"
)

// ThumbSize is the longest side of a thumbnail, in pixels: enough for the
// ticket page's tiles and the engineer's phone at 2× density.
const ThumbSize = 320

// maxPixels refuses to decode images larger than this (a 20 MB PNG can claim
// 100,000 × 100,000 pixels and ask for 40 GB).
const maxPixels = 60_000_000

// thumbable are the types a thumbnail can be made of.
var thumbable = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// thumbPath is where the thumbnail of a file with this hash is kept; JPEG
// sources give JPEG thumbnails, the others PNG (transparency survives).
func (s *Service) thumbPath(sum, ctype string) string {
	ext := ".png"
	if ctype == "image/jpeg" {
		ext = ".jpg"
	}
	return filepath.Join(s.dir, "thumbs", sum[:2], fmt.Sprintf("%s-%d%s", sum, ThumbSize, ext))
}

// Thumbnail returns the thumbnail of a visible image attachment and its
// content type. Uploads make it; for files uploaded before that, the first
// request makes it and keeps it on disk next to the files. Attachments that
// are not images, or images that could not be decoded at upload, answer
// not_found.
func (s *Service) Thumbnail(ctx context.Context, id int64) (*Attachment, *os.File, string, error) {
	a, err := s.visible(ctx, id)
	if err != nil {
		return nil, nil, "", err
	}
	if !thumbable[a.ContentType] || (a.Thumb != nil && !*a.Thumb) {
		return nil, nil, "", apperr.NotFoundf("缩略图", "thumbnail")
	}
	out := "image/png"
	if a.ContentType == "image/jpeg" {
		out = "image/jpeg"
	}
	path := s.thumbPath(a.SHA256, a.ContentType)
	if f, err := os.Open(path); err == nil {
		return a, f, out, nil
	}
	if err := s.makeThumb(ctx, a, path); err != nil {
		return nil, nil, "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, "", err
	}
	return a, f, out, nil
}

// makeThumb is the fallback for files uploaded before thumbnails were made at
// upload: it renders from the stored file and moves the thumbnail into place
// under the hash's lock while an attachment still uses the file, so a
// concurrent delete of the last one leaves no thumbnail behind. Concurrent
// first requests at worst both do the work.
func (s *Service) makeThumb(ctx context.Context, a *Attachment, path string) error {
	src, err := os.Open(s.path(a.SHA256))
	if err != nil {
		return fmt.Errorf("attachment %d: %w", a.ID, err)
	}
	defer src.Close()
	tmp, err := s.renderThumb(src, a.ContentType)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.lockHash(ctx, a.SHA256); err != nil {
			return err
		}
		var refs int
		if err := s.db.Get(ctx, &refs, "SELECT count(*) FROM attachments WHERE sha256 = ?", a.SHA256); err != nil {
			return err
		}
		if refs == 0 {
			return apperr.NotFoundf("附件", "attachment")
		}
		return os.Rename(tmp, path)
	})
}

// renderThumb decodes an image, scales it into a ThumbSize box (never up),
// turns it upright (JPEG EXIF orientation, as browsers show the original) and
// writes it to a temporary file in the thumbnails' directory, whose name it
// answers; the caller moves it into place (or removes it).
func (s *Service) renderThumb(src io.ReadSeeker, ctype string) (string, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	img, err := decodeLimited(src, ctype)
	if err != nil {
		return "", err
	}
	thumb := Scale(img, ThumbSize)
	if ctype == "image/jpeg" {
		// Turned after scaling: the small image is cheap to turn pixel by pixel.
		if _, err := src.Seek(0, io.SeekStart); err == nil {
			thumb = orient(thumb, jpegOrientation(src))
		}
	}
	var buf bytes.Buffer
	if ctype == "image/jpeg" {
		err = jpeg.Encode(&buf, thumb, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&buf, thumb)
	}
	if err != nil {
		return "", err
	}
	// Next to where thumbnails live (thumbs/ab/…), so the rename stays on
	// one file system.
	dir := filepath.Join(s.dir, "thumbs")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, "thumb-*")
	if err != nil {
		return "", err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// decodeLimited decodes an image after checking its declared size.
func decodeLimited(r io.ReadSeeker, ctype string) (image.Image, error) {
	var cfg func(io.Reader) (image.Config, error)
	var dec func(io.Reader) (image.Image, error)
	switch ctype {
	case "image/jpeg":
		cfg, dec = jpeg.DecodeConfig, jpeg.Decode
	case "image/png":
		cfg, dec = png.DecodeConfig, png.Decode
	case "image/gif":
		cfg, dec = gif.DecodeConfig, gif.Decode // the first frame
	case "image/webp":
		cfg, dec = webp.DecodeConfig, webp.Decode
	default:
		return nil, apperr.NotFoundf("缩略图", "thumbnail")
	}
	c, err := cfg(r)
	if err != nil {
		return nil, unreadable()
	}
	if c.Width <= 0 || c.Height <= 0 || c.Width*c.Height > maxPixels {
		return nil, apperr.New(apperr.Invalid, fmt.Sprintf("图片过大（%d×%d），不生成缩略图", c.Width, c.Height),
			fmt.Sprintf("the image is too large (%d×%d) for a thumbnail", c.Width, c.Height))
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, err := dec(r)
	if err != nil {
		return nil, unreadable()
	}
	return img, nil
}

func unreadable() error {
	return apperr.New(apperr.Invalid, "图片无法解码，不能生成缩略图", "the image cannot be decoded; no thumbnail")
}

// Scale fits img into a size×size box keeping its proportions (never
// enlarging), with Catmull-Rom resampling.
func Scale(img image.Image, size int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= size && h <= size {
		size = max(w, h)
	}
	nw, nh := size, size
	if w >= h {
		nh = max(1, h*size/w)
	} else {
		nw = max(1, w*size/h)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, nw, nh))
	if _, opaque := img.(*image.YCbCr); opaque {
		draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	}
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}

// jpegOrientation reads the EXIF orientation (1–8) of a JPEG, 1 when absent.
func jpegOrientation(r io.Reader) int {
	br := &byteReader{r: r}
	if br.u16(binary.BigEndian) != 0xFFD8 {
		return 1
	}
	for range 32 { // markers before the image data
		marker := br.u16(binary.BigEndian)
		if br.err != nil || marker>>8 != 0xFF || marker == 0xFFDA {
			return 1
		}
		n := int(br.u16(binary.BigEndian)) - 2
		if n < 0 || br.err != nil {
			return 1
		}
		seg := br.bytes(n)
		if marker == 0xFFE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
	}
	return 1
}

// exifOrientation finds tag 0x0112 in IFD0 of a TIFF block.
func exifOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:8]))
	if off+2 > len(t) {
		return 1
	}
	n := int(bo.Uint16(t[off:]))
	for i := range n {
		e := off + 2 + i*12
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

type byteReader struct {
	r   io.Reader
	err error
}

func (b *byteReader) bytes(n int) []byte {
	if b.err != nil || n > 1<<16 {
		b.err = io.ErrUnexpectedEOF
		return nil
	}
	p := make([]byte, n)
	_, b.err = io.ReadFull(b.r, p)
	return p
}

func (b *byteReader) u16(bo binary.ByteOrder) uint16 {
	p := b.bytes(2)
	if p == nil {
		return 0
	}
	return bo.Uint16(p)
}

// orient turns an image as EXIF orientation o says (2–8 mirror and rotate).
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var nx, ny int
			switch o {
			case 2:
				nx, ny = w-1-x, y
			case 3:
				nx, ny = w-1-x, h-1-y
			case 4:
				nx, ny = x, h-1-y
			case 5:
				nx, ny = y, x
			case 6:
				nx, ny = h-1-y, x
			case 7:
				nx, ny = h-1-y, w-1-x
			case 8:
				nx, ny = y, w-1-x
			}
			dst.Set(nx, ny, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}
