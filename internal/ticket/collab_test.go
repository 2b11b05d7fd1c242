package ticket

import (
	"reflect"
	"testing"

	"lingting/internal/apperr"
)

func TestParseMentions(t *testing.T) {
	for body, want := range map[string][]string{
		"@eng.bj1a 请处理":                             {"eng.bj1a"},
		"抄送 @supervisor01，@Agent02 和 @supervisor01": {"supervisor01", "Agent02"},
		"邮件 ops@lingting.cn 不是提及":                   {},
		"句末 @bj.admin.":                             {"bj.admin"},
		"@@x @":                                     {},
		"（@hd.head）":                                {"hd.head"},
	} {
		if got := parseMentions(body); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v, want %v", body, got, want)
		}
	}
}

func TestCheckCustom(t *testing.T) {
	defs := []FieldDef{
		{Key: "code", Label: "故障代码", Kind: FieldSelect, Required: true, Options: []string{"A", "B"}},
		{Key: "n", Label: "数量", Kind: FieldNumber},
		{Key: "on", Label: "日期", Kind: FieldDate},
		{Key: "parts", Label: "部件", Kind: FieldMultiSelect, Options: []string{"x", "y", "z"}},
		{Key: "ok", Label: "是否", Kind: FieldBoolean},
		{Key: "t", Label: "文本", Kind: FieldText},
	}
	cases := []struct {
		in      map[string]any
		bad     string
		wantOut map[string]any
	}{
		{map[string]any{"code": "A"}, "", map[string]any{"code": "A"}},
		{map[string]any{}, "custom.code", nil},
		{map[string]any{"code": ""}, "custom.code", nil},
		{map[string]any{"code": "C"}, "custom.code", nil},
		{map[string]any{"code": "A", "n": "1"}, "custom.n", nil},
		{map[string]any{"code": "A", "on": "2026-02-30"}, "custom.on", nil},
		{map[string]any{"code": "A", "parts": []any{"z", "x", "z"}, "ok": false, "t": "  hi ", "n": 2.5, "on": "2026-02-28"}, "",
			map[string]any{"code": "A", "parts": []any{"x", "z"}, "ok": false, "t": "hi", "n": 2.5, "on": "2026-02-28"}},
		{map[string]any{"code": "A", "parts": []any{"w"}}, "custom.parts", nil},
		{map[string]any{"code": "A", "ok": "true"}, "custom.ok", nil},
		{map[string]any{"code": "A", "t": "", "parts": []any{}, "n": nil}, "", map[string]any{"code": "A"}},
		{map[string]any{"code": "A", "zzz": 1}, "custom.zzz", nil},
	}
	for i, c := range cases {
		var v apperr.Validation
		out := CheckCustom(defs, c.in, true, &v)
		err := v.Err()
		if c.bad == "" {
			if err != nil || !reflect.DeepEqual(out, c.wantOut) {
				t.Errorf("case %d: %v, out %v", i, err, out)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Fields[c.bad].ZH == "" || e.Fields[c.bad].EN == "" {
			t.Errorf("case %d: want a zh/en problem on %s, got %v", i, c.bad, err)
		}
	}
}

// Tickets other modules open (Auto) may leave required fields empty, never wrong ones.
func TestCheckCustomWithoutRequired(t *testing.T) {
	defs := []FieldDef{{Key: "code", Label: "故障代码", Kind: FieldSelect, Required: true, Options: []string{"A"}}}
	var v apperr.Validation
	if out := CheckCustom(defs, nil, false, &v); v.Err() != nil || len(out) != 0 {
		t.Fatalf("empty required field refused for an automatic ticket: %v", v.Err())
	}
	CheckCustom(defs, map[string]any{"code": "B"}, false, &v)
	if v.Err() == nil {
		t.Fatal("a wrong value passed for an automatic ticket")
	}
}
