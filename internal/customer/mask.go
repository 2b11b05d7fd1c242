package customer

import "strings"

// MaskPhone keeps the first three and last four digits: 13812345678 → 138****5678.
// Short numbers keep only their last four.
func MaskPhone(s string) string {
	r := []rune(s)
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 11:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) > 4:
		return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
	}
	return strings.Repeat("*", len(r))
}

// MaskID keeps the first three and last four characters: 110105194912310021 → 110***********0021.
func MaskID(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// mask replaces personal numbers in c by their masked forms.
func (c *Customer) mask() {
	c.Phone = MaskPhone(c.Phone)
	c.IDNumber = MaskID(c.IDNumber)
	for i := range c.Phones {
		c.Phones[i].Number = MaskPhone(c.Phones[i].Number)
	}
	c.Masked = true
}
