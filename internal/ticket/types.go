package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// Kinds of custom fields (自定义字段) a ticket type may carry.
const (
	FieldText        = "text"
	FieldNumber      = "number"
	FieldDate        = "date" // YYYY-MM-DD
	FieldSelect      = "select"
	FieldMultiSelect = "multi_select"
	FieldBoolean     = "boolean"
)

var fieldKinds = []string{FieldText, FieldNumber, FieldDate, FieldSelect, FieldMultiSelect, FieldBoolean}

// FieldDef declares one custom field of a ticket type. Values are stored with
// the ticket (tickets.custom, a JSON object keyed by Key).
type FieldDef struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`    // Chinese label shown on forms
	LabelEN  string   `json:"label_en"` // optional English label
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Options  []string `json:"options"` // select and multi_select only
	Sort     int      `json:"sort"`
}

// Limits of type definitions and values.
const (
	maxFields      = 30
	maxOptions     = 50
	maxTextValue   = 2000
	maxCustomBytes = 16 << 10
)

var (
	typeCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
	fieldKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

// ValidFieldKey reports whether key can name a custom field (and so be used
// in SQL as a JSON path without quoting).
func ValidFieldKey(key string) bool { return fieldKeyPattern.MatchString(key) }

// TypeInput creates or changes a ticket type (POST /ticket-types, PUT
// /ticket-types/{code}). On change, nil leaves a part as it is.
type TypeInput struct {
	Code     string      `json:"code"`
	Name     *string     `json:"name"`
	Workflow *Workflow   `json:"workflow"`
	Fields   *[]FieldDef `json:"fields"`
	Sort     *int        `json:"sort"`
}

// validateFields checks field definitions and sorts them by Sort (then as given).
func validateFields(defs []FieldDef, v *apperr.Validation) []FieldDef {
	if len(defs) > maxFields {
		v.Add("fields", fmt.Sprintf("自定义字段最多 %d 个", maxFields), fmt.Sprintf("at most %d custom fields", maxFields))
	}
	seen := map[string]bool{}
	out := make([]FieldDef, 0, len(defs))
	for i, d := range defs {
		p := fmt.Sprintf("fields[%d]", i)
		d.Key, d.Label, d.LabelEN = strings.TrimSpace(d.Key), strings.TrimSpace(d.Label), strings.TrimSpace(d.LabelEN)
		if !fieldKeyPattern.MatchString(d.Key) {
			v.Add(p+".key", "字段标识须以小写字母开头，只含小写字母、数字和下划线，最长 40 位", "key must start with a lowercase letter and hold only a–z, 0–9 and _ (at most 40)")
		} else if seen[d.Key] {
			v.Add(p+".key", "字段标识重复："+d.Key, "duplicate key: "+d.Key)
		}
		seen[d.Key] = true
		if d.Label == "" || utf8.RuneCountInString(d.Label) > 40 {
			v.Add(p+".label", "字段名称须为 1–40 字", "label must be 1–40 characters")
		}
		if utf8.RuneCountInString(d.LabelEN) > 60 {
			v.Add(p+".label_en", "英文名称最长 60 字", "label_en must be at most 60 characters")
		}
		if !slices.Contains(fieldKinds, d.Kind) {
			v.Add(p+".kind", "字段类型只能是 text、number、date、select、multi_select、boolean", "kind must be text, number, date, select, multi_select or boolean")
		}
		if d.Kind == FieldSelect || d.Kind == FieldMultiSelect {
			opts := []string{}
			for _, o := range d.Options {
				o = strings.TrimSpace(o)
				if o == "" || utf8.RuneCountInString(o) > 60 || slices.Contains(opts, o) {
					v.Add(p+".options", "选项不能为空、重复或超过 60 字", "options must be non-empty, unique and at most 60 characters")
					continue
				}
				opts = append(opts, o)
			}
			if len(opts) == 0 || len(opts) > maxOptions {
				v.Add(p+".options", fmt.Sprintf("下拉字段须有 1–%d 个选项", maxOptions), fmt.Sprintf("a select field needs 1–%d options", maxOptions))
			}
			d.Options = opts
		} else {
			d.Options = []string{}
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b FieldDef) int { return a.Sort - b.Sort })
	return out
}

// CheckCustom validates custom values against a type's fields and answers
// them normalised (trimmed text, numbers as float64, dates as YYYY-MM-DD,
// multi-select as a de-duplicated list in option order). Empty values are
// dropped; with required set, a required field must have one. Problems are
// reported on "custom.<key>".
func CheckCustom(defs []FieldDef, in map[string]any, required bool, v *apperr.Validation) map[string]any {
	out := map[string]any{}
	byKey := map[string]FieldDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	for k := range in {
		if _, ok := byKey[k]; !ok {
			v.Add("custom."+k, "此工单类型没有字段「"+k+"」", "this ticket type has no field "+k)
		}
	}
	for _, d := range defs {
		p := "custom." + d.Key
		raw := in[d.Key]
		val, ok := customValue(d, raw)
		switch {
		case !ok:
			v.Add(p, kindMessageZH(d), kindMessageEN(d))
		case val == nil:
			if d.Required && required {
				v.Add(p, "「"+d.Label+"」必填", d.Key+" is required")
			}
		default:
			out[d.Key] = val
		}
	}
	return out
}

// customValue converts one raw JSON value; nil with ok means "empty".
func customValue(d FieldDef, raw any) (any, bool) {
	if raw == nil {
		return nil, true
	}
	switch d.Kind {
	case FieldText:
		s, ok := raw.(string)
		if !ok {
			return nil, false
		}
		s = strings.TrimSpace(s)
		if utf8.RuneCountInString(s) > maxTextValue {
			return nil, false
		}
		if s == "" {
			return nil, true
		}
		return s, true
	case FieldNumber:
		switch n := raw.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, false
			}
			return n, true
		case json.Number:
			f, err := n.Float64()
			return f, err == nil
		case string:
			if strings.TrimSpace(n) == "" {
				return nil, true
			}
		}
		return nil, false
	case FieldDate:
		s, ok := raw.(string)
		if !ok {
			return nil, false
		}
		if s = strings.TrimSpace(s); s == "" {
			return nil, true
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, false
		}
		return s, true
	case FieldSelect:
		s, ok := raw.(string)
		if !ok {
			return nil, false
		}
		if s == "" {
			return nil, true
		}
		return s, slices.Contains(d.Options, s)
	case FieldMultiSelect:
		list, ok := raw.([]any)
		if !ok {
			return nil, false
		}
		chosen := map[string]bool{}
		for _, x := range list {
			s, ok := x.(string)
			if !ok || !slices.Contains(d.Options, s) {
				return nil, false
			}
			chosen[s] = true
		}
		if len(chosen) == 0 {
			return nil, true
		}
		out := []any{}
		for _, o := range d.Options {
			if chosen[o] {
				out = append(out, o)
			}
		}
		return out, true
	case FieldBoolean:
		b, ok := raw.(bool)
		return b, ok
	}
	return nil, false
}

func kindMessageZH(d FieldDef) string {
	switch d.Kind {
	case FieldNumber:
		return "「" + d.Label + "」须为数字"
	case FieldDate:
		return "「" + d.Label + "」须为日期（YYYY-MM-DD）"
	case FieldSelect:
		return "「" + d.Label + "」须为以下选项之一：" + strings.Join(d.Options, "、")
	case FieldMultiSelect:
		return "「" + d.Label + "」只能选择：" + strings.Join(d.Options, "、")
	case FieldBoolean:
		return "「" + d.Label + "」须为是或否"
	}
	return fmt.Sprintf("「%s」须为文本，最长 %d 字", d.Label, maxTextValue)
}

func kindMessageEN(d FieldDef) string {
	switch d.Kind {
	case FieldNumber:
		return d.Key + " must be a number"
	case FieldDate:
		return d.Key + " must be a date (YYYY-MM-DD)"
	case FieldSelect:
		return d.Key + " must be one of: " + strings.Join(d.Options, ", ")
	case FieldMultiSelect:
		return d.Key + " must be a list of: " + strings.Join(d.Options, ", ")
	case FieldBoolean:
		return d.Key + " must be true or false"
	}
	return fmt.Sprintf("%s must be text of at most %d characters", d.Key, maxTextValue)
}

func encodeCustom(m map[string]any, v *apperr.Validation) string {
	b, err := json.Marshal(m)
	if err != nil || len(b) > maxCustomBytes {
		v.Add("custom", "自定义字段内容过长", "custom values are too large")
		return "{}"
	}
	return string(b)
}

// customPath renders the SQL of a custom value as text (key already validated).
func (s *Service) customPath(key string) string {
	if s.db.Dialect == store.Postgres {
		return "(t.custom::jsonb ->> '" + key + "')"
	}
	return "json_extract(t.custom, '$." + key + "')"
}

// typeDef reads a ticket type with its workflow and fields.
func (s *Service) typeDef(ctx context.Context, code string) (*Type, error) {
	var t Type
	err := s.db.Get(ctx, &t, "SELECT code, name, builtin, workflow, fields, sort FROM ticket_types WHERE code = ?", code)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("工单类型", "ticket type")
	}
	if err != nil {
		return nil, err
	}
	return &t, t.decode()
}

func (t *Type) decode() error {
	if err := json.Unmarshal([]byte(t.WFJSON), &t.Workflow); err != nil {
		return err
	}
	t.Fields = []FieldDef{}
	if t.FieldsJSON != "" {
		if err := json.Unmarshal([]byte(t.FieldsJSON), &t.Fields); err != nil {
			return err
		}
	}
	for i := range t.Fields {
		if t.Fields[i].Options == nil {
			t.Fields[i].Options = []string{}
		}
	}
	return nil
}

// CreateType adds a ticket type (its workflow defaults to the standard one).
func (s *Service) CreateType(ctx context.Context, in TypeInput) (*Type, error) {
	var v apperr.Validation
	in.Code = strings.TrimSpace(in.Code)
	if !typeCodePattern.MatchString(in.Code) {
		v.Add("code", "类型编码须以小写字母开头，只含小写字母、数字和下划线，2–32 位", "code must start with a lowercase letter and hold 2–32 of a–z, 0–9 and _")
	}
	if in.Name == nil {
		v.Add("name", "必填", "required")
	}
	if in.Workflow == nil {
		wf := DefaultWorkflow()
		in.Workflow = &wf
	}
	if in.Fields == nil {
		in.Fields = &[]FieldDef{}
	}
	t, err := s.checkType(ctx, Type{Code: in.Code}, in, &v)
	if err != nil {
		return nil, err
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if t.Sort == 0 {
			if err := s.db.Get(ctx, &t.Sort, "SELECT COALESCE(max(sort), 0) + 1 FROM ticket_types"); err != nil {
				return err
			}
		}
		if _, err := s.db.Exec(ctx, "INSERT INTO ticket_types (code, name, builtin, workflow, fields, sort) VALUES (?, ?, ?, ?, ?, ?)",
			t.Code, t.Name, false, t.WFJSON, t.FieldsJSON, t.Sort); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.Field("code", "类型编码已存在："+t.Code, "a ticket type with this code exists")
			}
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "ticket_type", Summary: "新建工单类型 " + t.Name + "（" + t.Code + "）", After: t})
	})
	if err != nil {
		return nil, err
	}
	return s.typeDef(ctx, t.Code)
}

// UpdateType changes a type's name, workflow, fields or order. A built-in
// type keeps its name; a workflow must keep every status some ticket of the
// type is in.
func (s *Service) UpdateType(ctx context.Context, code string, in TypeInput) (*Type, error) {
	var out *Type
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.typeDef(ctx, code)
		if err != nil {
			return err
		}
		var v apperr.Validation
		if before.Builtin && in.Name != nil && strings.TrimSpace(*in.Name) != before.Name {
			v.Add("name", "内置类型不能改名", "a built-in type cannot be renamed")
		}
		t, err := s.checkType(ctx, *before, in, &v)
		if err != nil {
			return err
		}
		if in.Workflow != nil {
			var used []string
			if err := s.db.Select(ctx, &used, "SELECT DISTINCT status FROM tickets WHERE type = ?", code); err != nil {
				return err
			}
			for _, st := range used {
				if _, ok := t.Workflow.Status(st); !ok {
					return apperr.Field("workflow.statuses", "仍有工单处于状态「"+st+"」，不能删除该状态", "tickets of this type are in status "+st+"; it cannot be removed")
				}
			}
		}
		if _, err := s.db.Exec(ctx, "UPDATE ticket_types SET name = ?, workflow = ?, fields = ?, sort = ? WHERE code = ?", t.Name, t.WFJSON, t.FieldsJSON, t.Sort, code); err != nil {
			return err
		}
		out = &t
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "ticket_type", Summary: "修改工单类型 " + t.Name + "（" + code + "）", Before: before, After: t})
	})
	if err != nil {
		return nil, err
	}
	return s.typeDef(ctx, out.Code)
}

// checkType applies an input to a type and validates the result.
func (s *Service) checkType(_ context.Context, t Type, in TypeInput, v *apperr.Validation) (Type, error) {
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
		if t.Name == "" || utf8.RuneCountInString(t.Name) > 20 {
			v.Add("name", "类型名称须为 1–20 字", "name must be 1–20 characters")
		}
	}
	if in.Workflow != nil {
		if err := in.Workflow.Validate(); err != nil {
			if e, ok := apperr.As(err); ok {
				for f, m := range e.Fields {
					v.Add(f, m.ZH, m.EN)
				}
			}
		}
		t.Workflow = *in.Workflow
	}
	if in.Fields != nil {
		t.Fields = validateFields(*in.Fields, v)
	}
	if in.Sort != nil {
		if *in.Sort < 0 || *in.Sort > 10000 {
			v.Add("sort", "排序须在 0–10000 之间", "sort must be 0–10000")
		}
		t.Sort = *in.Sort
	}
	if err := v.Err(); err != nil {
		return t, err
	}
	wf, _ := json.Marshal(t.Workflow)
	fields, _ := json.Marshal(t.Fields)
	t.WFJSON, t.FieldsJSON = string(wf), string(fields)
	return t, nil
}

// DeleteType removes a type no ticket uses; built-in types stay.
func (s *Service) DeleteType(ctx context.Context, code string) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.typeDef(ctx, code)
		if err != nil {
			return err
		}
		if t.Builtin {
			return apperr.New(apperr.Conflict, "内置类型不能删除", "a built-in type cannot be deleted")
		}
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM (SELECT 1 FROM tickets WHERE type = ? LIMIT 1) x", code); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "已有该类型的工单，不能删除", "tickets of this type exist; it cannot be deleted")
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM ticket_types WHERE code = ?", code); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "ticket_type", Summary: "删除工单类型 " + t.Name + "（" + code + "）", Before: t})
	})
}
