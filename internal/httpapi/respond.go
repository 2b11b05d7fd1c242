package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
)

// statusOf maps error codes to HTTP status: the one place that knows both.
var statusOf = map[string]int{
	apperr.Invalid:                http.StatusUnprocessableEntity,
	apperr.Unauthenticated:        http.StatusUnauthorized,
	apperr.Forbidden:              http.StatusForbidden,
	apperr.PasswordChangeRequired: http.StatusForbidden,
	apperr.AccountLocked:          http.StatusForbidden,
	apperr.NotFound:               http.StatusNotFound,
	apperr.Conflict:               http.StatusConflict,
	apperr.RateLimited:            http.StatusTooManyRequests,
	apperr.UnsupportedMediaType:   http.StatusUnsupportedMediaType,
	apperr.Internal:               http.StatusInternalServerError,
}

type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// lang picks the response language from Accept-Language: English when asked first, else Chinese.
func lang(r *http.Request) string {
	al := strings.ToLower(strings.TrimSpace(r.Header.Get("Accept-Language")))
	if strings.HasPrefix(al, "en") {
		return "en"
	}
	return "zh-CN"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		slog.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestIDFrom(r.Context()))
		e = apperr.New(apperr.Internal, "服务器内部错误，请稍后重试", "internal server error; please try again later")
	}
	l := lang(r)
	body := errorPayload{Code: e.Code, Message: e.Message.In(l)}
	if len(e.Fields) > 0 || len(e.Details) > 0 {
		body.Details = map[string]any{}
		for k, v := range e.Details {
			body.Details[k] = v
		}
		if len(e.Fields) > 0 {
			fields := map[string]string{}
			for f, m := range e.Fields {
				fields[f] = m.In(l)
			}
			body.Details["fields"] = fields
		}
	}
	status, known := statusOf[e.Code]
	if !known || (e.Code == apperr.Invalid && len(e.Fields) == 0) {
		status = http.StatusBadRequest // malformed requests; field validation answers 422
	}
	writeJSON(w, status, errorBody{Error: body})
}

const maxBody = 1 << 20

// decode reads a JSON body strictly: unknown fields and trailing data are errors.
func decode(r *http.Request, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.Invalid, "请求体只能包含一个 JSON 对象", "the body must hold exactly one JSON object")
	}
	return nil
}

// requireJSON refuses bodies not declared as JSON: a cross-site HTML form can
// send text/plain or form encodings, never application/json, so this also
// closes login CSRF.
func requireJSON(r *http.Request) error {
	ct := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Type")))
	if ct == "application/json" || strings.HasPrefix(ct, "application/json;") {
		return nil
	}
	return apperr.New(apperr.UnsupportedMediaType, "请求体须为 JSON（Content-Type: application/json）", "the body must be JSON (Content-Type: application/json)")
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var maxErr *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "请求体不能为空", "the request body is empty")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		e := apperr.New(apperr.Invalid, fmt.Sprintf("字段 %s 的类型不正确（应为 %s）", field, typeErr.Type), fmt.Sprintf("field %s has the wrong type (want %s)", field, typeErr.Type))
		e.Fields = map[string]apperr.Msg{field: {ZH: "类型不正确", EN: "wrong type"}}
		return e
	case errors.As(err, &syntaxErr):
		return apperr.New(apperr.Invalid, fmt.Sprintf("JSON 格式错误（第 %d 字节）", syntaxErr.Offset), fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset))
	case errors.As(err, &maxErr):
		return apperr.New(apperr.Invalid, "请求体过大", "the request body is too large")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := apperr.New(apperr.Invalid, "未知字段："+field, "unknown field: "+field)
		e.Fields = map[string]apperr.Msg{field: {ZH: "未知字段", EN: "unknown field"}}
		return e
	}
	var te *time.ParseError
	if errors.As(err, &te) {
		return apperr.New(apperr.Invalid, "时间格式应为 RFC 3339，如 2026-11-22T09:00:00+08:00", "times must be RFC 3339, e.g. 2026-11-22T09:00:00+08:00")
	}
	return apperr.New(apperr.Invalid, "请求体无法解析："+err.Error(), "cannot parse the request body: "+err.Error())
}

// page is the parsed pagination of a list request.
type page struct {
	Page, Size int
}

func (p page) offset() int { return (p.Page - 1) * p.Size }

func parsePage(r *http.Request) (page, error) {
	p := page{Page: 1, Size: 50}
	var v apperr.Validation
	if s := r.URL.Query().Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			v.Add("page", "页码须为 1–1000000 之间的整数", "page must be an integer from 1 to 1000000")
		}
		p.Page = n
	}
	if s := r.URL.Query().Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			v.Add("page_size", "每页条数须在 1–500 之间", "page_size must be between 1 and 500")
		}
		p.Size = n
	}
	return p, v.Err()
}

// listBody is the list envelope of API.md.
type listBody[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

func list[T any](items []T, total int) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, Total: total}
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.NotFoundf("记录", "record")
	}
	return id, nil
}

func queryInt(r *http.Request, name string, v *apperr.Validation) int64 {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		v.Add(name, "须为整数", "must be an integer")
	}
	return n
}

func queryTime(r *http.Request, name string, v *apperr.Validation) time.Time {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add(name, "时间格式应为 RFC 3339", "must be an RFC 3339 time")
	}
	return t
}
