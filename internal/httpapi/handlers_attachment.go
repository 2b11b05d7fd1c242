package httpapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/attachment"
	"lingting/internal/auth"
)

func (s *Server) attachmentRoutes() {
	s.api("GET /api/v1/tickets/{id}/attachments", "ticket.read", s.listAttachments)
	s.api("POST /api/v1/tickets/{id}/attachments", "ticket.comment", s.uploadAttachment)
	s.api("GET /api/v1/attachments/{id}", "ticket.read", s.downloadAttachment)
	s.api("GET /api/v1/attachments/{id}/thumbnail", "ticket.read", s.attachmentThumbnail)
	s.api("DELETE /api/v1/attachments/{id}", "ticket.comment", s.deleteAttachment)
}

func (s *Server) attachmentThumbnail(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, f, ctype, err := s.Attachments.Thumbnail(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": "thumb-" + a.Name}))
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	http.ServeContent(w, r, "", a.CreatedAt, f)
	return nil
}

func (s *Server) deleteAttachment(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Attachments.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAttachments(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.Attachments.List(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

// uploadAttachment streams the multipart part to disk instead of buffering the
// form, so a 20 MB photo costs no more memory than a small one.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, attachment.MaxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return apperr.New(apperr.Invalid, "请以 multipart/form-data 上传文件（字段 file）", "upload the file as multipart/form-data (field file)")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return apperr.Field("file", "必填", "required")
		}
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return apperr.Field("file", fmt.Sprintf("文件不能超过 %d MB", attachment.MaxBytes>>20), fmt.Sprintf("the file must be at most %d MB", attachment.MaxBytes>>20))
		}
		if err != nil {
			return apperr.New(apperr.Invalid, "上传内容无法解析", "cannot parse the upload")
		}
		if part.FormName() != "file" {
			continue
		}
		a, err := s.Attachments.Add(r.Context(), id, part.FileName(), part)
		if errors.As(err, &maxErr) {
			return apperr.Field("file", fmt.Sprintf("文件不能超过 %d MB", attachment.MaxBytes>>20), fmt.Sprintf("the file must be at most %d MB", attachment.MaxBytes>>20))
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, a)
		return nil
	}
}

func (s *Server) downloadAttachment(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, f, err := s.Attachments.Open(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	disposition := "attachment"
	if strings.HasPrefix(a.ContentType, "image/") || a.ContentType == "application/pdf" {
		disposition = "inline"
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": a.Name}))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	http.ServeContent(w, r, "", a.CreatedAt, f)
	return nil
}
