package initials

import (
	"strings"
	"testing"
	"unicode"

	"github.com/mozillazg/go-pinyin"
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

// TestCachedLettersMatchTheLibrary: the initials read through the per-character
// cache are what go-pinyin gives for every character, on the first call (cache
// empty) and on later ones.
func TestCachedLettersMatchTheLibrary(t *testing.T) {
	names := []string{"北京分行", "华夏示范银行", "重庆", "张三", "单于长乐", "曾行", "安达维保 1 号站", "ATM-01", "乐乐乐"}
	for round := range 2 {
		for _, name := range names {
			if got, want := Of(name), reference(name); got != want {
				t.Errorf("round %d: Of(%q) = %q, want %q", round, name, got, want)
			}
		}
	}
}

// reference is Of computed straight from go-pinyin, without the cache.
func reference(s string) string {
	args := pinyin.NewArgs()
	args.Style = pinyin.FirstLetter
	args.Heteronym = true
	variants := []string{""}
	for _, r := range s {
		var letters []string
		switch {
		case unicode.Is(unicode.Han, r):
			seen := map[string]bool{}
			for _, p := range pinyin.SinglePinyin(r, args) {
				if p != "" && !seen[p[:1]] {
					seen[p[:1]] = true
					letters = append(letters, p[:1])
				}
			}
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			letters = []string{string(unicode.ToLower(r))}
		}
		if len(letters) == 0 {
			continue
		}
		var next []string
		for _, v := range variants {
			for _, l := range letters {
				if len(next) < maxVariants {
					next = append(next, v+l)
				}
			}
		}
		variants = next
	}
	return strings.Join(variants, " ")
}

func BenchmarkOf(b *testing.B) {
	for b.Loop() {
		Of("华夏示范银行北京分行")
	}
}
