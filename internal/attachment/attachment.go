// Package attachment keeps files attached to tickets (photos from the field,
// scanned forms): stored on disk under the data directory by content hash,
// typed by sniffing the bytes (not by what the client claims), and served only
// to callers who may see the ticket.
package attachment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// MaxBytes is the largest attachment accepted.
const MaxBytes = 20 << 20

// Attachment is one stored file.
type Attachment struct {
	ID           int64     `db:"id" json:"id"`
	TicketID     int64     `db:"ticket_id" json:"ticket_id"`
	Name         string    `db:"name" json:"name"`
	ContentType  string    `db:"content_type" json:"content_type"`
	Size         int64     `db:"size" json:"size"`
	SHA256       string    `db:"sha256" json:"sha256"`
	UploadedBy   *int64    `db:"uploaded_by" json:"uploaded_by"`
	UploaderName *string   `db:"uploader_name" json:"uploader_name"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
	URL          string    `db:"-" json:"url"`
	// ThumbnailURL is set for images (JPEG, PNG, GIF, WebP): a ThumbSize
	// rendition for lists and phones. Null for an image that could not be
	// decoded at upload.
	ThumbnailURL *string `db:"-" json:"thumbnail_url"`
	// Thumb records whether the upload made a thumbnail; nil for files
	// uploaded before thumbnails were made at upload (made on first request).
	Thumb *bool `db:"thumbnail" json:"-"`
}

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "attachment.delete", Group: "ticket", LabelZH: "删除他人上传的附件", LabelEN: "Delete attachments uploaded by others"},
}

// allowed are the sniffed types accepted, with the extensions that may carry
// them. Office files sniff as zip; old .doc/.xls as octet-stream are refused.
var allowed = map[string][]string{
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/png":       {".png"},
	"image/gif":       {".gif"},
	"image/webp":      {".webp"},
	"application/pdf": {".pdf"},
	"text/plain":      {".txt", ".log", ".csv"},
	"application/zip": {".zip", ".docx", ".xlsx", ".pptx"},
	"video/mp4":       {".mp4"},
}

// Service stores and serves attachments.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	tickets *ticket.Service
	dir     string
}

// NewService keeps files under dataDir/attachments.
func NewService(db *store.DB, log *audit.Log, tickets *ticket.Service, dataDir string) *Service {
	return &Service{db: db, audit: log, tickets: tickets, dir: filepath.Join(dataDir, "attachments")}
}

const selectSQL = `SELECT f.id, f.ticket_id, f.name, f.content_type, f.size, f.sha256, f.uploaded_by, u.name AS uploader_name, f.created_at, f.thumbnail
FROM attachments f LEFT JOIN users u ON u.id = f.uploaded_by`

func fill(a *Attachment) {
	a.URL = fmt.Sprintf("/api/v1/attachments/%d", a.ID)
	if thumbable[a.ContentType] && (a.Thumb == nil || *a.Thumb) {
		u := a.URL + "/thumbnail"
		a.ThumbnailURL = &u
	}
}

// cleanName keeps a file name printable and short, without directories.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	for len(name) > 120 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// Add stores a file for a visible ticket: the bytes go to disk (synced) before
// the row is committed, so an acknowledged upload is never lost. An image's
// thumbnail is made from the synced file before the row is written; an image
// that cannot be decoded is stored all the same, without a thumbnail.
//
// Files are stored once per content hash and shared by attachments with the
// same bytes. The file is moved into place and the row committed under the
// hash's lock, which Delete holds from its reference count to the removal: a
// delete of the last attachment with these bytes never removes the file of an
// upload that is about to commit.
func (s *Service) Add(ctx context.Context, ticketID int64, name string, body io.Reader) (*Attachment, error) {
	if _, err := s.tickets.Get(ctx, ticketID); err != nil {
		return nil, err
	}
	name = cleanName(name)
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.dir, "upload-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	defer tmp.Close()
	h := sha256.New()
	head := make([]byte, 512)
	n, err := io.ReadFull(body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	head = head[:n]
	if n == 0 {
		return nil, apperr.Field("file", "文件为空", "the file is empty")
	}
	ctype := http.DetectContentType(head)
	if i := strings.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	exts, ok := allowed[ctype]
	ext := strings.ToLower(filepath.Ext(name))
	if !ok || !contains(exts, ext) {
		return nil, apperr.Field("file", fmt.Sprintf("不支持的文件类型（%s，扩展名 %q）", ctype, ext), fmt.Sprintf("unsupported file type (%s, extension %q)", ctype, ext))
	}
	size, err := io.Copy(io.MultiWriter(tmp, h), io.MultiReader(strings.NewReader(string(head)), io.LimitReader(body, MaxBytes+1-int64(n))))
	if err != nil {
		return nil, err
	}
	if size > MaxBytes {
		return nil, apperr.Field("file", fmt.Sprintf("文件不能超过 %d MB", MaxBytes>>20), fmt.Sprintf("the file must be at most %d MB", MaxBytes>>20))
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	final := s.path(sum)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return nil, err
	}
	// The thumbnail is rendered outside the transaction (decoding a large
	// photo must not hold SQLite's single writer) and moved into place with
	// the file, under the lock.
	var thumb *bool
	var thumbTmp string
	if thumbable[ctype] {
		made := true
		if _, err := os.Stat(s.thumbPath(sum, ctype)); err != nil {
			if thumbTmp, err = s.renderThumb(tmp, ctype); err != nil {
				slog.Info("attachment stored without a thumbnail", "sha256", sum, "type", ctype, "err", err)
				made = false
			} else {
				defer os.Remove(thumbTmp) // a no-op once renamed
				if err := os.MkdirAll(filepath.Dir(s.thumbPath(sum, ctype)), 0o750); err != nil {
					return nil, err
				}
			}
		}
		thumb = &made
	}
	var out *Attachment
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.tickets.Get(ctx, ticketID)
		if err != nil {
			return err
		}
		if err := s.lockHash(ctx, sum); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			return err
		}
		if thumbTmp != "" {
			// Without its thumbnail the upload still stands: the first
			// request makes it.
			if err := os.Rename(thumbTmp, s.thumbPath(sum, ctype)); err != nil {
				slog.Warn("thumbnail not stored", "sha256", sum, "err", err)
			}
		}
		id, err := s.db.InsertID(ctx, `INSERT INTO attachments (ticket_id, name, content_type, size, sha256, uploaded_by, created_at, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			ticketID, name, ctype, size, sum, actor(ctx), store.Now(), thumb)
		if err != nil {
			return err
		}
		if out, err = s.get(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "attach", Entity: "ticket", EntityID: ticketID, OrgID: t.OrgID, Summary: "上传附件 " + name, After: out})
	})
	return out, err
}

// hashLock namespaces the advisory locks that serialise storing and removing
// the file of one content hash across processes (PostgreSQL); on SQLite the
// single writer serialises the transactions that take it.
const hashLock = 0x6174

// lockHash takes the lock of a content hash for the rest of the transaction.
func (s *Service) lockHash(ctx context.Context, sum string) error {
	key, err := strconv.ParseInt(sum[:12], 16, 64)
	if err != nil {
		return err
	}
	return s.db.Lock(ctx, hashLock, key)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func actor(ctx context.Context) any {
	if a := audit.ActorFrom(ctx); a.UserID != 0 {
		return a.UserID
	}
	return nil
}

// path is where a file with this hash lives: attachments/ab/abcdef….
func (s *Service) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum) }

func (s *Service) get(ctx context.Context, id int64) (*Attachment, error) {
	var a Attachment
	err := s.db.Get(ctx, &a, selectSQL+" WHERE f.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("附件", "attachment")
	}
	if err != nil {
		return nil, err
	}
	fill(&a)
	return &a, nil
}

// List returns a visible ticket's attachments, oldest first.
func (s *Service) List(ctx context.Context, ticketID int64) ([]Attachment, error) {
	if _, err := s.tickets.Get(ctx, ticketID); err != nil {
		return nil, err
	}
	out := []Attachment{}
	if err := s.db.Select(ctx, &out, selectSQL+" WHERE f.ticket_id = ? ORDER BY f.id", ticketID); err != nil {
		return nil, err
	}
	for i := range out {
		fill(&out[i])
	}
	return out, nil
}

// visible returns an attachment whose ticket the caller may see; otherwise
// not_found, as for the ticket itself.
func (s *Service) visible(ctx context.Context, id int64) (*Attachment, error) {
	a, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.tickets.Get(ctx, a.TicketID); err != nil {
		return nil, apperr.NotFoundf("附件", "attachment")
	}
	return a, nil
}

// Open returns an attachment and its bytes when the caller may see its
// ticket; otherwise not_found, as for the ticket itself.
func (s *Service) Open(ctx context.Context, id int64) (*Attachment, *os.File, error) {
	a, err := s.visible(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(s.path(a.SHA256))
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, f, nil
}

// Delete removes an attachment of a visible ticket: its uploader may, anyone
// else needs attachment.delete. The row goes (audited) in one transaction; the
// file and its thumbnail are removed from disk after the commit, and only when
// no other attachment has the same content (files are stored once per hash):
// the count and the removal happen under the hash's lock, which an upload of
// the same bytes holds from moving its file into place to its commit. A crash
// between the commit and the removal leaves an orphan file, never a row
// without its file.
func (s *Service) Delete(ctx context.Context, id int64) error {
	var a *Attachment
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.visible(ctx, id); err != nil {
			return err
		}
		me := audit.ActorFrom(ctx).UserID
		if (a.UploadedBy == nil || *a.UploadedBy != me) && !perm.From(ctx).Has("attachment.delete") {
			return apperr.New(apperr.Forbidden, "只能删除自己上传的附件（或需要权限 attachment.delete）", "you can delete only your own attachments (or need attachment.delete)")
		}
		t, err := s.tickets.Get(ctx, a.TicketID)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM attachments WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "detach", Entity: "ticket", EntityID: a.TicketID, OrgID: t.OrgID, Summary: "删除附件 " + a.Name, Before: a})
	})
	if err != nil {
		return err
	}
	if err := s.removeUnused(ctx, a.SHA256, a.ContentType); err != nil {
		slog.Warn("attachment file not removed", "sha256", a.SHA256, "err", err)
	}
	return nil
}

// removeUnused removes the file (and thumbnail) of a hash that no committed
// attachment uses any more, holding the hash's lock from the count to the
// removal.
func (s *Service) removeUnused(ctx context.Context, sum, ctype string) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.lockHash(ctx, sum); err != nil {
			return err
		}
		var refs int
		if err := s.db.Get(ctx, &refs, "SELECT count(*) FROM attachments WHERE sha256 = ?", sum); err != nil || refs > 0 {
			return err // still used (or unknown): keep the file
		}
		for _, p := range []string{s.path(sum), s.thumbPath(sum, ctype)} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				slog.Warn("attachment file not removed", "path", p, "err", err)
			}
		}
		return nil
	})
}
