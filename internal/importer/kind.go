package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"lingting/internal/apperr"
)

// Kind is one kind of batch import other than customers (whose rules, batched
// archive look-ups and custom fields live in the customer package). The import
// job — upload, background validation, the stored rows, review, one-transaction
// apply, the rejected-rows report — is shared: a Kind only says how to read a
// header, check a row and apply the accepted rows.
type Kind interface {
	// Label names what is imported in audit summaries, e.g. 机具.
	Label() string
	// Template writes the kind's .xlsx template.
	Template(w io.Writer) error
	// Begin starts validating one file for its creator: ctx carries the
	// creator's scope and permissions. File-level problems (a missing required
	// column) come back as row errors with Line 1; the file is then not read.
	Begin(ctx context.Context, header []string, policy string) (Checker, []RowError, error)
	// Apply writes the accepted rows inside the caller's transaction, under the
	// applier's scope, and returns how many were inserted and updated. A row that
	// can no longer be applied fails the whole apply (RowFailure).
	Apply(ctx context.Context, importID int64, rows RowSource) (inserted, updated int, err error)
}

// Checker validates the rows of one file in order.
type Checker interface {
	Check(ctx context.Context, line int, cells []string) (Outcome, error)
}

// Row actions, as stored with each validated row.
const (
	ActionInsert = "insert"
	ActionUpdate = "update"
	ActionSkip   = "skip"
	ActionReject = "reject"
)

// Outcome is what validation decided about one row.
type Outcome struct {
	Action    string // ActionInsert, ActionUpdate, ActionSkip or ActionReject
	Target    int64  // the existing record an update or duplicate refers to
	Data      any    // what Apply needs, stored as JSON
	Errors    []RowError
	Duplicate bool // the row duplicates another row or an existing record
}

// StagedRow is a validated row to apply (insert or update).
type StagedRow struct {
	Line   int
	Action string
	Target *int64
	Data   json.RawMessage
}

// RowSource calls fn for every row to insert or update, in line order.
type RowSource func(fn func(StagedRow) error) error

// RowFailure turns a row that cannot be applied into the conflict that fails
// the whole apply, naming the row.
func RowFailure(line int, err error) error {
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		out := apperr.New(apperr.Conflict, fmt.Sprintf("第 %d 行无法导入（%s），整批未导入；请修正后重新上传", line, e.Message.ZH),
			fmt.Sprintf("row %d cannot be imported (%s); nothing was imported", line, e.Message.EN))
		out.Details = map[string]any{"row": line}
		return out
	}
	return err
}

// Header is a header row mapped to a kind's columns by label, whatever their
// order, spaces, full-width characters or "*" markers (as MapCustomerHeader).
type Header struct {
	specs  []ColumnSpec
	header []string
	index  map[string]int // label → cell index
}

// MapHeader maps a header to specs. Line-1 errors: a required column missing,
// a label given twice. Unknown columns and 错误原因/原行号 are ignored.
func MapHeader(specs []ColumnSpec, header []string) (Header, []RowError) {
	h := Header{specs: specs, header: header, index: map[string]int{}}
	known := map[string]bool{}
	for _, s := range specs {
		known[s.Label] = true
	}
	var errs []RowError
	for i, raw := range header {
		key := headerKey(raw)
		if key == "" || key == ColErrors || key == ColSourceRow || !known[key] {
			continue
		}
		if _, dup := h.index[key]; dup {
			errs = append(errs, RowError{Line: 1, Column: key, Value: raw, Message: apperr.Msg{
				ZH: fmt.Sprintf("表头“%s”重复出现", key), EN: fmt.Sprintf("the header %q appears more than once", key)}})
			continue
		}
		h.index[key] = i
	}
	for _, s := range specs {
		if _, ok := h.index[s.Label]; s.Required && !ok {
			errs = append(errs, RowError{Line: 1, Column: s.Label, Message: apperr.Msg{
				ZH: fmt.Sprintf("缺少必填列“%s”，请使用导入模板", s.Label),
				EN: fmt.Sprintf("the required column %q is missing; use the import template", s.Label)}})
		}
	}
	return h, errs
}

// Cell returns the normalised cell of a column (empty when the column is absent).
func (h Header) Cell(cells []string, label string) string {
	if i, ok := h.index[label]; ok && i < len(cells) {
		return Normalize(cells[i])
	}
	return ""
}

// Raw returns the cell as it was in the file.
func (h Header) Raw(cells []string, label string) string {
	if i, ok := h.index[label]; ok && i < len(cells) {
		return cells[i]
	}
	return ""
}

// RowErrors collects the problems of one row of a Header-mapped sheet.
type RowErrors struct {
	H     Header
	Line  int
	Cells []string
	Errs  []RowError
}

// Fail records a problem with a column.
func (r *RowErrors) Fail(label, zh, en string, args ...any) {
	r.Errs = append(r.Errs, RowError{Line: r.Line, Column: label, Value: r.H.Raw(r.Cells, label),
		Message: apperr.Msg{ZH: fmt.Sprintf(zh, args...), EN: fmt.Sprintf(en, args...)}})
}

// Text returns a column's normalised cell, reporting it when required and
// empty or when longer than max characters.
func (r *RowErrors) Text(label string, required bool, max int) string {
	v := r.H.Cell(r.Cells, label)
	if v == "" && required {
		r.Fail(label, "%s必填", "%s is required", label)
	}
	if n := utf8.RuneCountInString(v); n > max {
		r.Fail(label, "%s不能超过 %d 个字（实际 %d 个）", "%s must be at most %d characters (got %d)", label, max, n)
	}
	return v
}

// Date returns a column's date as YYYY-MM-DD, or "" when empty or invalid
// (reported).
func (r *RowErrors) Date(label string) string {
	v := r.H.Cell(r.Cells, label)
	if v == "" {
		return ""
	}
	t, ok := Date(v)
	if ok && allDigits(v) && len(v) < 5 {
		ok = false // a year, not an Excel serial
	}
	if !ok {
		r.Fail(label, "日期无法识别：%s（请填写如 2024-06-12）", "unrecognised date %s (write e.g. 2024-06-12)", truncate(v, 40))
		return ""
	}
	return t.Format("2006-01-02")
}
