package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestZ95MatchesReference(t *testing.T) {
	ref := loadReference(t)
	if Z95 != ref.Generator.Z95 {
		t.Errorf("Z95 = %v, SciPy's norm.ppf(0.975) = %v", Z95, ref.Generator.Z95)
	}
}

func TestWilsonReference(t *testing.T) {
	for _, c := range loadReference(t).Wilson {
		lower, upper := Wilson(c.S, c.N, c.Z)
		if !closeAbs(lower, c.Lower) || !closeAbs(upper, c.Upper) {
			t.Errorf("Wilson(%d, %d, %v) = (%.12g, %.12g), want (%.12g, %.12g)",
				c.S, c.N, c.Z, lower, upper, c.Lower, c.Upper)
		}
		if c.Z == Z95 {
			if got := WilsonLower95(c.S, c.N); got != lower {
				t.Errorf("WilsonLower95(%d, %d) = %v, Wilson's lower = %v", c.S, c.N, got, lower)
			}
		}
	}
}

func TestWilsonEdges(t *testing.T) {
	cases := []struct {
		name         string
		s, n         int
		lower, upper float64 // exact
	}{
		{"no ratings", 0, 0, 0, 0},
		{"negative n", 0, -3, 0, 0},
		{"more successes than n", 5, 4, 0, 0},
		{"negative successes", -1, 4, 0, 0},
	}
	for _, c := range cases {
		lower, upper := Wilson(c.s, c.n, Z95)
		if lower != c.lower || upper != c.upper {
			t.Errorf("%s: Wilson(%d, %d) = (%v, %v), want (%v, %v)", c.name, c.s, c.n, lower, upper, c.lower, c.upper)
		}
	}
	// The edges are exact, not merely close: a perfect score has upper 1 and
	// no successes has lower 0, at any n.
	for _, n := range []int{1, 2, 3, 7, 100, 1_000_000, 1 << 40} {
		if lower, _ := Wilson(0, n, Z95); lower != 0 {
			t.Errorf("Wilson(0, %d) lower = %v, want 0", n, lower)
		}
		if _, upper := Wilson(n, n, Z95); upper != 1 {
			t.Errorf("Wilson(%d, %d) upper = %v, want 1", n, n, upper)
		}
	}
	// A negative z means the same quantile.
	l1, u1 := Wilson(7, 10, Z95)
	l2, u2 := Wilson(7, 10, -Z95)
	if l1 != l2 || u1 != u2 {
		t.Errorf("Wilson with -z = (%v, %v), want (%v, %v)", l2, u2, l1, u1)
	}
}

// TestWilsonRanking is the reason the package exists: one good rating out of
// one must not outrank 97 out of 100, and no ratings ranks below any rating.
func TestWilsonRanking(t *testing.T) {
	if a, b := WilsonLower95(1, 1), WilsonLower95(97, 100); a >= b {
		t.Errorf("1/1 ranks at %v, not below 97/100 at %v", a, b)
	}
	if a, b := WilsonLower95(0, 0), WilsonLower95(1, 1000); a >= b {
		t.Errorf("no ratings ranks at %v, not below 1/1000 at %v", a, b)
	}
}

func TestTwoProportionZReference(t *testing.T) {
	for _, c := range loadReference(t).TwoProportion {
		z, p, ok := TwoProportionZ(c.S1, c.N1, c.S2, c.N2)
		if ok != c.OK || !closeScaled(z, c.Z) || !closeP(p, c.P) {
			t.Errorf("TwoProportionZ(%d, %d, %d, %d) = (%.12g, %.12g, %v), want (%.12g, %.12g, %v)",
				c.S1, c.N1, c.S2, c.N2, z, p, ok, c.Z, c.P, c.OK)
		}
	}
}

func TestChiSquare2x2Reference(t *testing.T) {
	for _, c := range loadReference(t).TwoProportion {
		chi2, p, ok := ChiSquare2x2(c.S1, c.N1, c.S2, c.N2)
		if ok != c.OK || !closeScaled(chi2, c.Chi2) || !closeP(p, c.Chi2P) {
			t.Errorf("ChiSquare2x2(%d, %d, %d, %d) = (%.12g, %.12g, %v), want (%.12g, %.12g, %v)",
				c.S1, c.N1, c.S2, c.N2, chi2, p, ok, c.Chi2, c.Chi2P, c.OK)
		}
	}
}

func TestChiSquareReference(t *testing.T) {
	for _, c := range loadReference(t).ChiSquare {
		chi2, df, p, ok := ChiSquare(c.Table)
		if ok != c.OK || df != c.DF || !closeScaled(chi2, c.Chi2) || !closeP(p, c.P) {
			t.Errorf("%s: ChiSquare = (%.12g, %d, %.12g, %v), want (%.12g, %d, %.12g, %v)",
				c.Name, chi2, df, p, ok, c.Chi2, c.DF, c.P, c.OK)
		}
	}
}

func TestChiSquareInvalid(t *testing.T) {
	cases := map[string][][]float64{
		"nil":      nil,
		"no cols":  {{}, {}},
		"ragged":   {{1, 2}, {3}},
		"negative": {{1, -2}, {3, 4}},
		"NaN":      {{1, math.NaN()}, {3, 4}},
		"Inf":      {{1, math.Inf(1)}, {3, 4}},
	}
	for name, table := range cases {
		chi2, df, p, ok := ChiSquare(table)
		if ok || chi2 != 0 || df != 0 || p != 1 {
			t.Errorf("%s: ChiSquare = (%v, %d, %v, %v), want (0, 0, 1, false)", name, chi2, df, p, ok)
		}
	}
	for _, c := range [][4]int{{-1, 5, 2, 5}, {6, 5, 2, 5}, {1, 5, 2, -5}} {
		if chi2, p, ok := ChiSquare2x2(c[0], c[1], c[2], c[3]); ok || chi2 != 0 || p != 1 {
			t.Errorf("ChiSquare2x2%v = (%v, %v, %v), want (0, 1, false)", c, chi2, p, ok)
		}
		if z, p, ok := TwoProportionZ(c[0], c[1], c[2], c[3]); ok || z != 0 || p != 1 {
			t.Errorf("TwoProportionZ%v = (%v, %v, %v), want (0, 1, false)", c, z, p, ok)
		}
	}
}

func TestChiSquareSFReference(t *testing.T) {
	for _, c := range loadReference(t).Chi2SF {
		if got := ChiSquareSF(c.X, c.DF); !closeP(got, c.SF) {
			t.Errorf("ChiSquareSF(%v, %d) = %.15g, want %.15g", c.X, c.DF, got, c.SF)
		}
	}
	for _, df := range []int{0, -1} {
		if got := ChiSquareSF(1, df); !math.IsNaN(got) {
			t.Errorf("ChiSquareSF(1, %d) = %v, want NaN", df, got)
		}
	}
}

// TestGammaQAccuracy holds the incomplete gamma function to the ~1e-12
// relative accuracy it is written for, far tighter than the 1e-6 the p-values
// need, so that a regression in it shows before it reaches them.
func TestGammaQAccuracy(t *testing.T) {
	const rel = 1e-12
	ref := loadReference(t)
	check := func(a, x, got, want float64) {
		t.Helper()
		if want < 1e-300 {
			if got >= 1e-300 {
				t.Errorf("Q(%v, %v) = %g, want %g", a, x, got, want)
			}
			return
		}
		if math.Abs(got-want) > rel*want {
			t.Errorf("Q(%v, %v) = %.17g, want %.17g (rel. error %.2g)", a, x, got, want, math.Abs(got-want)/want)
		}
	}
	for _, c := range ref.GammaQ {
		check(c.A, c.X, gammaQ(c.A, c.X), c.Q)
	}
	for _, c := range ref.Chi2SF {
		check(float64(c.DF)/2, c.X/2, ChiSquareSF(c.X, c.DF), c.SF)
	}
	for _, in := range [][2]float64{{0, 1}, {-1, 1}, {1, -1}, {math.NaN(), 1}, {1, math.NaN()}} {
		if got := gammaQ(in[0], in[1]); !math.IsNaN(got) {
			t.Errorf("Q(%v, %v) = %v, want NaN", in[0], in[1], got)
		}
	}
	if got := gammaQ(3, math.Inf(1)); got != 0 {
		t.Errorf("Q(3, +Inf) = %v, want 0", got)
	}
}

// TestChiSquare2x2IsZSquared checks the identity that makes the two tests one:
// for a 2×2 table Pearson's χ² is z², and Q(1/2, z²/2) = erfc(|z|/√2).
func TestChiSquare2x2IsZSquared(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 8))
	for range 5000 {
		n1, n2 := 1+r.IntN(randomN(r)), 1+r.IntN(randomN(r))
		s1, s2 := r.IntN(n1+1), r.IntN(n2+1)
		z, pz, okz := TwoProportionZ(s1, n1, s2, n2)
		chi2, pc, okc := ChiSquare2x2(s1, n1, s2, n2)
		if okz != okc {
			t.Fatalf("(%d/%d, %d/%d): ok %v vs %v", s1, n1, s2, n2, okz, okc)
		}
		if math.Abs(chi2-z*z) > 1e-9*math.Max(1, z*z) {
			t.Fatalf("(%d/%d, %d/%d): χ² = %.15g, z² = %.15g", s1, n1, s2, n2, chi2, z*z)
		}
		if pz > 1e-300 && math.Abs(pc-pz) > 1e-9*pz {
			t.Fatalf("(%d/%d, %d/%d): χ² p = %.15g, z p = %.15g", s1, n1, s2, n2, pc, pz)
		}
	}
}

// randomN draws a sample size from 1 to 10^6 spread over the orders of
// magnitude, so that tiny and huge n are both exercised.
func randomN(r *rand.Rand) int {
	return int(math.Pow(10, 6*r.Float64())) + 1
}

// TestWilsonProperties checks, on random counts, that the interval contains
// the observed rate and stays in [0, 1], and that at a fixed rate more
// ratings raise the lower bound (more evidence, less doubt).
func TestWilsonProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 6))
	for range 20000 {
		n := randomN(r)
		s := r.IntN(n + 1)
		lower, upper := Wilson(s, n, Z95)
		rate := float64(s) / float64(n)
		if !(0 <= lower && lower <= rate && rate <= upper && upper <= 1) {
			t.Fatalf("Wilson(%d, %d) = (%v, %v) does not bracket %v inside [0, 1]", s, n, lower, upper, rate)
		}
		// Same rate, k times the ratings.
		k := 2 + r.IntN(9)
		if s > 0 && s < n {
			if bigger := WilsonLower95(k*s, k*n); bigger <= lower {
				t.Fatalf("WilsonLower95(%d, %d) = %v, not above WilsonLower95(%d, %d) = %v",
					k*s, k*n, bigger, s, n, lower)
			}
		}
	}
	// At rate 1 the lower bound rises with n all the way.
	prev := -1.0
	for n := 1; n <= 1_000_000; n *= 2 {
		l := WilsonLower95(n, n)
		if l <= prev {
			t.Fatalf("WilsonLower95(%d, %d) = %v, not above %v", n, n, l, prev)
		}
		prev = l
	}
}

func TestCompare(t *testing.T) {
	c := Compare(800, 1000, 821, 1000)
	if c.Rate1 != 0.8 || c.Rate2 != 0.821 || math.Abs(c.DiffPoints-2.1) > 1e-9 {
		t.Errorf("rates %v %v diff %v", c.Rate1, c.Rate2, c.DiffPoints)
	}
	z, p, _ := TwoProportionZ(800, 1000, 821, 1000)
	if !c.OK || c.Z != z || c.P != p || c.Significant != (p < Alpha) || c.N1 != 1000 || c.N2 != 1000 {
		t.Errorf("Compare = %+v, z test (%v, %v)", c, z, p)
	}
	if c := Compare(5, 10, 50, 100); c.DiffPoints != 0 || !c.OK || c.Significant {
		t.Errorf("equal rates: %+v", c)
	}
	if c := Compare(0, 0, 5, 10); c.OK || c.Significant || c.Rate1 != 0 || c.Rate2 != 0.5 || c.DiffPoints != 0 || c.N1 != 0 || c.P != 1 {
		t.Errorf("empty group: %+v", c)
	}
	if c := Compare(11, 10, 5, 10); c.OK || c.N1 != 0 || c.Rate1 != 0 {
		t.Errorf("invalid counts: %+v", c)
	}
}

func TestSentence(t *testing.T) {
	cases := []struct {
		s1, n1, s2, n2 int
		zh, en         string
	}{
		{800, 1000, 821, 1000,
			"提升 2.1 个百分点，差异不显著 (p = 0.23)",
			"up 2.1 percentage points, not significant (p = 0.23)"},
		{850, 1000, 900, 1000,
			"提升 5.0 个百分点，差异显著 (p < 0.001)",
			"up 5.0 percentage points, significant (p < 0.001)"},
		{900, 1000, 870, 1000,
			"下降 3.0 个百分点，差异显著 (p = 0.035)",
			"down 3.0 percentage points, significant (p = 0.035)"},
		{50, 100, 50, 100,
			"持平，差异不显著 (p = 1.00)",
			"unchanged, not significant (p = 1.00)"},
		{900000, 1000000, 900300, 1000000, // 0.03 points: shown, not rounded away
			"提升不足 0.1 个百分点，差异不显著 (p = 0.48)",
			"up less than 0.1 percentage points, not significant (p = 0.48)"},
		{10, 10, 20, 20,
			"持平（评价全部相同，无可检验）",
			"unchanged (all ratings alike, nothing to test)"},
		{0, 0, 5, 10,
			"数据不足，无法比较",
			"not enough ratings to compare"},
	}
	for _, c := range cases {
		cmp := Compare(c.s1, c.n1, c.s2, c.n2)
		for _, lang := range []string{"zh-CN", "zh", ""} {
			if got := cmp.Sentence(lang); got != c.zh {
				t.Errorf("Compare(%d, %d, %d, %d).Sentence(%q) = %q, want %q", c.s1, c.n1, c.s2, c.n2, lang, got, c.zh)
			}
		}
		for _, lang := range []string{"en", "en-US"} {
			if got := cmp.Sentence(lang); got != c.en {
				t.Errorf("Compare(%d, %d, %d, %d).Sentence(%q) = %q, want %q", c.s1, c.n1, c.s2, c.n2, lang, got, c.en)
			}
		}
	}
}

func TestFormatP(t *testing.T) {
	cases := []struct {
		p    float64
		want string
	}{
		{0, "p < 0.001"},
		{1e-41, "p < 0.001"},
		{0.000999, "p < 0.001"},
		{0.001, "p = 0.001"},
		{0.0031, "p = 0.003"},
		{0.0472, "p = 0.047"},
		{0.0496, "p < 0.05"}, // would round to 0.050 yet is significant
		{0.05, "p = 0.050"},
		{0.0999, "p = 0.100"},
		{0.1, "p = 0.10"},
		{0.31, "p = 0.31"},
		{1, "p = 1.00"},
		{math.NaN(), "p = n/a"},
	}
	for _, c := range cases {
		if got := FormatP(c.p); got != c.want {
			t.Errorf("FormatP(%v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func BenchmarkWilsonLower95(b *testing.B) {
	var sink float64
	for i := 0; b.Loop(); i++ {
		sink += WilsonLower95(i%1000, 1000)
	}
	_ = sink
}

func BenchmarkChiSquare(b *testing.B) {
	for _, size := range []struct{ r, c int }{{2, 2}, {2, 5}, {3, 5}} {
		table := make([][]float64, size.r)
		for i := range table {
			table[i] = make([]float64, size.c)
			for j := range table[i] {
				table[i][j] = float64(100 + 37*i + 11*j*j)
			}
		}
		b.Run(fmt.Sprintf("%dx%d", size.r, size.c), func(b *testing.B) {
			for b.Loop() {
				if _, _, _, ok := ChiSquare(table); !ok {
					b.Fatal("not ok")
				}
			}
		})
	}
}
