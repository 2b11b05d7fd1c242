package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// iCalendar export and import of a calendar (issue #5 item 1): the export
// carries every holiday and make-up day as an all-day event with the
// calendar's name and zone; importing it into another calendar gives the
// same marks; a hand-written public-holiday feed imports by its summaries;
// a bad file or an unknown event changes nothing and names the line.
func TestCalendarICal(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 2, DemoTickets: 1})
		admin := a.Admin()
		hours := [][]string{{"09:00", "12:00"}, {"13:30", "17:30"}}
		weekly := map[string]any{"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": [][]string{}, "sun": [][]string{}}
		mk := func(name string) string {
			r := admin.Do("POST", "/api/v1/calendars", map[string]any{"name": name, "weekly": weekly, "holidays": []string{"2026-12-25"}})
			if r.Status != 201 {
				t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
			}
			return fmt.Sprintf("/api/v1/calendars/%d", r.Int("id"))
		}
		src, dst := mk("北京网点"), mk("上海网点")
		if r := admin.Do("POST", src+"/china-holidays?year=2025", nil); r.Status != 200 {
			t.Fatalf("china-holidays: %d %s", r.Status, r.Body)
		}
		want := admin.Do("GET", src, nil).JSON.(map[string]any)

		exp := admin.Do("GET", src+"/export.ics", nil)
		body := string(exp.Body)
		if exp.Status != 200 || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(exp.Header.Get("Content-Disposition"), ".ics") ||
			!strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.Contains(body, "X-WR-CALNAME:北京网点") || !strings.Contains(body, "X-WR-TIMEZONE:Asia/Shanghai") ||
			!strings.Contains(body, "UID:20250126-workday@lingting") || !strings.Contains(body, "UID:20250129-holiday@lingting") ||
			strings.Count(body, "BEGIN:VEVENT") != len(strs(want["holidays"]))+len(strs(want["workdays"])) {
			t.Fatalf("export: %d %v\n%.600s", exp.Status, exp.Header, body)
		}

		// round trip: replace the other calendar's marks with the file's
		up := admin.Upload(dst+"/import?mode=replace", nil, "北京网点.ics", exp.Body)
		if up.Status != 200 {
			t.Fatalf("import: %d %s", up.Status, up.Body)
		}
		got := admin.Do("GET", dst, nil).JSON.(map[string]any)
		if !slices.Equal(strs(got["holidays"]), strs(want["holidays"])) || !slices.Equal(strs(got["workdays"]), strs(want["workdays"])) || len(strs(got["workdays"])) == 0 {
			t.Fatalf("round trip:\n%v %v\n%v %v", got["holidays"], got["workdays"], want["holidays"], want["workdays"])
		}
		// exported again, the events are the same (the stamp is the calendar's last change)
		events := func(ics string) string {
			var keep []string
			for _, l := range strings.Split(ics[strings.Index(ics, "BEGIN:VEVENT"):], "\r\n") {
				if !strings.HasPrefix(l, "DTSTAMP:") {
					keep = append(keep, l)
				}
			}
			return strings.Join(keep, "\n")
		}
		if again := admin.Do("GET", dst+"/export.ics", nil); events(string(again.Body)) != events(body) {
			t.Fatalf("re-export differs:\n%s", again.Body)
		}

		// a bad file and an unknown event change nothing
		before := admin.Do("GET", dst, nil)
		feed := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//Holidays//CN\r\n" +
			"BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\nSUMMARY:元旦 假期\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270115\r\nSUMMARY:公司年会\r\nEND:VEVENT\r\n" +
			"END:VCALENDAR\r\n"
		bad := admin.Upload(dst+"/import", nil, "feed.ics", []byte(feed))
		if f := fieldsOf(bad); bad.Status != 422 || f["line 10"] == nil || !strings.Contains(fmt.Sprint(f["line 10"]), "公司年会") || len(f) != 1 {
			t.Fatalf("unknown event: %d %s", bad.Status, bad.Body)
		}
		broken := admin.Upload(dst+"/import?format=ics", nil, "broken.ics", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\n"))
		if broken.Status != 422 || fieldsOf(broken)["file"] == nil {
			t.Fatalf("broken file: %d %s", broken.Status, broken.Body)
		}
		if r := admin.Upload(dst+"/import?unknown=maybe", nil, "feed.ics", []byte(feed)); r.Status != 422 || fieldsOf(r)["unknown"] == nil {
			t.Fatalf("bad unknown: %d %s", r.Status, r.Body)
		}
		if after := admin.Do("GET", dst, nil); string(after.Body) != string(before.Body) {
			t.Fatalf("a rejected import changed the calendar")
		}
		// the same feed as text/calendar with unknown=holiday, merged
		tok := admin.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "ical-test"}).String("token")
		req, _ := http.NewRequest("POST", a.URL+dst+"/import?unknown=holiday", strings.NewReader(feed))
		req.Header.Set("Content-Type", "text/calendar")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(raw), `"2027-01-01","2027-01-15"`) || !strings.Contains(string(raw), `"2025-01-26"`) {
			t.Fatalf("feed as text/calendar: %d %s", resp.StatusCode, raw)
		}
		eng := a.Login("eng.bj1a", demo.Password)
		testutil.Run(t, []testutil.Scenario{
			{Name: "export needs sla.read", As: eng, Method: "GET", Path: src + "/export.ics", Status: 403},
			{Name: "unknown calendar", As: admin, Method: "GET", Path: "/api/v1/calendars/99999/export.ics", Status: 404},
		})
	})
}
