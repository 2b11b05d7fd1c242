package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// Grade is one level of the configurable customer grade list (客户等级).
type Grade struct {
	Code string `db:"code" json:"code"`
	Name string `db:"name" json:"name"`
	Sort int    `db:"sort" json:"sort"`
}

// Grades returns the grade list in order.
func (s *Service) Grades(ctx context.Context) ([]Grade, error) {
	out := []Grade{}
	err := s.db.Select(ctx, &out, "SELECT code, name, sort FROM customer_grades ORDER BY sort, code")
	return out, err
}

// SetGrades replaces the grade list. Grades in use by customers must stay.
func (s *Service) SetGrades(ctx context.Context, grades []Grade) ([]Grade, error) {
	var v apperr.Validation
	seen := map[string]bool{}
	for i, g := range grades {
		g.Code, g.Name = strings.TrimSpace(g.Code), strings.TrimSpace(g.Name)
		if !fieldCodePattern.MatchString(g.Code) || g.Name == "" {
			v.Add("items", fmt.Sprintf("第 %d 项：编码须为字母开头的字母数字，名称必填", i+1), fmt.Sprintf("item %d: code must be alphanumeric starting with a letter; name required", i+1))
		}
		if seen[g.Code] {
			v.Add("items", "等级编码重复："+g.Code, "duplicate grade code: "+g.Code)
		}
		seen[g.Code] = true
		grades[i] = g
	}
	if len(grades) == 0 {
		v.Add("items", "至少需要一个等级", "at least one grade is needed")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Grades(ctx)
		if err != nil {
			return err
		}
		var inUse []string
		if err := s.db.Select(ctx, &inUse, "SELECT DISTINCT grade FROM customers WHERE grade <> '' AND deleted_at IS NULL"); err != nil {
			return err
		}
		for _, g := range inUse {
			if !seen[g] {
				return apperr.New(apperr.Conflict, "等级 "+g+" 仍有客户使用，不能删除", "grade "+g+" is still used by customers")
			}
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM customer_grades"); err != nil {
			return err
		}
		for i, g := range grades {
			if _, err := s.db.Exec(ctx, "INSERT INTO customer_grades (code, name, sort) VALUES (?, ?, ?)", g.Code, g.Name, i+1); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "customer_grades", Summary: "修改客户等级",
			Before: map[string]any{"grades": before}, After: map[string]any{"grades": grades}})
	})
	if err != nil {
		return nil, err
	}
	return s.Grades(ctx)
}

// Field is an admin-defined custom field of customers.
type Field struct {
	ID        int64     `db:"id" json:"id"`
	Code      string    `db:"code" json:"code"`
	Label     string    `db:"label" json:"label"`
	Type      string    `db:"type" json:"type"`
	Options   []string  `db:"-" json:"options"`
	OptJSON   string    `db:"options" json:"-"`
	Required  bool      `db:"required" json:"required"`
	Sort      int       `db:"sort" json:"sort"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// FieldInput defines or changes a custom field.
type FieldInput struct {
	Code     string   `json:"code"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Options  []string `json:"options"`
	Required bool     `json:"required"`
	Sort     int      `json:"sort"`
}

var fieldCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

var fieldTypes = map[string]bool{"text": true, "number": true, "date": true, "select": true, "multiselect": true}

// Fields lists the custom field definitions in display order.
func (s *Service) Fields(ctx context.Context) ([]Field, error) {
	out := []Field{}
	if err := s.db.Select(ctx, &out, "SELECT id, code, label, type, options, required, sort, created_at FROM customer_fields ORDER BY sort, id"); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Options = []string{}
		_ = json.Unmarshal([]byte(out[i].OptJSON), &out[i].Options)
	}
	return out, nil
}

func validateFieldInput(in *FieldInput) error {
	var v apperr.Validation
	in.Code, in.Label = strings.TrimSpace(in.Code), strings.TrimSpace(in.Label)
	if !fieldCodePattern.MatchString(in.Code) {
		v.Add("code", "编码须为小写字母开头，由小写字母、数字、下划线组成", "code: lower-case letters, digits, _; starting with a letter")
	}
	v.Required("label", in.Label)
	if !fieldTypes[in.Type] {
		v.Add("type", "类型只能是 text、number、date、select、multiselect", "type must be text, number, date, select or multiselect")
	}
	if (in.Type == "select" || in.Type == "multiselect") && len(in.Options) == 0 {
		v.Add("options", "选择类字段至少需要一个选项", "select fields need at least one option")
	}
	if in.Options == nil {
		in.Options = []string{}
	}
	return v.Err()
}

// CreateField adds a custom field.
func (s *Service) CreateField(ctx context.Context, in FieldInput) (*Field, error) {
	if err := validateFieldInput(&in); err != nil {
		return nil, err
	}
	opts, _ := json.Marshal(in.Options)
	var f *Field
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		id, err := s.db.InsertID(ctx, "INSERT INTO customer_fields (code, label, type, options, required, sort, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
			in.Code, in.Label, in.Type, string(opts), in.Required, in.Sort, s.now())
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "字段编码已存在", "field code already exists")
		}
		if err != nil {
			return err
		}
		if f, err = s.field(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "customer_field", EntityID: id, Summary: "新增自定义字段 " + in.Label, After: f})
	})
	return f, err
}

// UpdateField changes a custom field; its code and type stay (values depend on them).
func (s *Service) UpdateField(ctx context.Context, id int64, in FieldInput) (*Field, error) {
	var f *Field
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.field(ctx, id)
		if err != nil {
			return err
		}
		in.Code, in.Type = before.Code, before.Type
		if err := validateFieldInput(&in); err != nil {
			return err
		}
		opts, _ := json.Marshal(in.Options)
		if _, err := s.db.Exec(ctx, "UPDATE customer_fields SET label = ?, options = ?, required = ?, sort = ? WHERE id = ?", in.Label, string(opts), in.Required, in.Sort, id); err != nil {
			return err
		}
		if f, err = s.field(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "customer_field", EntityID: id, Summary: "修改自定义字段 " + f.Label, Before: before, After: f})
	})
	return f, err
}

// DeleteField removes a custom field definition (values stay in records' history).
func (s *Service) DeleteField(ctx context.Context, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		f, err := s.field(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM customer_fields WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "customer_field", EntityID: id, Summary: "删除自定义字段 " + f.Label, Before: f})
	})
}

func (s *Service) field(ctx context.Context, id int64) (*Field, error) {
	var f Field
	err := s.db.Get(ctx, &f, "SELECT id, code, label, type, options, required, sort, created_at FROM customer_fields WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("自定义字段", "custom field")
	}
	if err != nil {
		return nil, err
	}
	f.Options = []string{}
	_ = json.Unmarshal([]byte(f.OptJSON), &f.Options)
	return &f, nil
}

// validateCustom checks custom values against the definitions: unknown codes,
// types, options and required fields.
func validateCustom(values map[string]any, fields []Field, v *apperr.Validation) error {
	byCode := map[string]Field{}
	for _, f := range fields {
		byCode[f.Code] = f
	}
	for code, val := range values {
		f, ok := byCode[code]
		key := "custom." + code
		if !ok {
			v.Add(key, "未定义的自定义字段", "unknown custom field")
			continue
		}
		if val == nil {
			delete(values, code)
			continue
		}
		switch f.Type {
		case "text":
			s, ok := val.(string)
			if !ok || len([]rune(s)) > 500 {
				v.Add(key, "应为不超过 500 字的文本", "must be text of at most 500 characters")
			}
		case "number":
			if _, ok := val.(float64); !ok {
				v.Add(key, "应为数字", "must be a number")
			}
		case "date":
			s, _ := val.(string)
			if _, err := time.Parse(time.DateOnly, s); err != nil {
				v.Add(key, "应为 YYYY-MM-DD 日期", "must be a YYYY-MM-DD date")
			}
		case "select":
			s, _ := val.(string)
			if !contains(f.Options, s) {
				v.Add(key, "不是可选项之一", "not one of the options")
			}
		case "multiselect":
			arr, ok := val.([]any)
			if !ok {
				v.Add(key, "应为选项数组", "must be an array of options")
				continue
			}
			for _, it := range arr {
				if s, _ := it.(string); !contains(f.Options, s) {
					v.Add(key, "含有不可选的值", "holds a value that is not an option")
				}
			}
		}
	}
	for _, f := range fields {
		if _, ok := values[f.Code]; f.Required && !ok {
			v.Add("custom."+f.Code, "必填", "required")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
