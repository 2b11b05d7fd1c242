package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// TestAttachmentThumbnailAtUpload: an image's thumbnail is on disk when the
// upload answers (the first request serves a stored file); an image that
// cannot be decoded is stored without one (thumbnail_url null, 404); files
// uploaded before thumbnails were made at upload get theirs on first request.
func TestAttachmentThumbnailAtUpload(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 2})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		assets := sup.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d", orgIDByCode(t, admin, "HXB-BJ-HD-02")), nil)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "屏幕花屏", "asset_id": assets.Items()[0]["id"]})
		path := fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.Int("id"))
		thumbFile := func(r *testutil.Response, ext string) string {
			sum := r.String("sha256")
			return filepath.Join(a.Config.DataDir, "attachments", "thumbs", sum[:2], sum+"-320"+ext)
		}
		exists := func(p string) bool { _, err := os.Stat(p); return err == nil }

		wide := sup.Upload(path, nil, "wide.png", encodePNG(t, picture(900, 300)))
		photo := sup.Upload(path, nil, "phone.jpg", jpegWithOrientation(t, picture(600, 300), 6))
		if wide.Status != 201 || photo.Status != 201 {
			t.Fatalf("uploads: %s %s", wide.Body, photo.Body)
		}
		for _, c := range []struct {
			r    *testutil.Response
			ext  string
			w, h int
		}{{wide, ".png", 320, 106}, {photo, ".jpg", 160, 320}} {
			p := thumbFile(c.r, c.ext)
			if !exists(p) {
				t.Fatalf("no thumbnail on disk after the upload of %s", c.r.String("name"))
			}
			stored, _ := os.ReadFile(p)
			img, _, err := image.Decode(bytes.NewReader(stored))
			if err != nil || img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
				t.Fatalf("stored thumbnail of %s: %v %v", c.r.String("name"), err, img)
			}
			got := sup.Do("GET", c.r.String("thumbnail_url"), nil)
			if got.Status != 200 || !bytes.Equal(got.Body, stored) {
				t.Fatalf("the first request does not serve the stored thumbnail: %d", got.Status)
			}
		}

		// Looks like a PNG (sniffed as one) but does not decode: stored, no thumbnail.
		broken := append(append([]byte{}, encodePNG(t, picture(50, 50))[:60]...), bytes.Repeat([]byte{0x42}, 200)...)
		bad := sup.Upload(path, nil, "broken.png", broken)
		if bad.Status != 201 || bad.String("content_type") != "image/png" || bad.JSON.(map[string]any)["thumbnail_url"] != nil {
			t.Fatalf("undecodable image: %d %s", bad.Status, bad.Body)
		}
		if r := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d/thumbnail", bad.Int("id")), nil); r.Status != 404 {
			t.Fatalf("thumbnail of an undecodable image: %d %s", r.Status, r.Body)
		}
		if r := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d", bad.Int("id")), nil); r.Status != 200 || !bytes.Equal(r.Body, broken) {
			t.Fatalf("download of an undecodable image: %d", r.Status)
		}
		for _, it := range sup.Do("GET", path, nil).Items() {
			if (it["name"] == "broken.png") != (it["thumbnail_url"] == nil) {
				t.Fatalf("listed thumbnail_url: %v", it)
			}
		}

		// An attachment from before: no record, no thumbnail on disk.
		if _, err := a.DB.Exec(context.Background(), "UPDATE attachments SET thumbnail = NULL WHERE id = ?", wide.Int("id")); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(thumbFile(wide, ".png")); err != nil {
			t.Fatal(err)
		}
		if r := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d", wide.Int("id")), nil); r.Status != 200 {
			t.Fatalf("download: %d", r.Status)
		}
		got := sup.Do("GET", wide.String("thumbnail_url"), nil)
		if got.Status != 200 || !exists(thumbFile(wide, ".png")) {
			t.Fatalf("lazy thumbnail of an older upload: %d", got.Status)
		}
		// The same bytes again: the thumbnail already there is used.
		again := sup.Upload(path, nil, "copy.png", encodePNG(t, picture(900, 300)))
		if again.Status != 201 || again.String("thumbnail_url") == "" {
			t.Fatalf("second copy: %s", again.Body)
		}
		if r := sup.Do("GET", again.String("thumbnail_url"), nil); r.Status != 200 || !bytes.Equal(r.Body, got.Body) {
			t.Fatalf("thumbnail of the second copy: %d", r.Status)
		}
	})
}
