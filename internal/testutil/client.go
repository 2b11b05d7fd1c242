package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"lingting/internal/app"
	"lingting/internal/httpapi"
)

// TestApp is an app served on a loopback HTTP server.
type TestApp struct {
	*app.App
	Engine string
	URL    string
	srv    *httptest.Server
	t      testing.TB
}

func (a *TestApp) start() {
	a.srv = httptest.NewServer(a.Handler())
	a.URL = a.srv.URL
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func openAPIRouter() (routers.Router, error) {
	specOnce.Do(func() {
		// Printable pages (QR cards) are documented as text/html, calendars as text/calendar; their bodies are not JSON.
		for _, t := range []string{"text/html", "image/png", "image/jpeg", "application/pdf", "text/calendar"} {
			openapi3filter.RegisterBodyDecoder(t, openapi3filter.FileBodyDecoder)
		}
		var doc *openapi3.T
		doc, specErr = httpapi.OpenAPI()
		if specErr != nil {
			return
		}
		doc.Servers = openapi3.Servers{{URL: "/"}}
		if specErr = doc.Validate(context.Background()); specErr != nil {
			return
		}
		specRouter, specErr = gorillamux.NewRouter(doc)
	})
	return specRouter, specErr
}

// Client calls the API as one user (cookie session with CSRF, or a bearer token).
type Client struct {
	t      testing.TB
	app    *TestApp
	http   *http.Client
	CSRF   string
	Token  string
	Lang   string
	NoCSRF bool // send writes without the CSRF header, to test the check
}

// Anonymous returns a client with no credentials.
func (a *TestApp) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: a.t, app: a, http: &http.Client{Jar: jar}}
}

// Login logs in and fails the test on error.
func (a *TestApp) Login(login, password string) *Client {
	a.t.Helper()
	c := a.Anonymous()
	res := c.Do("POST", "/api/v1/auth/login", map[string]string{"login": login, "password": password})
	if res.Status != http.StatusOK {
		a.t.Fatalf("[%s] login %s: %d %s", a.Engine, login, res.Status, res.Body)
	}
	c.CSRF = res.String("csrf_token")
	return c
}

// Admin logs in as the bootstrap administrator.
func (a *TestApp) Admin() *Client { return a.Login("admin", AdminPassword) }

// WithToken returns a client that authenticates with an API token.
func (a *TestApp) WithToken(token string) *Client {
	c := a.Anonymous()
	c.Token = token
	return c
}

// Upload posts a multipart form with one file, as the import wizard does.
func (c *Client) Upload(path string, fields map[string]string, filename string, content []byte) *Response {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, err := http.NewRequest("POST", c.app.URL+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	out.Body, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(out.Body, &out.JSON)
	c.validate(req, nil, resp, out)
	return out
}

// Response is a decoded API answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   any
}

// Do sends a request with an optional JSON body and validates the response
// against the OpenAPI document (an undocumented route or shape fails the test).
func (c *Client) Do(method, path string, body any) *Response {
	c.t.Helper()
	var raw []byte
	if body != nil {
		switch b := body.(type) {
		case string:
			raw = []byte(b)
		case []byte:
			raw = b
		default:
			var err error
			if raw, err = json.Marshal(body); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	req, err := http.NewRequest(method, c.app.URL+path, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Lang != "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.CSRF != "" && !c.NoCSRF && method != "GET" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out := &Response{Status: resp.StatusCode, Header: resp.Header}
	out.Body, _ = io.ReadAll(resp.Body)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(out.Body) > 0 {
		if err := json.Unmarshal(out.Body, &out.JSON); err != nil {
			c.t.Fatalf("%s %s: invalid JSON %q", method, path, out.Body)
		}
	}
	c.validate(req, raw, resp, out)
	return out
}

func (c *Client) validate(req *http.Request, raw []byte, resp *http.Response, out *Response) {
	c.t.Helper()
	router, err := openAPIRouter()
	if err != nil {
		c.t.Fatalf("openapi document: %v", err)
	}
	vreq := req.Clone(context.Background())
	vreq.URL.Host, vreq.URL.Scheme, vreq.Host = "", "", ""
	vreq.Body = io.NopCloser(bytes.NewReader(raw))
	route, params, err := router.FindRoute(vreq)
	if err != nil && resp.StatusCode == http.StatusNotFound && strings.HasPrefix(req.URL.Path, "/api/") {
		return // the catch-all answer for endpoints that do not exist
	}
	if err != nil {
		c.t.Fatalf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true, ExcludeRequestQueryParams: true}}
	rv := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(out.Body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), rv); err != nil {
		c.t.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, truncate(out.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// String reads a top-level string field.
func (r *Response) String(key string) string {
	m, _ := r.JSON.(map[string]any)
	s, _ := m[key].(string)
	return s
}

// Int reads a top-level numeric field as int64.
func (r *Response) Int(key string) int64 {
	m, _ := r.JSON.(map[string]any)
	f, _ := m[key].(float64)
	return int64(f)
}

// ErrorCode reads error.code.
func (r *Response) ErrorCode() string {
	m, _ := r.JSON.(map[string]any)
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// ErrorMessage reads error.message.
func (r *Response) ErrorMessage() string {
	m, _ := r.JSON.(map[string]any)
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// Items reads the items of a list answer.
func (r *Response) Items() []map[string]any {
	m, _ := r.JSON.(map[string]any)
	arr, _ := m["items"].([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, it := range arr {
		if mm, ok := it.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

// Total reads the total of a list answer.
func (r *Response) Total() int { return int(r.Int("total")) }

// On returns a client with the same credentials talking to another app process
// (which must share the database).
func (c *Client) On(other *TestApp) *Client {
	cp := *c
	cp.app = other
	if c.http.Jar != nil {
		jar, _ := cookiejar.New(nil)
		from, _ := url.Parse(c.app.URL)
		to, _ := url.Parse(other.URL)
		jar.SetCookies(to, c.http.Jar.Cookies(from))
		cp.http = &http.Client{Jar: jar}
	}
	return &cp
}

// Stream opens a GET without reading the body (Server-Sent Events); the caller closes it.
func (c *Client) Stream(ctx context.Context, path string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", c.app.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}
