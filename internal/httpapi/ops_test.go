package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"lingting/internal/testutil"
)

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestOperations(t *testing.T) {
	a := testutil.NewApp(t, "sqlite", testutil.Options{})
	admin := a.Admin()
	admin.Do("GET", "/api/v1/orgs", nil)

	t.Run("metrics", func(t *testing.T) {
		status, body, _ := get(t, a.URL+"/metrics")
		if status != 200 {
			t.Fatalf("metrics: %d", status)
		}
		for _, want := range []string{
			`lingting_http_request_duration_seconds_count{code="200",method="GET",route="GET /api/v1/orgs"}`,
			`go_sql_open_connections{db_name="writer"}`,
			`go_goroutines`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})

	t.Run("openapi document", func(t *testing.T) {
		status, body, hdr := get(t, a.URL+"/api/v1/openapi.json")
		if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") || !strings.Contains(body, `"/api/v1/orgs"`) {
			t.Fatalf("openapi.json: %d %s", status, hdr.Get("Content-Type"))
		}
		status, body, _ = get(t, a.URL+"/api/v1/openapi.yaml")
		if status != 200 || !strings.Contains(body, "openapi: 3") {
			t.Fatalf("openapi.yaml: %d", status)
		}
	})

	t.Run("client routes fall back to the app page", func(t *testing.T) {
		status, body, hdr := get(t, a.URL+"/users/42")
		if status != 200 || !strings.Contains(body, "聆听") || hdr.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("SPA fallback: %d %v", status, hdr)
		}
	})

	t.Run("request id", func(t *testing.T) {
		req, _ := http.NewRequest("GET", a.URL+"/healthz", nil)
		req.Header.Set("X-Request-Id", "trace-123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-Request-Id") != "trace-123" {
			t.Fatalf("request id not echoed: %v", resp.Header)
		}
	})
}

// Two processes on one database share sessions: a cookie issued by one is
// honoured by the other, and a logout on one ends it on both.
func TestSessionsAcrossProcesses(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		url := testutil.DatabaseURL(t, engine)
		one := testutil.NewApp(t, engine, testutil.Options{DatabaseURL: url})
		two := testutil.NewApp(t, engine, testutil.Options{DatabaseURL: url})
		c := one.Admin()
		other := c.On(two)
		if r := other.Do("GET", "/api/v1/auth/me", nil); r.Status != 200 {
			t.Fatalf("session from process one rejected by process two: %d %s", r.Status, r.Body)
		}
		if r := other.Do("POST", "/api/v1/orgs", map[string]any{"kind": "client", "code": "P2", "name": "二号进程"}); r.Status != 201 {
			t.Fatalf("write with CSRF through process two: %d %s", r.Status, r.Body)
		}
		if r := other.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
			t.Fatalf("logout: %d", r.Status)
		}
		if r := c.Do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
			t.Fatalf("session survived logout on the other process: %d", r.Status)
		}
	})
}
