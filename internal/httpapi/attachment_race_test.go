package httpapi_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// TestAttachmentDeleteRacesIdenticalUpload: files are stored once per content
// hash, so deleting the last attachment with some bytes removes the file. An
// upload of the same bytes at that moment must keep its file: every upload
// that was acknowledged downloads afterwards. (Before the per-hash lock the
// delete counted no reference while the upload's file was already in place
// but its row not yet committed, and removed the new upload's file.)
func TestAttachmentDeleteRacesIdenticalUpload(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 2})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		assets := sup.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d", orgIDByCode(t, admin, "HXB-BJ-HD-02")), nil)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "出钞口卡钞", "asset_id": assets.Items()[0]["id"]})
		path := fmt.Sprintf("/api/v1/tickets/%d/attachments", tk.Int("id"))
		lost := 0
		for round := range 40 {
			content := []byte(fmt.Sprintf("现场记录 第 %d 轮：更换出钞模块\n", round))
			first := sup.Upload(path, nil, "notes.txt", content)
			if first.Status != 201 {
				t.Fatalf("upload: %d %s", first.Status, first.Body)
			}
			var wg sync.WaitGroup
			uploads := make([]*testutil.Response, 3)
			wg.Add(1 + len(uploads))
			go func() {
				defer wg.Done()
				if r := sup.Do("DELETE", fmt.Sprintf("/api/v1/attachments/%d", first.Int("id")), nil); r.Status != 204 {
					t.Errorf("delete: %d %s", r.Status, r.Body)
				}
			}()
			for i := range uploads {
				go func() {
					defer wg.Done()
					uploads[i] = sup.Upload(path, nil, "notes.txt", content)
				}()
			}
			wg.Wait()
			for _, up := range uploads {
				if up.Status != 201 {
					t.Fatalf("identical upload: %d %s", up.Status, up.Body)
				}
				got := sup.Do("GET", fmt.Sprintf("/api/v1/attachments/%d", up.Int("id")), nil)
				if got.Status != 200 || !bytes.Equal(got.Body, content) {
					lost++
				}
			}
		}
		if lost > 0 {
			t.Fatalf("%d acknowledged uploads lost their file to a concurrent delete", lost)
		}
	})
}
