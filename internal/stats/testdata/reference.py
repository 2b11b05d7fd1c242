#!/usr/bin/python3
"""Reference values for package internal/stats, computed with SciPy.

Regenerate from the repository root with Debian's SciPy
(apt-get install -y python3-scipy; use /usr/bin/python3, which sees it):

    /usr/bin/python3 internal/stats/testdata/reference.py > internal/stats/testdata/reference.json

The output is deterministic (no timestamps), so a regenerated file differs
only where the cases or the library versions changed.

Where the reference values come from:

* Wilson bounds: the closed formula (Wilson 1927; the same one statsmodels'
  proportion_confint(method="wilson") uses) with z = scipy.stats.norm.ppf(0.975).
  As an independent check the script also inverts the score test numerically
  (scipy.optimize.brentq on (p_hat - p)^2 = z^2 p (1 - p) / n) and asserts
  that both agree to 1e-12.
* Two-proportion z-test: pooled standard error, z = (p2 - p1) / SE,
  p = 2 * scipy.stats.norm.sf(|z|).
* Chi-square: scipy.stats.chi2_contingency(table, correction=False) after
  dropping all-zero rows and columns (SciPy rejects zero expected counts; the
  Go code drops them, and this documents the same rule). The 2x2 cases also
  assert chi2 == z^2 and equal p-values.
* Chi-square survival function: scipy.stats.chi2.sf, and the regularized
  upper incomplete gamma function: scipy.special.gammaincc.

Cases where a test is undefined (an empty group, every rating alike, a table
with df = 0) have no SciPy value; they carry "ok": false and the convention
the Go code documents (z = 0 / chi2 = 0, p = 1; Wilson (0, 0) for n = 0).
"""

import json
import sys

import numpy as np
import scipy
from scipy import optimize, special
from scipy.stats import chi2, chi2_contingency, norm

Z95 = float(norm.ppf(0.975))
Z99 = float(norm.ppf(0.995))
Z90 = float(norm.ppf(0.95))


def wilson(s, n, z):
    if n == 0:
        return 0.0, 0.0  # convention: nothing known, ranks last
    p = s / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lower, upper = centre - half, centre + half
    if s == 0:
        lower = 0.0
    if s == n:
        upper = 1.0
    return float(max(0.0, lower)), float(min(1.0, upper))


def wilson_by_inversion(s, n, z):
    """The Wilson interval as the set of p the score test does not reject."""
    p_hat = s / n

    def f(p):
        return (p_hat - p) ** 2 - z * z * p * (1 - p) / n

    # f < 0 strictly inside the interval; at p_hat = 0 or 1 f is 0 there, so
    # the bracket starts one step inside [0, 1] to avoid that root.
    inner = min(max(p_hat, 1e-300), 1 - 2.0**-53)
    lower = 0.0 if s == 0 else optimize.brentq(f, 0.0, inner, xtol=1e-17, rtol=1e-15)
    upper = 1.0 if s == n else optimize.brentq(f, inner, 1.0, xtol=1e-17, rtol=1e-15)
    return lower, upper


WILSON_CASES = [
    # (successes, n, z)
    (0, 0, Z95),  # no ratings
    (0, 1, Z95), (1, 1, Z95),  # tiny n
    (0, 2, Z95), (1, 2, Z95), (2, 2, Z95),
    (0, 3, Z95), (1, 3, Z95), (2, 3, Z95), (3, 3, Z95),
    (0, 10, Z95), (10, 10, Z95), (7, 10, Z95),  # none / all satisfied
    (45, 50, Z95), (97, 100, Z95), (81, 100, Z95), (500, 1000, Z95),
    (0, 1000000, Z95), (1, 1000000, Z95), (853211, 1000000, Z95),
    (999999, 1000000, Z95), (1000000, 1000000, Z95),  # large n
    (7, 10, Z99), (7, 10, Z90), (97, 100, Z99), (0, 5, Z99), (5, 5, Z90),
]

ZTEST_CASES = [
    # (s1, n1, s2, n2)
    (0, 0, 5, 10), (5, 10, 0, 0), (0, 0, 0, 0),  # an empty group
    (0, 10, 0, 20), (10, 10, 20, 20),  # pooled rate 0 or 1
    (1, 1, 0, 1), (0, 1, 1, 1), (1, 2, 2, 3), (2, 3, 1, 3), (1, 3, 3, 3),  # tiny n
    (0, 3, 3, 3),
    (50, 100, 50, 100), (5, 10, 50, 100),  # equal rates
    (80, 100, 82, 100), (85, 100, 95, 100),
    (850, 1000, 871, 1000), (870, 1000, 850, 1000),
    (4500, 5000, 4600, 5000), (120, 140, 900, 1000),
    (500000, 1000000, 501000, 1000000),  # large n
    (900000, 1000000, 900500, 1000000),
    (899000, 1000000, 901000, 1000000),
    (300, 1000, 600, 1000),  # very different groups, p ~ 1e-40
    (400, 1000, 650, 1000),  # p ~ 1e-29
    (10, 1000000, 900000, 1000000),  # p underflows to 0
]

TABLE_CASES = [
    # (name, table)
    ("2x3", [[30, 50, 20], [25, 45, 40]]),
    ("2x3 very different", [[200, 300, 500], [500, 300, 200]]),
    ("2x4", [[10, 20, 30, 40], [15, 25, 25, 35]]),
    ("2x4 zero column", [[10, 0, 30, 40], [15, 0, 25, 35]]),
    ("3x5", [[5, 10, 15, 20, 50], [8, 12, 14, 25, 41], [3, 9, 20, 30, 38]]),
    ("3x5 zero column", [[5, 0, 15, 20, 50], [8, 0, 14, 25, 41], [3, 0, 20, 30, 38]]),
    ("3x5 zero row", [[5, 10, 15, 20, 50], [0, 0, 0, 0, 0], [3, 9, 20, 30, 38]]),
    ("2x5 levels, large n", [[1200, 3400, 15000, 52000, 128400],
                             [1100, 3000, 14000, 55000, 140000]]),
    ("2x5 levels, equal", [[10, 20, 30, 40, 100], [20, 40, 60, 80, 200]]),
    ("2x2", [[45, 5], [30, 20]]),
    ("2x2 tiny", [[1, 0], [0, 1]]),
    ("2x2 non-integer", [[12.5, 3.25], [7.75, 9.0]]),
    ("df 0: one row", [[1, 2, 3]]),
    ("df 0: zero column leaves one", [[5, 0], [7, 0]]),
    ("df 0: all zero", [[0, 0], [0, 0]]),
]

SF_X = [0.0, 1e-6, 0.001, 0.1, 0.5, 1.0, 2.0, 3.841458820694124, 5.0, 10.0,
        20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 1400.0, 5000.0]
SF_DF = [1, 2, 3, 4, 5, 8, 10, 12, 30, 99, 100, 1000]

GAMMA_CASES = [
    # (a, x): non-half-integer a and both branches of the Go code
    (0.1, 0.01), (0.1, 5.0), (0.7, 0.3), (1.3, 2.3), (2.5, 3.5), (3.7, 1.0),
    (7.25, 7.0), (10.0, 9.5), (10.0, 12.0), (12.5, 30.0), (15.0, 1.0), (7.25, 8.25), (7.25, 20.0), (50.5, 45.0), (50.5, 60.0),
    (500.0, 480.0), (500.0, 530.0), (2500.0, 2500.0), (2500.0, 2600.0),
    (2500.0, 2400.0), (1e4, 9e3), (1e-3, 1e-3),
]


def ztest(s1, n1, s2, n2):
    """Returns (z, p, ok), with the documented convention when undefined."""
    if n1 == 0 or n2 == 0 or s1 + s2 in (0, n1 + n2):
        return 0.0, 1.0, False
    p1, p2 = s1 / n1, s2 / n2
    pool = (s1 + s2) / (n1 + n2)
    se = np.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    z = (p2 - p1) / se
    return float(z), float(2 * norm.sf(abs(z))), True


def contingency(table):
    """Returns (chi2, df, p, ok) with zero rows and columns dropped."""
    t = np.asarray(table, dtype=float)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[1] < 2:
        return 0.0, 0, 1.0, False
    stat, p, dof, _ = chi2_contingency(t, correction=False)
    return float(stat), int(dof), float(p), True


def close(a, b, rel):
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def main():
    out = {
        "generator": {
            "command": "/usr/bin/python3 internal/stats/testdata/reference.py"
                       " > internal/stats/testdata/reference.json",
            "python": sys.version.split()[0],
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "z95": Z95,
        },
        "wilson": [],
        "two_proportion": [],
        "chi_square": [],
        "chi2_sf": [],
        "gamma_q": [],
    }

    for s, n, z in WILSON_CASES:
        lower, upper = wilson(s, n, z)
        if n > 0:
            il, iu = wilson_by_inversion(s, n, z)
            assert close(lower, il, 1e-12) and close(upper, iu, 1e-12), (s, n, z, lower, il, upper, iu)
        out["wilson"].append({"s": s, "n": n, "z": z, "lower": lower, "upper": upper})

    for s1, n1, s2, n2 in ZTEST_CASES:
        z, p, ok = ztest(s1, n1, s2, n2)
        c2, df, cp, cok = 0.0, 0, 1.0, False
        if ok:
            c2, df, cp, cok = contingency([[s1, n1 - s1], [s2, n2 - s2]])
            assert cok and df == 1
            assert close(c2, z * z, 1e-9), (s1, n1, s2, n2, c2, z * z)
            assert abs(cp - p) <= 1e-9 * max(p, 1e-300) or abs(cp - p) < 1e-300, (cp, p)
        out["two_proportion"].append({
            "s1": s1, "n1": n1, "s2": s2, "n2": n2,
            "z": z, "p": p, "ok": ok, "chi2": c2, "chi2_p": cp,
        })

    for name, table in TABLE_CASES:
        stat, dof, p, ok = contingency(table)
        out["chi_square"].append({
            "name": name, "table": [[float(v) for v in row] for row in table],
            "chi2": stat, "df": dof, "p": p, "ok": ok,
        })

    for df in SF_DF:
        for x in SF_X:
            out["chi2_sf"].append({"x": x, "df": df, "sf": float(chi2.sf(x, df))})

    for a, x in GAMMA_CASES:
        out["gamma_q"].append({"a": a, "x": x, "q": float(special.gammaincc(a, x))})

    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
