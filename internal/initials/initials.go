// Package initials computes pinyin initials (首字母) for search: 北京分行 → bjfh.
package initials

import (
	"strings"
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
		next := make([]string, 0, len(variants)*len(letters))
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
