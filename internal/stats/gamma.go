package stats

import "math"

// The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x),
// computed as in Numerical Recipes (gser/gcf): the power series for P where it
// converges fast (x < a + 1), and Lentz's continued fraction for Q elsewhere.
// Each branch computes the function that is not close to 1 there, so neither
// ever subtracts from 1 a value that holds the result's significant digits:
// a tiny Q (a tiny p-value) keeps its relative accuracy.

const (
	// gammaEps is the relative size of the last term kept; with float64
	// rounding the result is good to about 1e-14 relative.
	gammaEps = 1e-15
	// gammaTiny stands in for 0 in Lentz's method, which divides by the
	// running numerator and denominator.
	gammaTiny = 1e-300
)

// gammaMaxIter bounds either expansion. Both need O(√a) terms near x ≈ a;
// the cap is far above that for every df a contingency table can have.
func gammaMaxIter(a float64) int {
	return 1000 + int(100*math.Sqrt(a))
}

// gammaQ returns the regularized upper incomplete gamma function Q(a, x) for
// a > 0 and x ≥ 0, and NaN outside that domain.
func gammaQ(a, x float64) float64 {
	switch {
	case math.IsNaN(a) || math.IsNaN(x) || a <= 0 || x < 0:
		return math.NaN()
	case x == 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	case x < a+1:
		return 1 - gammaSeries(a, x)
	default:
		return gammaContinuedFraction(a, x)
	}
}

// gammaPrefactor returns e^(−x) x^a / Γ(a), the factor both expansions share,
// computed in logs so that large a and x do not overflow.
//
// For large a the plain form −x + a·ln x − lnΓ(a) adds and cancels terms of
// size a·ln a, losing about a·1e-16 of relative accuracy (2e-12 at a = 2500).
// There Stirling's series is used instead: with t = x/a,
//
//	e^(−x) x^a / Γ(a) = √(a/2π) · e^(−a(t − 1 − ln t)) · e^(−stirlerr(a)),
//
// where a(t − 1 − ln t) is computed with Log1p and stays accurate near t = 1.
func gammaPrefactor(a, x float64) float64 {
	if a < 10 {
		lg, _ := math.Lgamma(a)
		return math.Exp(-x + a*math.Log(x) - lg)
	}
	d := (x - a) / a
	return math.Sqrt(a/(2*math.Pi)) * math.Exp(-a*(d-math.Log1p(d))-stirlerr(a))
}

// stirlerr returns lnΓ(a) − ((a − ½)·ln a − a + ½·ln 2π), the remainder of
// Stirling's approximation, from its asymptotic series. For a ≥ 10 the first
// omitted term is below 1e-16.
func stirlerr(a float64) float64 {
	// Coefficients B₂ₖ / (2k(2k−1)) of 1/a, 1/a³, …, 1/a¹³.
	coef := [...]float64{1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188, -691.0 / 360360, 1.0 / 156}
	inv2 := 1 / (a * a)
	sum := 0.0
	for i := len(coef) - 1; i >= 0; i-- {
		sum = sum*inv2 + coef[i]
	}
	return sum / a
}

// gammaSeries returns P(a, x) from the series
// P(a, x) = e^(−x) x^a / Γ(a) · Σₙ xⁿ / (a (a+1) … (a+n)).
func gammaSeries(a, x float64) float64 {
	ap := a
	term := 1 / a
	sum := term
	for i, limit := 0, gammaMaxIter(a); i < limit; i++ {
		ap++
		term *= x / ap
		sum += term
		if math.Abs(term) < math.Abs(sum)*gammaEps {
			break
		}
	}
	return sum * gammaPrefactor(a, x)
}

// gammaContinuedFraction returns Q(a, x) from the continued fraction
// Q(a, x) = e^(−x) x^a / Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))),
// evaluated with the modified Lentz method.
func gammaContinuedFraction(a, x float64) float64 {
	b := x + 1 - a
	c := 1 / gammaTiny
	d := 1 / b
	h := d
	for i, limit := 1, gammaMaxIter(a); i <= limit; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < gammaTiny {
			d = gammaTiny
		}
		c = b + an/c
		if math.Abs(c) < gammaTiny {
			c = gammaTiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < gammaEps {
			break
		}
	}
	return h * gammaPrefactor(a, x)
}
