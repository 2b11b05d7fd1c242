package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"lingting/internal/apperr"
	"lingting/internal/org"
)

// FuzzDecode feeds arbitrary bodies to the strict JSON decoder: it must never
// panic, and every failure must be an invalid-input error, never an internal one.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{"name":"北京分行","code":"BJ","kind":"client"}`, `{`, `{"parent_id":"x"}`, `{"a":1}`, `{} {}`, ``, `null`, `[1,2]`, `{"name":"\u0000"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/orgs", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var in org.OrgInput
		err := decode(r, &in)
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("decode(%q) = %v, want an invalid-input error", body, err)
		}
	})
}
