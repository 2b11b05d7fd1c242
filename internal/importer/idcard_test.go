package importer

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// withCheck appends the GB 11643 check character, computed independently of the
// package: the weight of position i (from the left, 0-based) is 2^(17-i) mod 11 and
// the check value is (12 - sum mod 11) mod 11, 10 written X.
func withCheck(first17 string) string {
	sum := 0
	for i := range 17 {
		w := 1
		for range 17 - i {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return first17 + "X"
	}
	return first17 + strconv.Itoa(c)
}

// wrongCheck returns the ID with a check character that is not the right one.
func wrongCheck(first17 string) string {
	id := withCheck(first17)
	if id[17] == '0' {
		return first17 + "1"
	}
	return first17 + "0"
}

// usccWithCheck appends the GB 32100 check character, computed independently:
// weights are successive powers of 3 mod 31.
func usccWithCheck(first17 string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	sum, w := 0, 1
	for i := range 17 {
		sum += strings.IndexByte(alphabet, first17[i]) * w
		w = w * 3 % 31
	}
	return first17 + string(alphabet[(31-sum%31)%31])
}

func TestResidentID(t *testing.T) {
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	future := time.Now().AddDate(1, 0, 0).Format("20060102")
	tests := []struct {
		in, want   string
		birthday   time.Time
		ok         bool
		problemHas string
	}{
		{"11010519491231002X", "11010519491231002X", d(1949, 12, 31), true, ""},
		{"11010519491231002x", "11010519491231002X", d(1949, 12, 31), true, ""},
		{"110105 19491231 002X", "11010519491231002X", d(1949, 12, 31), true, ""},
		{"１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", d(1949, 12, 31), true, ""},
		{withCheck("44030419900307123"), withCheck("44030419900307123"), d(1990, 3, 7), true, ""},
		{withCheck("51010220000229002"), withCheck("51010220000229002"), d(2000, 2, 29), true, ""},
		{withCheck("81000019850612001"), withCheck("81000019850612001"), d(1985, 6, 12), true, ""}, // 港澳居民居住证
		{"110105491231002", "110105491231002", d(1949, 12, 31), true, ""},                          // 15 digits
		{"110105194912310021", "", time.Time{}, false, "校验位错误（应为 X）"},
		{wrongCheck("44030419900307123"), "", time.Time{}, false, "校验位错误（应为 " + withCheck("44030419900307123")[17:] + "）"},
		{"11010519491231002", "", time.Time{}, false, "长度应为 18 位（实际 17 位）"},
		{"1101051949123100211", "", time.Time{}, false, "长度应为 18 位（实际 19 位）"},
		{"", "", time.Time{}, false, "长度应为 18 位（实际 0 位）"},
		{"11010519491231002Y", "", time.Time{}, false, "只能包含数字，最后一位可以是 X"},
		{"1101051949X231002X", "", time.Time{}, false, "只能包含数字"},
		{"11010549123100A", "", time.Time{}, false, "只能包含数字"},
		{withCheck("01010519491231002"), "", time.Time{}, false, "地区码无效"},
		{withCheck("91010519491231002"), "", time.Time{}, false, "地区码无效"},
		{withCheck("11010519491331002"), "", time.Time{}, false, "出生日期无效（19491331 不是有效日期）"},
		{withCheck("11010519990229002"), "", time.Time{}, false, "出生日期无效"},
		{withCheck("11010518991231002"), "", time.Time{}, false, "早于 1900 年"},
		{withCheck("110105" + future + "002"), "", time.Time{}, false, "晚于今天"},
		{"110105491331002", "", time.Time{}, false, "出生日期无效"},
		{"1.10105E+17", "", time.Time{}, false, "科学计数法"},
	}
	for _, tt := range tests {
		id, birthday, ok, problem := ResidentID(tt.in)
		if id != tt.want || !birthday.Equal(tt.birthday) || ok != tt.ok {
			t.Errorf("ResidentID(%q) = %q, %v, %v; want %q, %v, %v", tt.in, id, birthday, ok, tt.want, tt.birthday, tt.ok)
		}
		if ok != (problem.ZH == "") || ok != (problem.EN == "") || !strings.Contains(problem.ZH, tt.problemHas) {
			t.Errorf("ResidentID(%q) problem = %+v; want one containing %q", tt.in, problem, tt.problemHas)
		}
	}
}

// TestResidentCheckAgainstIndependentLoop runs many numbers through both
// implementations of the check digit.
func TestResidentCheckAgainstIndependentLoop(t *testing.T) {
	for seq := 0; seq < 1000; seq++ {
		first17 := "33010619880512" + strconv.Itoa(1000 + seq)[1:]
		want := withCheck(first17)
		if got := residentCheck(first17); got != want[17] {
			t.Fatalf("residentCheck(%s) = %c, want %c", first17, got, want[17])
		}
		if _, _, ok, p := ResidentID(want); !ok {
			t.Fatalf("ResidentID(%s) refused: %v", want, p)
		}
	}
}

func TestUSCC(t *testing.T) {
	tests := []struct {
		in, want   string
		ok         bool
		problemHas string
	}{
		{"91350100M000100Y43", "91350100M000100Y43", true, ""}, // the example of GB 32100-2015
		{"914403001922038216", "914403001922038216", true, ""},
		{"91350100m000100y43", "91350100M000100Y43", true, ""},
		{usccWithCheck("91110108MA01ABCD1"), usccWithCheck("91110108MA01ABCD1"), true, ""},
		{usccWithCheck("12100000400000624"), usccWithCheck("12100000400000624"), true, ""},
		{"91350100M000100Y44", "", false, "校验位错误（应为 3）"},
		{"91350100M000100Y4", "", false, "长度应为 18 位（实际 17 位）"},
		{"91350100M00010OY43", "", false, "第 15 位字符无效（O）"},
		{"9135A100M000100Y43", "", false, "第 3–8 位应为行政区划码"},
		{"", "", false, "长度应为 18 位"},
	}
	for _, tt := range tests {
		code, ok, problem := USCC(tt.in)
		if code != tt.want || ok != tt.ok {
			t.Errorf("USCC(%q) = %q, %v; want %q, %v", tt.in, code, ok, tt.want, tt.ok)
		}
		if ok != (problem.ZH == "") || !strings.Contains(problem.ZH, tt.problemHas) {
			t.Errorf("USCC(%q) problem = %+v; want one containing %q", tt.in, problem, tt.problemHas)
		}
	}
}

func TestPassport(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"E12345678", "E12345678", true},
		{"ea1234567", "EA1234567", true},
		{"G 1234 5678", "G12345678", true},
		{"E12", "", false},
		{"E1234-5678", "E12345678", true},
		{"护照E123456", "", false},
	}
	for _, tt := range tests {
		got, _, ok := passport(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("passport(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
