package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
)

// Client calls the API as one user: a cookie session and its CSRF token, as
// the web UI does.
type Client struct {
	base string
	http *http.Client
	csrf string
}

func newClient(base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{base: base, http: &http.Client{Jar: jar, Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}
}

// login opens a session for login/password.
func login(ctx context.Context, base, user, password string) (*Client, error) {
	c := newClient(base)
	var out struct {
		CSRF string `json:"csrf_token"`
		User struct {
			MustChangePassword bool `json:"must_change_password"`
		} `json:"user"`
	}
	if err := c.JSON(ctx, "POST", "/api/v1/auth/login", map[string]string{"login": user, "password": password}, &out); err != nil {
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	c.csrf = out.CSRF
	return c, nil
}

// APIError is a non-2xx answer.
type APIError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *APIError) Error() string {
	b := e.Body
	if len(b) > 400 {
		b = b[:400] + "…"
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, b)
}

func (c *Client) request(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet && c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.http.Do(req)
}

// JSON sends in (when not nil) as JSON and decodes a 2xx answer into out (when not nil).
func (c *Client) JSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ct = bytes.NewReader(raw), "application/json"
	}
	resp, err := c.request(ctx, method, path, body, ct)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Body: string(raw)}
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Get reads a whole 2xx answer (what a latency sample times).
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	resp, err := c.request(ctx, "GET", path, nil, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &APIError{Method: "GET", Path: path, Status: resp.StatusCode, Body: string(raw)}
	}
	return raw, nil
}

// Stream copies a 200 answer into w without holding it and returns its size.
func (c *Client) Stream(ctx context.Context, path string, w io.Writer) (int64, error) {
	resp, err := c.request(ctx, "GET", path, nil, "")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, &APIError{Method: "GET", Path: path, Status: resp.StatusCode, Body: string(raw)}
	}
	return io.Copy(w, resp.Body)
}

// Upload posts a multipart form with one file field "file", as the import wizard does.
func (c *Client) Upload(ctx context.Context, path string, fields map[string]string, filename string, content []byte, out any) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		return err
	}
	if _, err := fw.Write(content); err != nil {
		return err
	}
	if err := mw.Close(); err != nil {
		return err
	}
	resp, err := c.request(ctx, "POST", path, &buf, mw.FormDataContentType())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: "POST", Path: path, Status: resp.StatusCode, Body: string(raw)}
	}
	return json.Unmarshal(raw, out)
}

// list is the API's list envelope.
type list[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}
