package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func counterID(t *testing.T, c *testutil.Client, code string) int64 {
	t.Helper()
	r := c.Do("GET", "/api/v1/counters?q="+url.QueryEscape(code), nil)
	if r.Status != 200 || r.Total() != 1 {
		t.Fatalf("counter %s: %d %s", code, r.Status, r.Body)
	}
	return int64(r.Items()[0]["id"].(float64))
}

func pairKiosk(t *testing.T, a *testutil.TestApp, admin *testutil.Client, code string) *testutil.Client {
	t.Helper()
	id := counterID(t, admin, code)
	p := admin.Do("POST", fmt.Sprintf("/api/v1/counters/%d/pairing", id), nil)
	if p.Status != 201 {
		t.Fatalf("pairing: %d %s", p.Status, p.Body)
	}
	anon := a.Anonymous()
	if r := anon.Do("POST", "/api/v1/kiosk/pair", map[string]any{"counter_code": code, "pairing_code": "000000"}); r.Status != 400 && r.Status != 422 {
		// a wrong code must fail (the chance that 000000 is right is one in a million)
		if p.String("code") != "000000" {
			t.Fatalf("wrong pairing code accepted: %d %s", r.Status, r.Body)
		}
	}
	r := anon.Do("POST", "/api/v1/kiosk/pair", map[string]any{"counter_code": code, "pairing_code": p.String("code")})
	if r.Status != 201 {
		t.Fatalf("pair: %d %s", r.Status, r.Body)
	}
	if again := anon.Do("POST", "/api/v1/kiosk/pair", map[string]any{"counter_code": code, "pairing_code": p.String("code")}); again.Status == 201 {
		t.Fatalf("a pairing code worked twice")
	}
	return a.WithToken(r.String("token"))
}

func TestCounterRatingJourney(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		teller := a.Login("bjhd01.teller", demo.Password)
		head := a.Login("bjhd01.head", demo.Password)
		code := demo.CounterCode("HXB-BJ-HD-01", 1)
		kiosk := pairKiosk(t, a, admin, code)

		st := kiosk.Do("GET", "/api/v1/kiosk/state", nil)
		staff, _ := st.JSON.(map[string]any)["staff"].(map[string]any)
		if st.Status != 200 || staff == nil || staff["name"] == "" || st.JSON.(map[string]any)["session"] != nil {
			t.Fatalf("idle kiosk state: %d %s", st.Status, st.Body)
		}
		kid := counterID(t, teller, code)
		start := teller.Do("POST", "/api/v1/service-sessions", map[string]any{"counter_id": kid})
		if start.Status != 201 || start.String("status") != "open" {
			t.Fatalf("start: %d %s", start.Status, start.Body)
		}
		sid := start.Int("id")
		if r := kiosk.Do("POST", "/api/v1/ratings", map[string]any{"session_id": sid, "level": 4, "client_id": "early"}); r.Status != 409 {
			t.Fatalf("rating an open session: %d %s", r.Status, r.Body)
		}
		if r := teller.Do("POST", fmt.Sprintf("/api/v1/service-sessions/%d/end", sid), nil); r.Status != 200 || r.String("status") != "awaiting_rating" {
			t.Fatalf("end: %d %s", r.Status, r.Body)
		}
		st = kiosk.Do("GET", "/api/v1/kiosk/state", nil)
		if sess, _ := st.JSON.(map[string]any)["session"].(map[string]any); sess == nil || sess["status"] != "awaiting_rating" || int64(sess["id"].(float64)) != sid {
			t.Fatalf("kiosk should ask for a rating: %s", st.Body)
		}
		// The same kiosk rating sent three times (a flaky network) counts once.
		var first int64
		for i := range 3 {
			r := kiosk.Do("POST", "/api/v1/ratings", map[string]any{"session_id": sid, "level": 4, "client_id": "k-1", "rated_at": time.Now().UTC().Format(time.RFC3339)})
			want := 201
			if i > 0 {
				want = 200
			}
			if r.Status != want || r.String("level_label") != "非常满意" || r.String("level_label_en") != "Very satisfied" || r.String("channel") != "kiosk" {
				t.Fatalf("kiosk rating #%d: %d %s", i, r.Status, r.Body)
			}
			if i == 0 {
				first = r.Int("id")
			} else if r.Int("id") != first {
				t.Fatalf("resend made a second rating")
			}
		}
		if r := kiosk.Do("POST", "/api/v1/ratings", map[string]any{"session_id": sid, "level": 1, "client_id": "k-2"}); r.Status != 409 || !strings.Contains(string(r.Body), `"reason":"already_rated"`) {
			t.Fatalf("second rating of a session: %d %s", r.Status, r.Body)
		}
		mine := teller.Do("GET", "/api/v1/ratings?staff_id=me", nil)
		if mine.Total() != 1 || mine.Items()[0]["level"].(float64) != 4 {
			t.Fatalf("my ratings: %s", mine.Body)
		}

		// A kiosk cannot rate another counter's session, nor start one there.
		other := demo.CounterCode("HXB-BJ-HD-01", 2)
		oid := counterID(t, admin, other)
		bj := a.Login("bj.admin", demo.Password) // rating.admin without rating.session
		if r := bj.Do("POST", fmt.Sprintf("/api/v1/counters/%d/sign-in", oid), map[string]any{"staff_id": meID(head)}); r.Status != 200 {
			t.Fatalf("branch admin signs the head in: %d %s", r.Status, r.Body)
		}
		if r := a.Login("eng.bj1a", demo.Password).Do("POST", fmt.Sprintf("/api/v1/counters/%d/sign-in", oid), nil); r.Status != 403 {
			t.Fatalf("engineer signs in at a counter: %d", r.Status)
		}
		os := head.Do("POST", "/api/v1/service-sessions", map[string]any{"counter_id": oid})
		head.Do("POST", fmt.Sprintf("/api/v1/service-sessions/%d/end", os.Int("id")), map[string]any{})
		if r := kiosk.Do("POST", "/api/v1/ratings", map[string]any{"session_id": os.Int("id"), "level": 4, "client_id": "k-3"}); r.Status != 404 {
			t.Fatalf("kiosk rated another counter's session: %d %s", r.Status, r.Body)
		}
		ks := kiosk.Do("POST", "/api/v1/service-sessions", map[string]any{"counter_id": oid, "client_id": "s-1"})
		if ks.Status != 201 || ks.Int("counter_id") != kid {
			t.Fatalf("kiosk staff mode starts at its own counter only: %d %s", ks.Status, ks.Body)
		}
		kiosk.Do("POST", fmt.Sprintf("/api/v1/service-sessions/%d/end", ks.Int("id")), map[string]any{})

		// An administrator's required custom field on 回访 does not stop the automatic follow-up.
		if r := admin.Do("PUT", "/api/v1/ticket-types/follow_up", map[string]any{"fields": []map[string]any{
			{"key": "outcome", "label": "回访结果", "kind": "select", "required": true, "options": []string{"满意", "不满意"}}}}); r.Status != 200 {
			t.Fatalf("required field on 回访: %d %s", r.Status, r.Body)
		}
		// A poor rating opens a 回访 ticket for the outlet head, in the same transaction.
		low := kiosk.Do("POST", "/api/v1/ratings", map[string]any{"session_id": ks.Int("id"), "level": 1, "reasons": []string{"等待时间长"}, "client_id": "k-4"})
		if low.Status != 201 || low.JSON.(map[string]any)["followup_ticket_id"] == nil {
			t.Fatalf("low rating: %d %s", low.Status, low.Body)
		}
		tk := head.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", low.Int("followup_ticket_id")), nil)
		if tk.Status != 200 || tk.String("type") != "follow_up" || tk.String("assignee_name") == "" || tk.String("status") != "assigned" {
			t.Fatalf("follow-up ticket: %d %s", tk.Status, tk.Body)
		}
		if tk.Int("assignee_id") != meID(head) {
			t.Fatalf("follow-up should go to the outlet head: %s", tk.Body)
		}

		// Corrections are new records; the old one stays and the report counts the new level.
		if r := teller.Do("POST", fmt.Sprintf("/api/v1/ratings/%d/corrections", first), map[string]any{"level": 2, "note": "x"}); r.Status != 403 {
			t.Fatalf("teller corrected a rating: %d", r.Status)
		}
		sup := a.Login("supervisor01", demo.Password)
		corr := sup.Do("POST", fmt.Sprintf("/api/v1/ratings/%d/corrections", first), map[string]any{"level": 3, "note": "客户误触，现场确认为满意"})
		if corr.Status != 201 || corr.Int("corrects_id") != first {
			t.Fatalf("correction: %d %s", corr.Status, corr.Body)
		}
		if r := sup.Do("POST", fmt.Sprintf("/api/v1/ratings/%d/corrections", first), map[string]any{"level": 2, "note": "again"}); r.Status != 409 {
			t.Fatalf("second correction of the same rating: %d", r.Status)
		}
		if old := sup.Do("GET", fmt.Sprintf("/api/v1/ratings/%d", first), nil); old.Int("level") != 4 || old.Int("corrected_by_id") != corr.Int("id") {
			t.Fatalf("the corrected rating must stay as it was: %s", old.Body)
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		rep := head.Do("GET", "/api/v1/analytics/satisfaction?from="+today+"&to="+today, nil)
		if rep.Status != 200 {
			t.Fatalf("report: %d %s", rep.Status, rep.Body)
		}
		tot := rep.JSON.(map[string]any)["totals"].(map[string]any)
		levels := tot["levels"].(map[string]any)
		if rep.Status != 200 || tot["n"].(float64) != 2 || levels["3"] != 1.0 || levels["1"] != 1.0 || levels["4"] != nil && levels["4"] != 0.0 {
			t.Fatalf("report after correction (levels 3, 1 and the head's unrated session): %s", rep.Body)
		}
		if tot["sessions"].(float64) != 3 {
			t.Fatalf("three sessions today: %s", rep.Body)
		}
		audit := admin.Do("GET", "/api/v1/audit?entity=rating", nil)
		if audit.Total() < 1 {
			t.Fatalf("corrections are audited: %s", audit.Body)
		}
	})
}

func TestDeviceEventsAreIdempotent(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		code := demo.CounterCode("HXB-SH-PD-01", 1)
		reg := admin.Do("POST", "/api/v1/rating-devices", map[string]any{"counter_id": counterID(t, admin, code), "name": "评价器 A"})
		if reg.Status != 201 || reg.String("token") == "" {
			t.Fatalf("register: %d %s", reg.Status, reg.Body)
		}
		dev := a.WithToken(reg.String("token"))
		path := fmt.Sprintf("/api/v1/devices/%d/events", reg.Int("id"))
		send := func(ev map[string]any, want int) *testutil.Response {
			t.Helper()
			var last *testutil.Response
			for i := range 3 {
				r := dev.Do("POST", path, ev)
				exp := want
				if i > 0 && want == 201 {
					exp = 200
				}
				if r.Status != exp {
					t.Fatalf("%v #%d: %d %s", ev, i, r.Status, r.Body)
				}
				last = r
			}
			return last
		}
		send(map[string]any{"event_id": "e1", "type": "session_start"}, 201)
		send(map[string]any{"event_id": "e2", "type": "session_end"}, 201)
		k := send(map[string]any{"event_id": "e3", "type": "key", "key": 3}, 201)
		if k.JSON.(map[string]any)["duplicate"] != true || k.Int("rating_id") == 0 {
			t.Fatalf("resent key: %s", k.Body)
		}
		if r := dev.Do("POST", path, map[string]any{"event_id": "e4", "type": "key", "key": 4}); r.Status != 409 {
			t.Fatalf("key with nothing to rate: %d %s", r.Status, r.Body)
		}
		if r := dev.Do("POST", path, map[string]any{"event_id": "e5", "type": "nap"}); r.Status != 422 {
			t.Fatalf("bad type: %d", r.Status)
		}
		if r := dev.Do("POST", fmt.Sprintf("/api/v1/devices/%d/events", reg.Int("id")+1000), map[string]any{"event_id": "e6", "type": "session_start"}); r.Status != 403 {
			t.Fatalf("another device's path: %d", r.Status)
		}
		// Presses buffered by an evaluator and sent late rate the session that
		// had just ended when the key was pressed, not what ended lately.
		past := time.Now().UTC().Add(-2 * time.Hour)
		send(map[string]any{"event_id": "o1", "type": "session_start", "at": past.Format(time.RFC3339)}, 201)
		send(map[string]any{"event_id": "o2", "type": "session_end", "at": past.Add(5 * time.Minute).Format(time.RFC3339)}, 201)
		late := send(map[string]any{"event_id": "o3", "type": "key", "key": 2, "at": past.Add(6 * time.Minute).Format(time.RFC3339)}, 201)
		if late.Int("session_id") == k.Int("session_id") {
			t.Fatalf("a late key rated the wrong session: %s", late.Body)
		}
		sh := a.Login("sh.admin", demo.Password)
		if r := sh.Do("GET", "/api/v1/ratings?channel=device&level=3", nil); r.Total() != 1 {
			t.Fatalf("one device rating: %s", r.Body)
		}
		devs := admin.Do("GET", "/api/v1/rating-devices", nil)
		if devs.Total() != 1 || devs.Items()[0]["online"] != true {
			t.Fatalf("device list: %s", devs.Body)
		}
		if r := admin.Do("POST", fmt.Sprintf("/api/v1/rating-devices/%d/revoke", reg.Int("id")), nil); r.Status != 200 {
			t.Fatalf("revoke: %d", r.Status)
		}
		if r := dev.Do("POST", path, map[string]any{"event_id": "e7", "type": "session_start"}); r.Status != 401 {
			t.Fatalf("revoked token still works: %d", r.Status)
		}
		if r := a.WithToken("ld_forged").Do("GET", "/api/v1/kiosk/state", nil); r.Status != 401 {
			t.Fatalf("forged device token: %d", r.Status)
		}
	})
}

func TestQRAndTicketRatings(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		code := demo.CounterCode("HXB-BJ-CY-01", 1)
		link := admin.Do("POST", "/api/v1/rating-links", map[string]any{"kind": "counter", "counter_id": counterID(t, admin, code)})
		if link.Status != 201 || link.String("url") == "" {
			t.Fatalf("link: %d %s", link.Status, link.Body)
		}
		if again := admin.Do("POST", "/api/v1/rating-links", map[string]any{"kind": "counter", "counter_id": counterID(t, admin, code)}); again.String("token") != link.String("token") {
			t.Fatalf("a counter keeps one QR link")
		}
		png := admin.Do("GET", fmt.Sprintf("/api/v1/rating-links/%d/qr.png", link.Int("id")), nil)
		if png.Status != 200 || string(png.Body[1:4]) != "PNG" {
			t.Fatalf("qr png: %d", png.Status)
		}
		if card := admin.Do("GET", fmt.Sprintf("/api/v1/rating-links/%d/card", link.Int("id")), nil); card.Status != 200 || !strings.Contains(string(card.Body), "请扫码评价") {
			t.Fatalf("card: %d", card.Status)
		}
		phone := a.Anonymous()
		pub := phone.Do("GET", "/api/v1/public/rating-links/"+link.String("token"), nil)
		if pub.Status != 200 || pub.String("kind") != "counter" || pub.String("staff_name") == "" {
			t.Fatalf("public link: %d %s", pub.Status, pub.Body)
		}
		if r := phone.Do("POST", "/api/v1/ratings", map[string]any{"token": link.String("token"), "level": 4, "client_id": "p1"}); r.Status != 201 || r.String("channel") != "qr" {
			t.Fatalf("qr rating: %d %s", r.Status, r.Body)
		}
		if r := phone.Do("POST", "/api/v1/ratings", map[string]any{"token": link.String("token"), "level": 4, "client_id": "p1"}); r.Status != 200 {
			t.Fatalf("resend of a qr rating: %d %s", r.Status, r.Body)
		}
		if r := phone.Do("POST", "/api/v1/ratings", map[string]any{"token": link.String("token"), "level": 1, "client_id": "p2"}); r.Status != 429 {
			t.Fatalf("second qr rating within the cool-down: %d %s", r.Status, r.Body)
		}
		// Another cookie jar from the same IP and browser is the same phone.
		if r := a.Anonymous().Do("POST", "/api/v1/ratings", map[string]any{"token": link.String("token"), "level": 1}); r.Status != 429 {
			t.Fatalf("same fingerprint, new cookie: %d %s", r.Status, r.Body)
		}
		if r := phone.Do("POST", "/api/v1/ratings", map[string]any{"token": "nope", "level": 4}); r.Status != 404 {
			t.Fatalf("unknown token: %d", r.Status)
		}
		if r := phone.Do("POST", "/api/v1/ratings", map[string]any{"session_id": 1, "level": 4}); r.Status != 422 {
			t.Fatalf("anonymous session rating: %d %s", r.Status, r.Body)
		}

		// 满意度评价: the outlet rates the vendor's service on a resolved ticket;
		// the vendor sees it, another branch does not.
		agent := a.Login("supervisor01", demo.Password)
		assets := agent.Do("GET", "/api/v1/assets?org_id="+fmt.Sprint(orgIDByCode(t, admin, "HXB-BJ-CY-01")), nil)
		if assets.Total() == 0 {
			t.Fatalf("no demo device at the outlet: %s", assets.Body)
		}
		tk := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 吞卡", "asset_id": assets.Items()[0]["id"]})
		tid := tk.Int("id")
		for _, to := range []string{"in_progress", "resolved"} {
			if r := agent.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tid), map[string]any{"to": to}); r.Status != 200 {
				t.Fatalf("transition %s: %d %s", to, r.Status, r.Body)
			}
		}
		survey := agent.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/survey-link", tid), nil)
		if survey.Status != 200 || survey.String("kind") != "survey" {
			t.Fatalf("survey link: %d %s", survey.Status, survey.Body)
		}
		cy := a.Login("cy.head", demo.Password)
		rated := cy.Do("POST", "/api/v1/ratings", map[string]any{"ticket_id": tid, "level": 3, "comment": "到场及时"})
		if rated.Status != 201 || rated.String("channel") != "ticket" || rated.JSON.(map[string]any)["vendor_org_id"] == nil {
			t.Fatalf("ticket rating: %d %s", rated.Status, rated.Body)
		}
		if r := a.Anonymous().Do("POST", "/api/v1/ratings", map[string]any{"token": survey.String("token"), "level": 4}); r.Status != 409 {
			t.Fatalf("survey after the ticket was rated: %d %s", r.Status, r.Body)
		}
		vendor := a.Login("adwb.manager", demo.Password)
		vr := vendor.Do("GET", "/api/v1/ratings", nil)
		if vr.Total() != 1 || vr.Items()[0]["channel"] != "ticket" {
			t.Fatalf("the vendor sees only ratings of its service: %s", vr.Body)
		}
		if r := vendor.Do("GET", "/api/v1/ratings?channel=qr", nil); r.Total() != 0 {
			t.Fatalf("vendor sees counter ratings: %s", r.Body)
		}
	})
}

func orgIDByCode(t *testing.T, c *testutil.Client, code string) int64 {
	t.Helper()
	r := c.Do("GET", "/api/v1/orgs?q="+url.QueryEscape(code), nil)
	for _, it := range r.Items() {
		if it["code"] == code {
			return int64(it["id"].(float64))
		}
	}
	t.Fatalf("org %s not found: %s", code, r.Body)
	return 0
}

func meID(c *testutil.Client) int64 {
	me := c.Do("GET", "/api/v1/auth/me", nil)
	return int64(me.JSON.(map[string]any)["user"].(map[string]any)["id"].(float64))
}

// TestScreenPopShowsRecentRatings: the agent's customer card carries the
// customer's ticket ratings, for those who may read ratings.
func TestScreenPopShowsRecentRatings(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		outlet := orgIDByCode(t, admin, "HXB-BJ-HD-01")
		c := admin.Do("POST", "/api/v1/customers", map[string]any{"name": "评价客户", "org_id": outlet, "phone": "13812340000"})
		sup := a.Login("supervisor01", demo.Password)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "咨询理财", "customer_id": c.Int("id")})
		for _, to := range []string{"in_progress", "resolved"} {
			sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.Int("id")), map[string]any{"to": to})
		}
		if r := a.Login("hd.head", demo.Password).Do("POST", "/api/v1/ratings", map[string]any{"ticket_id": tk.Int("id"), "level": 2}); r.Status != 201 {
			t.Fatalf("rate: %d %s", r.Status, r.Body)
		}
		pop := sup.Do("GET", "/api/v1/screen-pop?phone=13812340000", nil)
		cards := pop.JSON.(map[string]any)["customers"].([]any)
		if len(cards) != 1 || len(cards[0].(map[string]any)["recent_ratings"].([]any)) != 1 {
			t.Fatalf("screen pop ratings: %s", pop.Body)
		}
		agent := a.Login("agent01", demo.Password) // no rating.read
		pop = agent.Do("GET", "/api/v1/screen-pop?phone=13812340000", nil)
		if n := len(pop.JSON.(map[string]any)["customers"].([]any)[0].(map[string]any)["recent_ratings"].([]any)); n != 0 {
			t.Fatalf("an agent without rating.read sees ratings: %s", pop.Body)
		}
	})
}

// TestSurveyOnResolution: resolving a ticket sends the outlet a one-time
// survey link (in-app here; e-mail/SMS by preference); the link rates once.
func TestSurveyOnResolution(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		assets := sup.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d", orgIDByCode(t, admin, "HXB-BJ-HD-03")), nil)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 吞卡", "asset_id": assets.Items()[0]["id"]})
		for _, to := range []string{"in_progress", "resolved"} {
			if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.Int("id")), map[string]any{"to": to}); r.Status != 200 {
				t.Fatalf("%s: %d %s", to, r.Status, r.Body)
			}
		}
		head := a.Login("bjhd03.head", demo.Password)
		inbox := head.Do("GET", "/api/v1/notifications", nil)
		var body string
		for _, n := range inbox.Items() {
			if n["kind"] == "rating.survey" {
				body = n["body"].(string)
			}
		}
		i := strings.Index(body, "/r/")
		if i < 0 {
			t.Fatalf("no survey link in the outlet head's inbox: %s", inbox.Body)
		}
		token := strings.TrimRight(strings.Fields(body[i+3:])[0], "（(")
		if j := strings.IndexAny(token, "（("); j >= 0 {
			token = token[:j]
		}
		if r := a.Anonymous().Do("GET", "/api/v1/public/rating-links/"+token, nil); r.Status != 200 || r.String("kind") != "survey" || r.String("ticket_number") != tk.String("number") {
			t.Fatalf("survey link %q: %d %s", token, r.Status, r.Body)
		}
		if r := a.Anonymous().Do("POST", "/api/v1/ratings", map[string]any{"token": token, "level": 3}); r.Status != 201 || r.String("channel") != "survey" {
			t.Fatalf("rate by survey: %d %s", r.Status, r.Body)
		}
		if r := a.Anonymous().Do("POST", "/api/v1/ratings", map[string]any{"token": token, "level": 1}); r.Status != 409 {
			t.Fatalf("a survey link rates once: %d", r.Status)
		}
		// Another outlet's head got nothing.
		for _, n := range a.Login("bjhd01.head", demo.Password).Do("GET", "/api/v1/notifications", nil).Items() {
			if n["kind"] == "rating.survey" {
				t.Fatalf("a sibling outlet received the survey: %v", n)
			}
		}
	})
}
