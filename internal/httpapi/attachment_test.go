package httpapi_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAttachments: upload with sniffing and limits, list, and download only
// for those who see the ticket — the bank branch and the servicing vendor,
// not a sibling branch.
func TestAttachments(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		assets := sup.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d", orgIDByCode(t, admin, "HXB-BJ-HD-02")), nil)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "屏幕碎裂", "asset_id": assets.Items()[0]["id"]})
		path := fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.Int("id"))

		photo := tinyPNG(t)
		up := sup.Upload(path, nil, "现场照片.png", photo)
		if up.Status != 201 || up.String("content_type") != "image/png" || up.Int("size") != int64(len(photo)) {
			t.Fatalf("upload: %d %s", up.Status, up.Body)
		}
		for _, bad := range []struct {
			name    string
			content []byte
		}{
			{"invoice.png", []byte("MZ\x90\x00 this is a Windows program pretending to be a picture")},
			{"photo.exe", photo},
			{"empty.txt", nil},
			{"huge.txt", bytes.Repeat([]byte("a"), 20<<20+10)},
		} {
			if r := sup.Upload(path, nil, bad.name, bad.content); r.Status != 422 {
				t.Errorf("%s: %d %s", bad.name, r.Status, r.Body)
			}
		}
		if r := sup.Do("GET", path, nil); r.Total() != 1 {
			t.Fatalf("a refused upload was stored: %s", r.Body)
		}
		file := fmt.Sprintf("/api/v1/attachments/%d", up.Int("id"))
		for _, tc := range []struct {
			login string
			want  int
		}{
			{"hd.head", 200},      // the client's sub-branch
			{"adwb.manager", 200}, // the servicing vendor
			{"cy.head", 404},      // a sibling sub-branch
			{"sh.admin", 404},     // another branch
		} {
			c := a.Login(tc.login, demo.Password)
			r := c.Do("GET", file, nil)
			if r.Status != tc.want {
				t.Errorf("%s downloads: %d", tc.login, r.Status)
				continue
			}
			if tc.want == 200 && (!bytes.Equal(r.Body, photo) || r.Header.Get("Content-Type") != "image/png") {
				t.Errorf("%s got other bytes or type %q", tc.login, r.Header.Get("Content-Type"))
			}
			if l := c.Do("GET", path, nil); (l.Status == 200) != (tc.want == 200) {
				t.Errorf("%s lists attachments: %d", tc.login, l.Status)
			}
		}
		if r := a.Login("sh.admin", demo.Password).Upload(path, nil, "x.png", photo); r.Status != 404 {
			t.Errorf("uploading to a foreign ticket: %d", r.Status)
		}
	})
}
