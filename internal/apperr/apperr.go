// Package apperr defines the one error type that domain code returns to callers.
// Codes are mapped to HTTP status only in internal/httpapi.
package apperr

import (
	"errors"
	"fmt"
)

// Codes shared by every domain. API.md fixes the first seven; the rest extend them.
const (
	Invalid                = "invalid"
	Unauthenticated        = "unauthenticated"
	Forbidden              = "forbidden"
	NotFound               = "not_found"
	Conflict               = "conflict"
	RateLimited            = "rate_limited"
	Internal               = "internal"
	AccountLocked          = "account_locked"
	PasswordChangeRequired = "password_change_required"
	UnsupportedMediaType   = "unsupported_media_type"
)

// Msg is a user-facing message in both product languages.
type Msg struct {
	ZH string
	EN string
}

// In picks the message for a language tag ("en…" → English, otherwise Chinese).
func (m Msg) In(lang string) string {
	if len(lang) >= 2 && lang[:2] == "en" && m.EN != "" {
		return m.EN
	}
	return m.ZH
}

// Error is a coded error with a bilingual message and optional field errors.
type Error struct {
	Code    string
	Message Msg
	Fields  map[string]Msg // validation problems by field name
	Details map[string]any // extra machine-readable detail
	Err     error          // wrapped cause, logged but never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message.EN, e.Err)
	}
	return e.Code + ": " + e.Message.EN
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a bilingual message.
func New(code, zh, en string) *Error {
	return &Error{Code: code, Message: Msg{ZH: zh, EN: en}}
}

// NotFoundf is the answer for a missing row or one outside the caller's scope.
func NotFoundf(zhWhat, enWhat string) *Error {
	return New(NotFound, zhWhat+"不存在", enWhat+" not found")
}

// Validation collects field errors and turns into an Invalid error when any exist.
type Validation struct {
	fields map[string]Msg
}

// Add records a problem with a field; the first problem per field wins.
func (v *Validation) Add(field, zh, en string) {
	if v.fields == nil {
		v.fields = map[string]Msg{}
	}
	if _, ok := v.fields[field]; !ok {
		v.fields[field] = Msg{ZH: zh, EN: en}
	}
}

// Required adds a "required" problem when value is empty.
func (v *Validation) Required(field, value string) {
	if value == "" {
		v.Add(field, "必填", "required")
	}
}

// Err returns nil when no problem was recorded.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: Msg{ZH: "输入有误，请检查标注的字段", EN: "Invalid input; check the marked fields"}, Fields: v.fields}
}

// CodeOf returns the code of err, or Internal for errors of other types.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As extracts *Error from err.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Field returns an Invalid error about one field.
func Field(field, zh, en string) error {
	var v Validation
	v.Add(field, zh, en)
	return v.Err()
}
