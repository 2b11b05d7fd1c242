// Package initials computes pinyin initials (首字母) for search: 北京分行 → bjfh.
package initials

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// maxVariants bounds how many readings of a name with several heteronyms are kept.
const maxVariants = 8

// Of returns the lower-case pinyin initials of the Han characters in s, with
// ASCII letters and digits kept and everything else dropped. A character with
// several readings (行: xíng/háng) yields every variant, space-separated, so that
// 北京分行 is found by "bjfh" as well as "bjfx": "bjfx bjfh".
func Of(s string) string {
	variants := []string{""}
	for _, r := range s {
		var letters []string
		switch {
		case unicode.Is(unicode.Han, r):
			letters = hanLetters(r)
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			letters = asciiLetters[unicode.ToLower(r)]
		}
		if len(letters) == 0 {
			continue
		}
		next := make([]string, 0, min(maxVariants, len(variants)*len(letters)))
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

// asciiLetters holds the one-letter strings of lower-case ASCII letters and
// digits, so that Of allocates none for them.
var asciiLetters = func() map[rune][]string {
	m := map[rune][]string{}
	for r := rune(0); r < unicode.MaxASCII; r++ {
		if unicode.IsLower(r) || unicode.IsDigit(r) {
			m[r] = []string{string(r)}
		}
	}
	return m
}()

// letterCache holds, by Han character, the distinct initials of its readings
// (never modified once stored). go-pinyin converts every reading to the
// first-letter style on each call (about 2.5 µs a character), and an import
// computes the initials of 10^5 names.
var letterCache sync.Map // rune → []string

// hanLetters returns the distinct initial letters of r's readings, most
// common reading first.
func hanLetters(r rune) []string {
	if v, ok := letterCache.Load(r); ok {
		return v.([]string)
	}
	l := readLetters(r)
	letterCache.Store(r, l)
	return l
}

// readLetters asks go-pinyin for the initials of r's readings.
func readLetters(r rune) []string {
	args := pinyin.NewArgs()
	args.Style = pinyin.FirstLetter
	args.Heteronym = true
	var letters []string
	for _, p := range pinyin.SinglePinyin(r, args) {
		if p != "" && !contains(letters, p[:1]) {
			letters = append(letters, p[:1])
		}
	}
	return letters
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
