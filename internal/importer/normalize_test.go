package importer

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"  abc  ", "abc"},
		{"１３８００１３８０００", "13800138000"},
		{"ＡＢＣ公司", "ABC公司"},
		{"你好，世界？", "你好,世界?"},
		{"张\u3000伟", "张 伟"},
		{"\u3000\u3000张伟\u3000", "张伟"},
		{"北京市  海淀区\t\n中关村", "北京市 海淀区 中关村"},
		{"a\r\nb", "a b"},
		{"\uFEFF客户名称", "客户名称"},
		{"138\u200B0013\u200D8000", "13800138000"},
		{"a\x00b\x7F", "ab"},
		{"ｅｍａｉｌ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email@example.com"},
		{"（深圳）", "(深圳)"},
		{"\u00A0x\u00A0", "x"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"one two", "one two"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"腾讯科技（深圳）有限公司", "腾讯科技（深圳）有限公司"},
		{"ＡＢＣ（中国）有限公司", "ABC（中国）有限公司"},
		{"ABC (China) Ltd.", "ABC (China) Ltd."},
		{" 张\u3000伟 ", "张 伟"},
	}
	for _, tt := range tests {
		if got := normalizeName(tt.in); got != tt.want {
			t.Errorf("normalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanAgreesWithNormalize(t *testing.T) {
	for _, s := range []string{"abc", "a b", "a  b", " a", "a ", "张伟", "张\u3000伟", "x\ty", "１", "ab\u200B"} {
		if clean(s) && Normalize(s) != s {
			t.Errorf("clean(%q) but Normalize changes it to %q", s, Normalize(s))
		}
	}
}
