package testutil

import (
	"strings"
	"testing"
)

// Scenario is one API call and what must come back.
type Scenario struct {
	Name     string
	As       *Client
	Method   string
	Path     string
	Body     any
	Status   int
	Code     string   // expected error.code, when the call must fail
	Contains []string // substrings the body must contain
	Lacks    []string // substrings the body must not contain
	Check    func(t *testing.T, r *Response)
}

// Run executes scenarios in order as subtests (later ones may rely on earlier effects).
func Run(t *testing.T, scenarios []Scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			r := sc.As.withT(t).Do(sc.Method, sc.Path, sc.Body)
			if r.Status != sc.Status {
				t.Fatalf("%s %s: status %d, want %d; body %s", sc.Method, sc.Path, r.Status, sc.Status, truncate(r.Body))
			}
			if sc.Code != "" && r.ErrorCode() != sc.Code {
				t.Fatalf("%s %s: error code %q, want %q; body %s", sc.Method, sc.Path, r.ErrorCode(), sc.Code, truncate(r.Body))
			}
			for _, s := range sc.Contains {
				if !strings.Contains(string(r.Body), s) {
					t.Errorf("%s %s: body lacks %q: %s", sc.Method, sc.Path, s, truncate(r.Body))
				}
			}
			for _, s := range sc.Lacks {
				if strings.Contains(string(r.Body), s) {
					t.Errorf("%s %s: body must not contain %q: %s", sc.Method, sc.Path, s, truncate(r.Body))
				}
			}
			if sc.Check != nil {
				sc.Check(t, r)
			}
		})
	}
}

// withT returns a copy of the client that reports to t (a subtest).
func (c *Client) withT(t testing.TB) *Client {
	cp := *c
	cp.t = t
	return &cp
}
