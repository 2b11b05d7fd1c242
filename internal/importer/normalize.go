// Package importer reads uploaded spreadsheets (.xlsx, and .csv in UTF-8, UTF-16 or
// GBK/GB18030) and turns their rows into validated records. It is pure: it knows
// nothing of the database. Checks that need the archive (unknown org codes and grades,
// duplicates against existing customers) are the caller's.
package importer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize converts full-width ASCII (１３８, ＡＢＣ, ，？, the ideographic space U+3000)
// to half-width, removes zero-width characters, byte-order marks and control
// characters, trims, and collapses inner runs of whitespace (including line breaks)
// to one space.
func Normalize(s string) string {
	return normalize(s, false)
}

// normalizeName is Normalize that keeps full-width parentheses: registered Chinese
// names are written 腾讯科技（深圳）有限公司, and rewriting them would alter the name.
func normalizeName(s string) string {
	return normalize(s, true)
}

func normalize(s string, keepParens bool) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		r = halfWidth(r, keepParens)
		switch {
		case r == ' ' || unicode.IsSpace(r):
			pendingSpace = b.Len() > 0
			continue
		case dropped(r):
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// halfWidth maps one full-width ASCII rune (U+FF01..U+FF5E) or U+3000 to its
// half-width form.
func halfWidth(r rune, keepParens bool) rune {
	switch {
	case r == '\u3000':
		return ' '
	case keepParens && (r == '（' || r == '）'):
		return r
	case r >= '\uFF01' && r <= '\uFF5E':
		return r - 0xFEE0
	}
	return r
}

// dropped reports runes that never belong in a cell value: controls, zero-width
// characters and byte-order marks (often pasted from web pages or left by editors).
func dropped(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return r < 0x20 || r == 0x7F
}

// clean reports whether s is already normalised, so the common case allocates nothing.
func clean(s string) bool {
	if s == "" {
		return true
	}
	prevSpace := true // a leading space is not clean
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' {
				if prevSpace {
					return false
				}
				prevSpace = true
			} else {
				if c < 0x20 || c == 0x7F {
					return false
				}
				prevSpace = false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false // rebuilding replaces the invalid byte with U+FFFD
		}
		if r == '\u3000' || (r >= '\uFF01' && r <= '\uFF5E') || unicode.IsSpace(r) || dropped(r) {
			return false
		}
		prevSpace = false
		i += n
	}
	return !prevSpace
}

// compact removes every space and dash-like separator, for numbers people write in
// groups (138 0013 8000, 138-0013-8000).
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '—', '–', '‐', '−':
			return -1
		}
		return r
	}, s)
}

// truncate shortens a value quoted in a message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// allDigits reports whether s is non-empty and made of ASCII digits only.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
