package initials

import (
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
	cases := map[string]string{
		"上海分行":      "shfx",
		"客服中心":      "kfzx",
		"安达维保 1 号站": "adwb1hz",
		"ATM-01":    "atm01",
		"":          "",
	}
	// The first variant uses every character's most common reading.
	for in, want := range cases {
		got := ""
		if f := strings.Fields(Of(in)); len(f) > 0 {
			got = f[0]
		}
		if got != want {
			t.Errorf("first variant of Of(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeteronymsAreSearchable(t *testing.T) {
	for name, typed := range map[string]string{"北京分行": "bjfh", "华夏示范银行": "hxsfyh", "重庆": "cq", "张三": "zs"} {
		if got := Of(name); !strings.Contains(got, typed) {
			t.Errorf("Of(%q) = %q does not contain %q", name, got, typed)
		}
	}
}

func TestVariantsAreBounded(t *testing.T) {
	got := Of("行行行行行行行行行行")
	if n := len(strings.Fields(got)); n > maxVariants {
		t.Fatalf("%d variants, want at most %d", n, maxVariants)
	}
}
