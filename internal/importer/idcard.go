package importer

import (
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
)

// idWeights and idCheck are the GB 11643-1999 check-digit weights and characters.
var (
	idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	idCheck   = "10X98765432"
)

// china is the time zone in which "today" is decided for birthdays (no DST, so a
// fixed offset needs no tzdata).
var china = time.FixedZone("CST", 8*3600)

// ResidentID validates a mainland resident identity number (居民身份证号码).
//
// 18-character numbers follow GB 11643-1999: a region code whose first digit is 1-8,
// a birthday YYYYMMDD that is a real date from 1900 up to today, a sequence number
// and a check character (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, characters
// "10X98765432"); a lower-case x is returned as X. Legacy 15-digit numbers (birthday
// YYMMDD in the 1900s, no check digit) are valid and returned as they are.
// Spaces and full-width digits are tolerated. When ok is false, problem says what is
// wrong (length, characters, region, birthday or check digit, in that order).
func ResidentID(s string) (id string, birthday time.Time, ok bool, problem apperr.Msg) {
	id = strings.ToUpper(compact(Normalize(s)))
	v := truncate(id, 40)
	if looksScientific(id) {
		return "", time.Time{}, false, apperr.Msg{
			ZH: fmt.Sprintf("证件号码被 Excel 转成了科学计数法：%s，请把该列设为文本后重新填写", v),
			EN: fmt.Sprintf("ID number was turned into scientific notation by Excel (%s); format the column as text and re-enter it", v),
		}
	}
	n := len([]rune(id))
	if n != 18 && n != 15 {
		return "", time.Time{}, false, apperr.Msg{
			ZH: fmt.Sprintf("居民身份证号码长度应为 18 位（实际 %d 位）：%s", n, v),
			EN: fmt.Sprintf("resident ID number must have 18 characters (got %d): %s", n, v),
		}
	}
	body := id
	if n == 18 {
		body = id[:17]
	}
	if !allDigits(body) || (n == 18 && !isDigitOrX(id[17])) {
		tail := "，最后一位可以是 X"
		if n == 15 {
			tail = ""
		}
		return "", time.Time{}, false, apperr.Msg{
			ZH: fmt.Sprintf("居民身份证号码只能包含数字%s：%s", tail, v),
			EN: fmt.Sprintf("resident ID number may contain digits only (the last may be X): %s", v),
		}
	}
	if id[0] < '1' || id[0] > '8' {
		return "", time.Time{}, false, apperr.Msg{
			ZH: fmt.Sprintf("居民身份证号码地区码无效（首位应为 1–8）：%s", v),
			EN: fmt.Sprintf("resident ID number has an invalid region code (first digit must be 1–8): %s", v),
		}
	}
	ymd := id[6:14]
	if n == 15 {
		ymd = "19" + id[6:12]
	}
	birthday, bp := birthdayOf(ymd)
	if bp != "" {
		return "", time.Time{}, false, apperr.Msg{
			ZH: fmt.Sprintf("居民身份证号码中的出生日期无效（%s）：%s", bp, v),
			EN: fmt.Sprintf("resident ID number has an invalid birth date (%s): %s", ymd, v),
		}
	}
	if n == 18 {
		if want := residentCheck(id[:17]); id[17] != want {
			return "", time.Time{}, false, apperr.Msg{
				ZH: fmt.Sprintf("证件号码校验位错误（应为 %c）：%s", want, v),
				EN: fmt.Sprintf("ID number check digit is wrong (should be %c): %s", want, v),
			}
		}
	}
	return id, birthday, true, apperr.Msg{}
}

func isDigitOrX(c byte) bool { return (c >= '0' && c <= '9') || c == 'X' }

// residentCheck computes the GB 11643-1999 check character of 17 digits.
func residentCheck(d string) byte {
	sum := 0
	for i := range 17 {
		sum += int(d[i]-'0') * idWeights[i]
	}
	return idCheck[sum%11]
}

// birthdayOf parses YYYYMMDD as a birth date; problem is empty when it is a real
// date from 1900 up to today (China time).
func birthdayOf(ymd string) (time.Time, string) {
	t, err := time.Parse("20060102", ymd)
	if err != nil {
		return time.Time{}, ymd + " 不是有效日期"
	}
	return t, birthdayProblem(t)
}

// birthdayProblem says why t cannot be a birthday, or returns "".
func birthdayProblem(t time.Time) string {
	if t.Year() < 1900 {
		return t.Format("2006-01-02") + " 早于 1900 年"
	}
	y, m, d := time.Now().In(china).Date()
	if t.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return t.Format("2006-01-02") + " 晚于今天"
	}
	return ""
}

// usccChars is the GB 32100-2015 alphabet: digits and capitals without I, O, Z, S, V.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are 3^i mod 31 for the first 17 positions.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// USCC validates a unified social credit code (统一社会信用代码, GB 32100-2015):
// 18 characters from 0-9 and A-Y without I, O, Z, S, V; positions 3-8 are a region
// code of digits; the last character is a mod-31 check character. Lower case and
// spaces are tolerated; the code is returned in upper case.
func USCC(s string) (code string, ok bool, problem apperr.Msg) {
	code = strings.ToUpper(compact(Normalize(s)))
	v := truncate(code, 40)
	rs := []rune(code)
	if n := len(rs); n != 18 {
		return "", false, apperr.Msg{
			ZH: fmt.Sprintf("统一社会信用代码长度应为 18 位（实际 %d 位）：%s", n, v),
			EN: fmt.Sprintf("unified social credit code must have 18 characters (got %d): %s", n, v),
		}
	}
	sum := 0
	for i, r := range rs {
		k := strings.IndexRune(usccChars, r)
		if k < 0 {
			return "", false, apperr.Msg{
				ZH: fmt.Sprintf("统一社会信用代码第 %d 位字符无效（%c）：%s", i+1, r, v),
				EN: fmt.Sprintf("unified social credit code has an invalid character %q at position %d: %s", r, i+1, v),
			}
		}
		if i < 17 {
			sum += k * usccWeights[i]
		}
	}
	if !allDigits(code[2:8]) {
		return "", false, apperr.Msg{
			ZH: fmt.Sprintf("统一社会信用代码第 3–8 位应为行政区划码（数字）：%s", v),
			EN: fmt.Sprintf("unified social credit code positions 3–8 must be a numeric region code: %s", v),
		}
	}
	if want := usccChars[(31-sum%31)%31]; code[17] != want {
		return "", false, apperr.Msg{
			ZH: fmt.Sprintf("统一社会信用代码校验位错误（应为 %c）：%s", want, v),
			EN: fmt.Sprintf("unified social credit code check character is wrong (should be %c): %s", want, v),
		}
	}
	return code, true, apperr.Msg{}
}

// passport validates a passport number loosely: 5 to 20 letters and digits, since
// foreign passports vary. It is returned in upper case.
func passport(s string) (string, apperr.Msg, bool) {
	p := strings.ToUpper(compact(Normalize(s)))
	ok := len(p) >= 5 && len(p) <= 20
	for i := 0; ok && i < len(p); i++ {
		c := p[i]
		ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
	}
	if !ok {
		v := truncate(p, 40)
		return "", apperr.Msg{
			ZH: fmt.Sprintf("护照号码应为 5–20 位字母或数字：%s", v),
			EN: fmt.Sprintf("passport number must be 5–20 letters or digits: %s", v),
		}, false
	}
	return p, apperr.Msg{}, true
}
