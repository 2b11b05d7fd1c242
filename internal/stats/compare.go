package stats

import (
	"fmt"
	"math"
	"strings"
)

// Comparison is the comparison of a satisfaction rate between two periods or
// two groups: group 1 is the baseline (the earlier period, the reference
// group) and group 2 the one compared with it, so a positive DiffPoints is an
// improvement.
type Comparison struct {
	N1    int     `json:"n1"`    // ratings in group 1; 0 when its counts are invalid
	N2    int     `json:"n2"`    // ratings in group 2; 0 when its counts are invalid
	Rate1 float64 `json:"rate1"` // s1/n1 as a fraction in [0, 1]; 0 when n1 = 0
	Rate2 float64 `json:"rate2"` // s2/n2 as a fraction in [0, 1]; 0 when n2 = 0
	// DiffPoints is Rate2 − Rate1 in percentage points (0.021 → 2.1); 0 when
	// either group is empty.
	DiffPoints float64 `json:"diff_points"`
	// Z and P are those of TwoProportionZ: Z > 0 when Rate2 is higher, P is
	// two-sided. They are 0 and 1 when !OK.
	Z float64 `json:"z"`
	P float64 `json:"p"`
	// OK is false when the test is undefined: a group without ratings, or
	// every rating alike in both groups (see TwoProportionZ).
	OK bool `json:"ok"`
	// Significant is OK && P < Alpha.
	Significant bool `json:"significant"`
}

// Compare compares the satisfaction rate s2/n2 with the baseline s1/n1 using
// the pooled two-proportion z-test (equivalently, the 2×2 χ² test).
func Compare(s1, n1, s2, n2 int) Comparison {
	var c Comparison
	ok1, ok2 := validCounts(s1, n1), validCounts(s2, n2)
	if ok1 {
		c.N1, c.Rate1 = n1, float64(s1)/float64(n1)
	}
	if ok2 {
		c.N2, c.Rate2 = n2, float64(s2)/float64(n2)
	}
	if ok1 && ok2 {
		// Equal rates give exactly 0 here: IEEE division rounds s/n
		// correctly, so equal fractions are equal floats, and "持平" needs
		// no tolerance.
		c.DiffPoints = 100 * (c.Rate2 - c.Rate1)
	}
	c.Z, c.P, c.OK = TwoProportionZ(s1, n1, s2, n2)
	c.Significant = c.OK && c.P < Alpha
	return c
}

// Sentence renders the comparison as the UI's one-line summary, in Chinese
// for lang "zh-CN" (or any lang not starting with "en") and in English for
// "en", e.g.
//
//	提升 2.1 个百分点，差异不显著 (p = 0.31)
//	down 2.1 percentage points, significant (p = 0.003)
//
// The difference is shown to one decimal; a non-zero difference that would
// round to 0.0 reads "不足 0.1" / "less than 0.1" so that it is not mistaken
// for no change. The p-value is formatted by FormatP.
func (c Comparison) Sentence(lang string) string {
	en := strings.HasPrefix(lang, "en")
	if !c.OK {
		switch {
		case c.N1 == 0 || c.N2 == 0:
			// An empty group (or one whose counts were not valid).
			if en {
				return "not enough ratings to compare"
			}
			return "数据不足，无法比较"
		case en:
			return "unchanged (all ratings alike, nothing to test)"
		default:
			return "持平（评价全部相同，无可检验）"
		}
	}

	var change string
	amount := fmt.Sprintf("%.1f", math.Abs(c.DiffPoints))
	small := amount == "0.0"
	switch {
	case c.DiffPoints == 0 && en:
		change = "unchanged"
	case c.DiffPoints == 0:
		change = "持平"
	case en:
		dir := "up"
		if c.DiffPoints < 0 {
			dir = "down"
		}
		if small {
			amount = "less than 0.1"
		}
		change = dir + " " + amount + " percentage points"
	default:
		dir := "提升"
		if c.DiffPoints < 0 {
			dir = "下降"
		}
		if small {
			dir += "不足"
			amount = "0.1"
		}
		change = dir + " " + amount + " 个百分点"
	}

	verdict := "差异不显著"
	if en {
		verdict = "not significant"
	}
	if c.Significant {
		verdict = "差异显著"
		if en {
			verdict = "significant"
		}
	}
	sep := "，"
	if en {
		sep = ", "
	}
	return change + sep + verdict + " (" + FormatP(c.P) + ")"
}

// FormatP formats a p-value for display, the one place these rules live:
//
//   - p < 0.001 is shown as "p < 0.001": smaller values are not meaningful
//     to a reader and their digits are not reliable in any case;
//   - p < 0.1 with three decimals ("p = 0.003", "p = 0.047");
//   - larger p with two decimals ("p = 0.31", "p = 1.00");
//   - a p just under Alpha that would round up to "0.050" is shown as
//     "p < 0.05", so that the number never contradicts "significant".
func FormatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "p = n/a"
	case p < 0.001:
		return "p < 0.001"
	case p < 0.1:
		s := fmt.Sprintf("%.3f", p)
		if p < Alpha && s == fmt.Sprintf("%.3f", Alpha) {
			return "p < 0.05"
		}
		return "p = " + s
	default:
		return fmt.Sprintf("p = %.2f", p)
	}
}
