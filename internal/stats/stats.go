// Package stats holds the fairness statistics for satisfaction ratings
// (R-RAT-08): the Wilson score interval that rankings of staff and branches
// order by, and the significance tests that comparisons of two periods or two
// groups report.
//
// A raw satisfaction rate ranks an agent with 1 good rating out of 1 above one
// with 97 out of 100; the Wilson lower bound does not, because it asks how low
// the true rate could plausibly be given how few ratings back it. Comparisons
// carry a p-value so that the UI never presents noise as a change.
//
// Everything is computed with the standard library only; the tests check the
// results against reference values produced with SciPy (testdata/reference.py).
//
// Counts are ints; a count pair is valid when 0 ≤ successes ≤ n. Invalid or
// empty input never panics: it yields the documented "nothing known" values
// and, where there is one, ok = false.
package stats

import "math"

// Z95 is the two-sided 95 % standard-normal quantile, Φ⁻¹(0.975), to full
// float64 precision (SciPy's norm.ppf(0.975)).
const Z95 = 1.959963984540054

// Alpha is the significance level of Compare: a difference is called
// significant when p < Alpha.
const Alpha = 0.05

// validCounts reports whether successes out of n is a usable count pair.
func validCounts(successes, n int) bool {
	return n > 0 && successes >= 0 && successes <= n
}

// Wilson returns the Wilson score interval for successes out of n trials at
// the normal quantile z (use Z95 for 95 %; the sign of z is ignored).
//
// For n = 0, or counts outside 0 ≤ successes ≤ n, it returns (0, 0): nothing
// is known about the rate, and a lower bound of 0 makes such a row rank last,
// below any row with at least one rating. The bounds are exact at the edges:
// lower is 0 when successes = 0 and upper is 1 when successes = n.
func Wilson(successes, n int, z float64) (lower, upper float64) {
	if !validCounts(successes, n) {
		return 0, 0
	}
	z = math.Abs(z)
	nf := float64(n)
	p := float64(successes) / nf
	z2 := z * z
	// The closed form of the score-test inversion: the interval is centred on
	// a rate shrunk towards 1/2, and is never wider than [0, 1].
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / denom
	lower, upper = centre-half, centre+half
	// The formula gives 0 and 1 here only up to rounding; pin them so that a
	// perfect score really has upper bound 1 and rankings tie exactly.
	if successes == 0 {
		lower = 0
	}
	if successes == n {
		upper = 1
	}
	return clamp01(lower), clamp01(upper)
}

// WilsonLower95 returns the lower bound of the 95 % Wilson score interval,
// the key that rankings of staff and branches sort by (descending). It is 0
// for n = 0, so rows without ratings rank last.
func WilsonLower95(successes, n int) float64 {
	lower, _ := Wilson(successes, n, Z95)
	return lower
}

func clamp01(x float64) float64 {
	return math.Min(1, math.Max(0, x))
}

// TwoProportionZ tests whether the success rates s1/n1 and s2/n2 differ, with
// the pooled two-proportion z-test. z is (p2 − p1) / SE, positive when the
// second group's rate is higher, and p is the two-sided p-value.
//
// The test is undefined, and ok is false with z = 0 and p = 1, when either
// group is empty (or its counts are invalid) or when the pooled rate is 0 or
// 1: with every rating alike in both groups the standard error is 0 and there
// is no evidence of any difference, so p = 1 is the honest value to show.
func TwoProportionZ(s1, n1, s2, n2 int) (z, p float64, ok bool) {
	if !validCounts(s1, n1) || !validCounts(s2, n2) {
		return 0, 1, false
	}
	s, n := s1+s2, n1+n2
	if s == 0 || s == n {
		return 0, 1, false
	}
	pool := float64(s) / float64(n)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(n1) + 1/float64(n2)))
	z = (float64(s2)/float64(n2) - float64(s1)/float64(n1)) / se
	return z, normalTwoSided(z), true
}

// normalTwoSided returns P(|Z| ≥ |z|) for a standard normal Z. Erfc keeps full
// relative accuracy far into the tail, where 1 − Φ(z) would round to 0.
func normalTwoSided(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// ChiSquare2x2 runs Pearson's χ² test, without Yates' continuity correction
// and with 1 degree of freedom, on the 2×2 table of successes and failures of
// two groups. It is the same test as TwoProportionZ: chi2 = z² and the
// p-values agree. It is undefined (0, 1, false) in the same cases.
func ChiSquare2x2(s1, n1, s2, n2 int) (chi2, p float64, ok bool) {
	if !validCounts(s1, n1) || !validCounts(s2, n2) {
		return 0, 1, false
	}
	chi2, _, p, ok = ChiSquare([][]float64{
		{float64(s1), float64(n1 - s1)},
		{float64(s2), float64(n2 - s2)},
	})
	return chi2, p, ok
}

// ChiSquare runs Pearson's χ² test of independence on an r×c contingency
// table of counts (for example, rows are two periods and columns the five
// satisfaction levels). No continuity correction is applied.
//
// Rows and columns whose total is 0 are dropped first: an empty category
// carries no information, and keeping it would put a zero expected count in a
// denominator. df is (rows − 1)(columns − 1) of what is left. ok is false,
// with chi2 = 0 and p = 1, when df = 0 (fewer than two non-empty rows or
// columns) or when the table is ragged or holds a negative, NaN or infinite
// entry.
func ChiSquare(table [][]float64) (chi2 float64, df int, p float64, ok bool) {
	if len(table) == 0 {
		return 0, 0, 1, false
	}
	cols := len(table[0])
	rowSum := make([]float64, len(table))
	colSum := make([]float64, cols)
	total := 0.0
	for i, row := range table {
		if len(row) != cols {
			return 0, 0, 1, false
		}
		for j, v := range row {
			if !(v >= 0) || math.IsInf(v, 1) { // !(v >= 0) also catches NaN
				return 0, 0, 1, false
			}
			rowSum[i] += v
			colSum[j] += v
			total += v
		}
	}
	r, c := countPositive(rowSum), countPositive(colSum)
	if r < 2 || c < 2 {
		return 0, 0, 1, false
	}
	df = (r - 1) * (c - 1)
	for i, row := range table {
		if rowSum[i] == 0 {
			continue
		}
		for j, v := range row {
			if colSum[j] == 0 {
				continue
			}
			e := rowSum[i] * colSum[j] / total
			d := v - e
			chi2 += d * d / e
		}
	}
	return chi2, df, ChiSquareSF(chi2, df), true
}

func countPositive(xs []float64) int {
	n := 0
	for _, x := range xs {
		if x > 0 {
			n++
		}
	}
	return n
}

// ChiSquareSF returns the survival function P(X ≥ x) of the χ² distribution
// with df degrees of freedom, which is the regularized upper incomplete gamma
// function Q(df/2, x/2). It is 1 for x ≤ 0 and NaN for df ≤ 0 or a NaN x.
func ChiSquareSF(x float64, df int) float64 {
	if df <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x <= 0 {
		return 1
	}
	return gammaQ(float64(df)/2, x/2)
}
