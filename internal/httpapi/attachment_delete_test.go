package httpapi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// picture draws a w×h image with a red left half, so a turned thumbnail
// shows where the red went.
func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{B: 200, A: 255}
			if x < w/2 {
				c = color.RGBA{R: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

func encodePNG(t *testing.T, img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jpegWithOrientation encodes img and inserts an EXIF block saying the camera
// was turned (orientation 6: the viewer turns the image 90° clockwise).
func jpegWithOrientation(t *testing.T, img image.Image, orientation uint16) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08") // big-endian, IFD0 at 8
	tiff = binary.BigEndian.AppendUint16(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3) // SHORT
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // value padding, no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), app1...), b[2:]...)
}

// TestAttachmentThumbnailsAndDelete: thumbnails fit a 320-pixel box, keep
// the proportions, follow EXIF orientation, are served only to who sees the
// ticket; deleting is for the uploader or attachment.delete, audited, and the
// file leaves the disk once no attachment uses it.
func TestAttachmentThumbnailsAndDelete(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 2})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		hd := a.Login("hd.head", demo.Password)
		assets := sup.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d", orgIDByCode(t, admin, "HXB-BJ-HD-02")), nil)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "出钞口卡钞", "asset_id": assets.Items()[0]["id"]})
		path := fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.Int("id"))

		wide := sup.Upload(path, nil, "wide.png", encodePNG(t, picture(1000, 500)))
		turned := sup.Upload(path, nil, "phone.jpg", jpegWithOrientation(t, picture(800, 400), 6))
		small := sup.Upload(path, nil, "small.png", encodePNG(t, picture(40, 20)))
		text := sup.Upload(path, nil, "notes.txt", []byte("现场记录：更换出钞模块"))
		for _, r := range []*testutil.Response{wide, turned, small, text} {
			if r.Status != 201 {
				t.Fatalf("upload: %d %s", r.Status, r.Body)
			}
		}
		if text.JSON.(map[string]any)["thumbnail_url"] != nil || wide.String("thumbnail_url") != fmt.Sprintf("/api/v1/attachments/%d/thumbnail", wide.Int("id")) {
			t.Fatalf("thumbnail_url: %s %s", wide.Body, text.Body)
		}
		thumb := func(c *testutil.Client, r *testutil.Response) (image.Image, string, int) {
			got := c.Do("GET", fmt.Sprintf("/api/v1/attachments/%d/thumbnail", r.Int("id")), nil)
			if got.Status != 200 {
				return nil, "", got.Status
			}
			img, format, err := image.Decode(bytes.NewReader(got.Body))
			if err != nil {
				t.Fatalf("thumbnail of %s does not decode: %v", r.String("name"), err)
			}
			return img, format + " " + got.Header.Get("Content-Type"), 200
		}
		for _, tc := range []struct {
			r      *testutil.Response
			w, h   int
			format string
		}{
			{wide, 320, 160, "png image/png"},
			{turned, 160, 320, "jpeg image/jpeg"}, // turned upright as EXIF says
			{small, 40, 20, "png image/png"},      // never enlarged
		} {
			img, format, status := thumb(hd, tc.r)
			if status != 200 || img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h || format != tc.format {
				t.Errorf("%s: %d %v %s, want %d×%d %s", tc.r.String("name"), status, img.Bounds(), format, tc.w, tc.h, tc.format)
			}
		}
		// Orientation 6: the red left half of the original is at the top once upright.
		if img, _, _ := thumb(sup, turned); img != nil {
			if r, _, b, _ := img.At(80, 20).RGBA(); r < b {
				t.Errorf("the turned photo's top is not red: %v", img.At(80, 20))
			}
		}
		// A second request is served from disk (same bytes).
		first := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d/thumbnail", wide.Int("id")), nil)
		again := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d/thumbnail", wide.Int("id")), nil)
		if !bytes.Equal(first.Body, again.Body) {
			t.Error("the cached thumbnail differs")
		}
		if _, _, status := thumb(sup, text); status != 404 {
			t.Errorf("thumbnail of a text file: %d", status)
		}
		for _, login := range []string{"cy.head", "sh.admin"} {
			if _, _, status := thumb(a.Login(login, demo.Password), wide); status != 404 {
				t.Errorf("%s reads the thumbnail: %d", login, status)
			}
		}
		if _, _, status := thumb(a.Login("adwb.manager", demo.Password), wide); status != 200 {
			t.Errorf("the servicing vendor cannot read the thumbnail: %d", status)
		}

		// Deleting.
		del := func(c *testutil.Client, r *testutil.Response) int {
			return c.Do("DELETE", fmt.Sprintf("/api/v1/attachments/%d", r.Int("id")), nil).Status
		}
		onDisk := func(r *testutil.Response) bool {
			sum := r.String("sha256")
			_, err := os.Stat(filepath.Join(a.Config.DataDir, "attachments", sum[:2], sum))
			return err == nil
		}
		if s := del(hd, wide); s != 403 {
			t.Errorf("someone else's attachment without attachment.delete: %d", s)
		}
		for _, login := range []string{"cy.head", "sh.admin"} {
			if s := del(a.Login(login, demo.Password), wide); s != 404 {
				t.Errorf("%s deletes an attachment of a ticket it cannot see: %d", login, s)
			}
		}
		if s := del(a.Login("eng.bj1a", demo.Password), wide); s != 404 && s != 403 {
			t.Errorf("an engineer not on the ticket: %d", s)
		}
		// The same bytes uploaded twice are stored once; the file stays while used.
		own := hd.Upload(path, nil, "copy.png", encodePNG(t, picture(1000, 500)))
		if own.Status != 201 || own.String("sha256") != wide.String("sha256") {
			t.Fatalf("second copy: %s", own.Body)
		}
		if s := del(hd, own); s != 204 {
			t.Fatalf("the uploader deletes its own: %d", s)
		}
		if !onDisk(wide) {
			t.Fatal("the file went although another attachment uses it")
		}
		if s := del(admin, wide); s != 204 {
			t.Fatalf("attachment.delete holder: %d", s)
		}
		if onDisk(wide) {
			t.Error("the file stayed after its last attachment was deleted")
		}
		if r := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d", wide.Int("id")), nil); r.Status != 404 {
			t.Errorf("download after delete: %d", r.Status)
		}
		if _, _, status := thumb(sup, wide); status != 404 {
			t.Errorf("thumbnail after delete: %d", status)
		}
		if s := del(admin, wide); s != 404 {
			t.Errorf("second delete: %d", s)
		}
		if r := sup.Do("GET", path, nil); r.Total() != 3 {
			t.Errorf("attachments left: %s", r.Body)
		}
		if r := admin.Do("GET", "/api/v1/audit?entity=ticket&action=detach", nil); r.Total() != 2 {
			t.Errorf("deletions audited: %s", r.Body)
		}
	})
}
