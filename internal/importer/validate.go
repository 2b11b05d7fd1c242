package importer

import (
	"strconv"
	"strings"
	"time"
)

// Email validates an e-mail address of the form local@domain.tld and returns it with
// the domain in lower case. Full-width characters (＠) and the ideographic full stop
// typed by Chinese input methods (qq。com) are tolerated; display names
// ("张三 <a@b.cn>") and addresses longer than 254 characters are not.
func Email(s string) (string, bool) {
	s = strings.ReplaceAll(Normalize(s), "。", ".")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at > 64 || len(s) > 254 {
		return "", false
	}
	local, domain := s[:at], strings.ToLower(s[at+1:])
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(isAlnum(c) || strings.IndexByte("!#$%&'*+/=?^_`{|}~.-", c) >= 0) {
			return "", false
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return "", false
			}
		}
	}
	if tld := labels[len(labels)-1]; len(tld) < 2 || allDigits(tld) {
		return "", false
	}
	return local + "@" + domain, true
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// Excel serial numbers accepted by Date: 1 is 1900-01-01, 2958465 is 9999-12-31.
const (
	minSerial = 1
	maxSerial = 2958465
)

// Date parses a calendar date and returns it at midnight UTC. Accepted forms:
// 2026-11-22, 2026/11/22, 2026.11.22, 2026年11月22日, 20261122, 2026-1-5, any of
// these followed by a time (2026-11-22 00:00:00, 2026-11-22T08:30), and Excel serial
// numbers in the 1900 date system (46348 → 2026-11-22; fractions are the time of day
// and ignored; serial 60, Excel's non-existent 1900-02-29, is refused; only serials
// 1..2958465 are accepted). Two-digit years and day-first forms are refused as
// ambiguous.
func Date(s string) (time.Time, bool) {
	s = Normalize(s)
	if i := strings.IndexAny(s, " T"); i > 0 {
		if !isTimeOfDay(strings.TrimSpace(s[i+1:])) {
			return time.Time{}, false
		}
		s = s[:i]
	}
	if t, ok := excelSerial(s); ok {
		return t, true
	}
	if len(s) == 8 && allDigits(s) {
		return ymd(s[:4], s[4:6], s[6:])
	}
	if strings.HasSuffix(s, "日") && strings.Contains(s, "年") {
		s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSuffix(s, "日"), "年", "-"), "月", "-")
	}
	var parts []string
	for _, sep := range []string{"-", "/", "."} {
		if p := strings.Split(s, sep); len(p) == 3 {
			parts = p
			break
		}
	}
	if parts == nil || len(parts[0]) != 4 || len(parts[1]) > 2 || len(parts[2]) > 2 {
		return time.Time{}, false
	}
	return ymd(parts[0], parts[1], parts[2])
}

// ymd builds a date from decimal year, month and day, refusing dates that do not
// exist (2026-02-30) instead of letting time.Date roll them over.
func ymd(ys, ms, ds string) (time.Time, bool) {
	if !allDigits(ys) || !allDigits(ms) || !allDigits(ds) {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if y < 1 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// excelSerial converts an Excel 1900-system serial (optionally with a fraction).
// Excel counts 1900-02-29, which never existed, so serials from 61 on are one day
// ahead of a plain count from 1899-12-31.
func excelSerial(s string) (time.Time, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if len(whole) > 7 || !allDigits(whole) || (frac != "" && !allDigits(frac)) {
		return time.Time{}, false
	}
	n, _ := strconv.Atoi(whole)
	if n < minSerial || n > maxSerial || n == 60 {
		return time.Time{}, false
	}
	base := time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	if n > 60 {
		base = base.AddDate(0, 0, -1)
	}
	return base.AddDate(0, 0, n), true
}

// isTimeOfDay accepts H:MM, HH:MM:SS and HH:MM:SS.fff, optionally followed by Z.
func isTimeOfDay(s string) bool {
	s = strings.TrimSuffix(s, "Z")
	s, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && !allDigits(frac) {
		return false
	}
	p := strings.Split(s, ":")
	if len(p) < 2 || len(p) > 3 {
		return false
	}
	limits := []int{23, 59, 59}
	for i, v := range p {
		if len(v) < 1 || len(v) > 2 || !allDigits(v) {
			return false
		}
		if n, _ := strconv.Atoi(v); n > limits[i] {
			return false
		}
	}
	return true
}
