// The reference values in testdata/reference.json come from SciPy. Regenerate
// them from the repository root (Debian's SciPy: apt-get install -y
// python3-scipy; /usr/bin/python3 is the interpreter that sees it) with
//
//	/usr/bin/python3 internal/stats/testdata/reference.py > internal/stats/testdata/reference.json
//
// or, from this directory, go generate. testdata/README.md says what each
// value is computed with.

//go:generate sh -c "/usr/bin/python3 testdata/reference.py > testdata/reference.json"

package stats

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// reference mirrors testdata/reference.json.
type reference struct {
	Generator struct {
		Command string  `json:"command"`
		SciPy   string  `json:"scipy"`
		Z95     float64 `json:"z95"`
	} `json:"generator"`
	Wilson []struct {
		S, N         int
		Z            float64
		Lower, Upper float64
	} `json:"wilson"`
	TwoProportion []struct {
		S1, N1, S2, N2 int
		Z, P           float64
		OK             bool
		Chi2           float64
		Chi2P          float64 `json:"chi2_p"`
	} `json:"two_proportion"`
	ChiSquare []struct {
		Name  string
		Table [][]float64
		Chi2  float64
		DF    int
		P     float64
		OK    bool
	} `json:"chi_square"`
	Chi2SF []struct {
		X  float64
		DF int
		SF float64
	} `json:"chi2_sf"`
	GammaQ []struct {
		A, X, Q float64
	} `json:"gamma_q"`
}

// loadReference reads testdata/reference.json, failing the test if it is
// missing or has no cases (a silently empty file would pass every loop).
func loadReference(t testing.TB) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatalf("testdata/reference.json: %v", err)
	}
	if len(ref.Wilson) == 0 || len(ref.TwoProportion) == 0 || len(ref.ChiSquare) == 0 ||
		len(ref.Chi2SF) == 0 || len(ref.GammaQ) == 0 {
		t.Fatal("testdata/reference.json: a section is empty; regenerate it")
	}
	return ref
}

// tol is the agreement the task asks for with SciPy.
const tol = 1e-6

// closeAbs reports |got − want| ≤ tol: for bounds and p-values, all in [0, 1].
func closeAbs(got, want float64) bool {
	return math.Abs(got-want) <= tol
}

// closeScaled is absolute near 0 and relative for large values (z, χ²).
func closeScaled(got, want float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// closeP checks a probability absolutely and, unless it is subnormal or 0,
// also relatively: an absolute 1e-6 alone would accept any value for a p of
// 1e-41, and the tail is what tells significant from not.
func closeP(got, want float64) bool {
	if !closeAbs(got, want) {
		return false
	}
	if want < 1e-300 {
		return got < 1e-300
	}
	return math.Abs(got-want) <= tol*want
}
