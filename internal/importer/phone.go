package importer

import (
	"fmt"
	"strings"

	"lingting/internal/apperr"
)

// Mobile validates a mainland China mobile number: 11 digits starting 1[3-9]. It
// accepts full-width digits, spaces and dashes (138 0013 8000), parentheses, and the
// country code written +86, 86 or 0086. It returns the 11 digits.
func Mobile(s string) (string, bool) {
	d := stripCountryCode(digitsOf(s))
	if len(d) == 11 && allDigits(d) && d[0] == '1' && d[1] >= '3' && d[1] <= '9' {
		return d, true
	}
	return "", false
}

// digitsOf normalises s and drops spaces, dashes and parentheses.
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '—', '–', '‐', '−', '(', ')':
			return -1
		}
		return r
	}, Normalize(s))
}

// stripCountryCode removes +86, 0086 or 86 before an 11-digit mobile number.
func stripCountryCode(d string) string {
	switch {
	case strings.HasPrefix(d, "+86"):
		return d[3:]
	case strings.HasPrefix(d, "0086") && len(d) == 15:
		return d[4:]
	case strings.HasPrefix(d, "86") && len(d) == 13:
		return d[2:]
	}
	return d
}

// Landline validates a mainland fixed-line number and returns it as "010-12345678",
// "0755-1234567", or "12345678" without an area code; an extension written "-123",
// "转123" or "#123" is kept as "010-12345678-123". Accepted forms include
// (010)12345678, 010 1234 5678, 01012345678 and +86 10 12345678. Area codes are
// 010 and 02X (with 8-digit local numbers) or 0XXX (7 or 8 digits); local numbers
// do not start with 0. Nationwide service numbers 400/800 (10 digits) are accepted as
// "400-123-4567".
func Landline(s string) (string, bool) {
	s = strings.ReplaceAll(Normalize(s), " ", "")
	if s == "" {
		return "", false
	}
	var ext string
	for _, sep := range []string{"转", "#", "ext.", "ext", "EXT", "分机"} {
		if i := strings.Index(s, sep); i > 0 {
			s, ext = s[:i], strings.TrimPrefix(s[i+len(sep):], "-")
			if !validExt(ext) {
				return "", false
			}
			break
		}
	}
	intl := false
	for _, p := range []string{"+86", "0086"} {
		if strings.HasPrefix(s, p) {
			s, intl = strings.TrimPrefix(s[len(p):], "-"), true
			break
		}
	}
	if strings.HasPrefix(s, "(") {
		i := strings.Index(s, ")")
		if i < 0 {
			return "", false
		}
		s = s[1:i] + "-" + strings.TrimPrefix(s[i+1:], "-")
	}
	if intl && !strings.HasPrefix(s, "0") {
		s = "0" + s
	}
	if d := strings.ReplaceAll(s, "-", ""); ext == "" && len(d) == 10 && allDigits(d) &&
		(strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800")) {
		return d[:3] + "-" + d[3:6] + "-" + d[6:], true
	}
	parts := strings.Split(s, "-")
	var area, local string
	switch {
	case len(parts) == 1:
		area, local = splitArea(parts[0])
	case len(parts) == 2 && strings.HasPrefix(parts[0], "0"):
		area, local = parts[0], parts[1]
	case len(parts) == 2 && len(parts[0]) == 4 && len(parts[1]) == 4:
		local = parts[0] + parts[1] // 8888-6666
	case len(parts) == 2 && ext == "":
		local, ext = parts[0], parts[1]
	case len(parts) == 3 && (len(parts[1]) == 3 || len(parts[1]) == 4) && len(parts[2]) == 4:
		area, local = parts[0], parts[1]+parts[2] // 010-1234-5678, 0755-123-4567
	case len(parts) == 3 && ext == "":
		area, local, ext = parts[0], parts[1], parts[2]
	default:
		return "", false
	}
	if (ext != "" && !validExt(ext)) || !validLocal(area, local) {
		return "", false
	}
	out := local
	if area != "" {
		out = area + "-" + local
	}
	if ext != "" {
		out += "-" + ext
	}
	return out, true
}

// splitArea splits a run of digits that starts with 0 into area code and local number.
func splitArea(d string) (area, local string) {
	if !strings.HasPrefix(d, "0") {
		return "", d
	}
	n := 4
	if strings.HasPrefix(d, "010") || strings.HasPrefix(d, "02") {
		n = 3
	}
	if len(d) <= n {
		return d, ""
	}
	return d[:n], d[n:]
}

func validLocal(area, local string) bool {
	if !allDigits(local) || local[0] == '0' {
		return false
	}
	switch len(area) {
	case 0:
		return len(local) == 7 || len(local) == 8
	case 3:
		return (area == "010" || (area[:2] == "02" && allDigits(area))) && len(local) == 8
	case 4:
		return allDigits(area) && area[0] == '0' && area[1] >= '3' && (len(local) == 7 || len(local) == 8)
	}
	return false
}

func validExt(ext string) bool {
	return len(ext) >= 1 && len(ext) <= 6 && allDigits(ext)
}

// Phone accepts a mobile number (see Mobile) or a fixed line (see Landline) and
// returns its normalised form.
func Phone(s string) (string, bool) {
	if m, ok := Mobile(s); ok {
		return m, true
	}
	return Landline(s)
}

// phoneProblem validates the 手机号码 column (mobile or landline) and, when the value
// is invalid, says what is wrong with it.
func phoneProblem(s string) (string, apperr.Msg, bool) {
	if p, ok := Phone(s); ok {
		return p, apperr.Msg{}, true
	}
	v := truncate(Normalize(s), 40)
	if looksScientific(v) {
		return "", apperr.Msg{
			ZH: fmt.Sprintf("手机号码被 Excel 转成了科学计数法：%s，请把该列设为文本后重新填写", v),
			EN: fmt.Sprintf("mobile number was turned into scientific notation by Excel (%s); format the column as text and re-enter it", v),
		}, false
	}
	d := digitsOf(s)
	for _, r := range d {
		if (r < '0' || r > '9') && r != '+' && r != '#' && r != '转' {
			return "", apperr.Msg{
				ZH: fmt.Sprintf("手机号码含有无效字符：%s", v),
				EN: fmt.Sprintf("mobile number contains invalid characters: %s", v),
			}, false
		}
	}
	d = stripCountryCode(d)
	switch {
	case strings.HasPrefix(d, "1") && allDigits(d) && len(d) != 11:
		return "", apperr.Msg{
			ZH: fmt.Sprintf("手机号码应为 11 位（实际 %d 位）：%s", len(d), v),
			EN: fmt.Sprintf("mobile number must have 11 digits (got %d): %s", len(d), v),
		}, false
	case strings.HasPrefix(d, "1") && allDigits(d):
		return "", apperr.Msg{
			ZH: fmt.Sprintf("手机号码号段无效（应以 13–19 开头）：%s", v),
			EN: fmt.Sprintf("mobile number must start with 13–19: %s", v),
		}, false
	case strings.HasPrefix(d, "0"):
		return "", apperr.Msg{
			ZH: fmt.Sprintf("固定电话格式无效：%s（示例：010-12345678、0755-1234567）", v),
			EN: fmt.Sprintf("invalid landline number %s (e.g. 010-12345678, 0755-1234567)", v),
		}, false
	}
	return "", apperr.Msg{
		ZH: fmt.Sprintf("电话号码格式无效：%s（手机号码为 11 位，固定电话如 010-12345678）", v),
		EN: fmt.Sprintf("invalid phone number %s (mobile: 11 digits; landline: e.g. 010-12345678)", v),
	}, false
}

// looksScientific reports numbers Excel displays as 1.38001E+10 once it has turned a
// long digit string into a number.
func looksScientific(s string) bool {
	i := strings.IndexAny(s, "Ee")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	mant, exp := s[:i], strings.TrimPrefix(s[i+1:], "+")
	return allDigits(strings.Replace(mant, ".", "", 1)) && allDigits(exp)
}
