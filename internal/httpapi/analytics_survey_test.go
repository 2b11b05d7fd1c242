package httpapi_test

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// wilson95 is the 95 % Wilson score interval written out from its formula
// (z = 1.96), rounded to four places as the report rounds.
func wilson95(s, n float64) (lo, hi float64) {
	const z = 1.959963984540054
	p := s / n
	den := 1 + z*z/n
	mid := (p + z*z/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / den
	r4 := func(x float64) float64 { return math.Round(x*10000) / 10000 }
	return r4(math.Max(0, mid-half)), r4(math.Min(1, mid+half))
}

// TestAnalyticsSurvey: 满意度调查 (R-ANA-03) on the analytics world's repairs,
// rated by the client on the default 4-point scale (satisfied from 3 up):
//
//	T1 D1 LT-1 北京 安达维保  4  (day 20)
//	T2 D1 LT-1 北京 安达维保  2  (day 20)
//	T3 D1 LT-1 北京 安达维保  3, corrected to 1 (day 21)
//	T4 D2 LT-2 上海 安达维保  4  (day 22)
//	T5 D4 LT-2 北京 其他维保  3  (day 22)
//	C1 D1 (a complaint) rated 4 this month: outside the period.
func TestAnalyticsSurvey(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		admin := w.admin
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period
		rate := func(number string, level, day int) int64 {
			at := time.Date(w.month.Year(), w.month.Month(), day, 15, 0, 0, 0, cst).Format(time.RFC3339)
			return must(t, admin.Do("POST", "/api/v1/ratings", map[string]any{"ticket_id": w.ids[number], "level": level, "rated_at": at}), 201, "rate "+number).Int("id")
		}
		rate(w.t1, 4, 20)
		rate(w.t2, 2, 20)
		r3 := rate(w.t3, 3, 21)
		rate(w.t4, 4, 22)
		// A report before the correction copies the ratings: the correction must
		// then take T3's 3 out of the monthly counts.
		before := must(t, admin.Do("GET", "/api/v1/analytics/survey?"+q, nil), 200, "survey before")
		expect(t, "totals before", before.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"n": 4, "satisfied": 3})
		must(t, admin.Do("POST", fmt.Sprintf("/api/v1/ratings/%d/corrections", r3), map[string]any{"level": 1, "note": "客户电话更正"}), 201, "correct")
		rate(w.t5, 3, 22)
		must(t, admin.Do("POST", "/api/v1/ratings", map[string]any{"ticket_id": w.ids[w.c1], "level": 4}), 201, "rate c1 now")

		lv := func(m map[string]any, level string) float64 {
			x, _ := m["levels"].(map[string]any)[level].(float64)
			return x
		}
		t.Run("per month and vendor", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/survey?"+q, nil), 200, "survey")
			body := r.JSON.(map[string]any)
			if body["scale"] != float64(4) || len(body["levels"].([]any)) != 4 || body["levels"].([]any)[0].(map[string]any)["label"] != "非常满意" {
				t.Fatalf("scale and levels: %s", r.Body)
			}
			month := w.month.Format("2006-01")
			ad := item(t, r, map[string]string{"month": month, "vendor": "安达维保"})
			// 安达维保: 4, 2, 1 (T3 corrected), 4 → n 4, satisfied 2 (the two 4s).
			lo, hi := wilson95(2, 4)
			expect(t, "安达维保", ad, map[string]any{"n": 4, "satisfied": 2, "rate": 0.5, "wilson_lower": lo, "wilson_upper": hi})
			if lv(ad, "4") != 2 || lv(ad, "3") != 0 || lv(ad, "2") != 1 || lv(ad, "1") != 1 {
				t.Errorf("安达维保 levels %v", ad["levels"])
			}
			qt := item(t, r, map[string]string{"month": month, "vendor": "其他维保"})
			lo, hi = wilson95(1, 1)
			expect(t, "其他维保", qt, map[string]any{"n": 1, "satisfied": 1, "rate": 1.0, "wilson_lower": lo, "wilson_upper": hi})
			tot := body["totals"].(map[string]any)
			lo, hi = wilson95(3, 5)
			expect(t, "totals", tot, map[string]any{"n": 5, "satisfied": 3, "rate": 0.6, "wilson_lower": lo, "wilson_upper": hi})
			if lv(tot, "4") != 2 || lv(tot, "3") != 1 || lv(tot, "2") != 1 || lv(tot, "1") != 1 || r.Total() != 2 {
				t.Errorf("totals %v / %d groups", tot, r.Total())
			}

			// The .xlsx holds the same table: levels best first, 总计, 满意率.
			rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/survey?format=xlsx&"+q, nil))
			if !strings.Contains(strings.Join(rows[0], " "), "类型：测试机") {
				t.Errorf("filters not in the header: %v", rows[0])
			}
			want := map[string]string{"非常满意": "2", "满意": "0", "一般": "1", "不满意": "1", "总计": "4", "满意数": "2", "满意率": "50.00%"}
			for col, v := range want {
				if got := column(t, rows, "服务商", "安达维保", col); got != v {
					t.Errorf("xlsx 安达维保 %s = %q, want %q", col, got, v)
				}
			}
			last := rows[len(rows)-1]
			if last[0] != "合计" || !strings.Contains(strings.Join(last, "|"), "|5|3|60.00%|") {
				t.Errorf("xlsx totals row %v", last)
			}
		})

		t.Run("per region and per model", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/survey?group_by=region&"+q, nil), 200, "by region")
			// 北京: T1 4, T2 2, T3 1, T5 3 → n 4, satisfied 2; 上海: T4 4.
			expect(t, "北京", item(t, r, map[string]string{"region": "北京"}), map[string]any{"n": 4, "satisfied": 2, "rate": 0.5})
			expect(t, "上海", item(t, r, map[string]string{"region": "上海"}), map[string]any{"n": 1, "satisfied": 1})
			m := must(t, admin.Do("GET", "/api/v1/analytics/survey?group_by=model,type&"+q, nil), 200, "by model")
			// LT-1: T1 4, T2 2, T3 1 → n 3, satisfied 1; LT-2: T4 4, T5 3 → n 2, satisfied 2.
			expect(t, "LT-1", item(t, m, map[string]string{"model": "LT-1", "type": "测试机"}), map[string]any{"n": 3, "satisfied": 1})
			expect(t, "LT-2", item(t, m, map[string]string{"model": "LT-2"}), map[string]any{"n": 2, "satisfied": 2, "rate": 1.0})
			// A period of a few days reads the copies, not the monthly counts: days 21–22 hold T3 (corrected) and T4, T5.
			d21 := time.Date(w.month.Year(), w.month.Month(), 21, 0, 0, 0, 0, cst).Format(time.DateOnly)
			d22 := time.Date(w.month.Year(), w.month.Month(), 22, 0, 0, 0, 0, cst).Format(time.DateOnly)
			days := must(t, admin.Do("GET", "/api/v1/analytics/survey?group_by=vendor&type="+url.QueryEscape("测试机")+"&from="+d21+"&to="+d22, nil), 200, "days")
			expect(t, "days", days.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"n": 3, "satisfied": 2})
		})

		t.Run("the ratings behind a figure", func(t *testing.T) {
			vendor := fmt.Sprint(w.orgs["ADWB"])
			r := must(t, admin.Do("GET", "/api/v1/analytics/survey/ratings?level=4&key_vendor="+vendor+"&key_month="+w.month.Format("2006-01")+"&"+q, nil), 200, "ratings")
			var got []string
			for _, it := range r.Items() {
				got = append(got, it["ticket_number"].(string))
			}
			if r.Total() != 2 || !strings.Contains(strings.Join(got, ","), w.t1) || !strings.Contains(strings.Join(got, ","), w.t4) {
				t.Errorf("level 4 of 安达维保: %v (%s)", got, r.Body)
			}
			one := must(t, admin.Do("GET", "/api/v1/analytics/survey/ratings?level=1&key_vendor="+vendor+"&"+q, nil), 200, "level 1")
			if one.Total() != 1 || one.Items()[0]["ticket_number"] != w.t3 || one.Items()[0]["level_label"] != "不满意" {
				t.Errorf("level 1 is the corrected T3: %s", one.Body)
			}
			if r := must(t, admin.Do("GET", "/api/v1/analytics/survey/ratings?key_region="+url.QueryEscape("上海")+"&"+q, nil), 200, "region"); r.Total() != 1 {
				t.Errorf("上海: %s", r.Body)
			}
			must(t, admin.Do("GET", "/api/v1/analytics/survey/ratings?key_month=2026-13&"+q, nil), 422, "bad month")
			must(t, admin.Do("GET", "/api/v1/analytics/survey/ratings?key_color=red&"+q, nil), 422, "bad key")
			must(t, admin.Do("GET", "/api/v1/analytics/survey?group_by=category&"+q, nil), 422, "bad grouping")
		})

		t.Run("scope", func(t *testing.T) {
			for _, tc := range []struct {
				login   string
				n       int
				vendors []string
				foreign string
			}{
				{"bj.admin", 4, []string{"安达维保", "其他维保"}, "上海"}, // 北京分行: T1, T2, T3, T5
				{"adwb.manager", 4, []string{"安达维保"}, "其他维保"},   // the vendor: T1–T4
				{"bjhd01.head", 3, []string{"安达维保"}, "其他维保"},    // one outlet: T1–T3
			} {
				c := w.a.Login(tc.login, demo.Password)
				r := must(t, c.Do("GET", "/api/v1/analytics/survey?group_by=vendor,region&"+q, nil), 200, tc.login)
				expect(t, tc.login, r.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"n": tc.n})
				for _, it := range r.Items() {
					labels := it["labels"].(map[string]any)
					if !strings.Contains(strings.Join(tc.vendors, ","), labels["vendor"].(string)) || labels["region"] == tc.foreign {
						t.Errorf("%s sees %v", tc.login, labels)
					}
				}
				list := must(t, c.Do("GET", "/api/v1/analytics/survey/ratings?page_size=100&"+q, nil), 200, tc.login+" ratings")
				if list.Total() != tc.n {
					t.Errorf("%s: %d ratings behind, want %d", tc.login, list.Total(), tc.n)
				}
				for _, row := range xlsxRows(t, c.Do("GET", "/api/v1/analytics/survey?group_by=vendor,region&format=xlsx&"+q, nil))[2:] {
					if strings.Contains(strings.Join(row, " "), tc.foreign) {
						t.Errorf("%s export shows %q: %v", tc.login, tc.foreign, row)
					}
				}
			}
			eng := w.a.Login("eng.bj1a", demo.Password)
			must(t, eng.Do("GET", "/api/v1/analytics/survey?"+q, nil), 403, "an engineer has no analytics")
		})
	})
}

// TestAnalyticsExportAllRows: the exports of the paged lists (异常服务,
// 故障原因) hold every row of the filter whatever page the screen shows, and
// every export names its filters in the header row.
func TestAnalyticsExportAllRows(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period
		// min_repairs=1: D1 (T1–T3), D2 (T4), D4 (T5) — three devices, shown one a page.
		ab := must(t, w.admin.Do("GET", "/api/v1/analytics/abnormal?min_repairs=1&page_size=1&page=2&"+q, nil), 200, "abnormal page")
		if ab.Total() != 3 || len(ab.Items()) != 1 {
			t.Fatalf("abnormal page: %s", ab.Body)
		}
		rows := xlsxRows(t, w.admin.Do("GET", "/api/v1/analytics/abnormal?min_repairs=1&page_size=1&page=2&format=xlsx&"+q, nil))
		if len(rows) != 2+3 {
			t.Errorf("abnormal export has %d rows, want title, header and 3: %v", len(rows), rows)
		}
		// T1–T5 are the faults; two a page.
		rows = xlsxRows(t, w.admin.Do("GET", "/api/v1/analytics/faults?view=causes&page_size=2&page=3&format=xlsx&vendor_org_id="+fmt.Sprint(w.orgs["ADWB"])+"&"+q, nil))
		if len(rows) != 2+4 {
			t.Errorf("causes export of 安达维保 has %d rows, want title, header and T1–T4: %v", len(rows), rows)
		}
		head := strings.Join(rows[0], " ")
		for _, want := range []string{"故障原因", "服务商：安达维保", "类型：测试机"} {
			if !strings.Contains(head, want) {
				t.Errorf("header row %q lacks %q", head, want)
			}
		}
		head = strings.Join(xlsxRows(t, w.admin.Do("GET", "/api/v1/analytics/service-time?group_by=vendor,month&format=xlsx&org_id="+fmt.Sprint(w.orgs["HXB-BJ"])+"&"+q, nil))[0], " ")
		for _, want := range []string{"服务时长", "机构：北京分行", "分组：服务商 × 月份"} {
			if !strings.Contains(head, want) {
				t.Errorf("header row %q lacks %q", head, want)
			}
		}
	})
}

// TestAnalyticsVolume: the weekday × hour heat map counts the tickets of the
// analytics world by their report time in Beijing: 测试机 tickets reported on
// days 3, 5, 10, 6 and 7 at 09:00 and day 4 at 10:00 (C2 and C3 have no device).
func TestAnalyticsVolume(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period
		want := map[[2]int]float64{}
		for _, at := range [][2]int{{3, 9}, {5, 9}, {10, 9}, {6, 9}, {7, 9}, {4, 10}} {
			wd := int(time.Date(w.month.Year(), w.month.Month(), at[0], 12, 0, 0, 0, cst).Weekday())
			if wd == 0 {
				wd = 7
			}
			want[[2]int{wd, at[1]}]++
		}
		r := must(t, w.admin.Do("GET", "/api/v1/analytics/volume?"+q, nil), 200, "volume")
		body := r.JSON.(map[string]any)
		got := map[[2]int]float64{}
		for _, c := range body["cells"].([]any) {
			m := c.(map[string]any)
			got[[2]int{int(m["weekday"].(float64)), int(m["hour"].(float64))}] = m["n"].(float64)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || body["total"] != float64(6) {
			t.Errorf("heat map %v, want %v (%s)", got, want, r.Body)
		}
		repairs := must(t, w.admin.Do("GET", "/api/v1/analytics/volume?ticket_type=repair&"+q, nil), 200, "repairs")
		if repairs.JSON.(map[string]any)["total"] != float64(5) {
			t.Errorf("repairs: %s", repairs.Body)
		}
		rows := xlsxRows(t, w.admin.Do("GET", "/api/v1/analytics/volume?format=xlsx&"+q, nil))
		if last := rows[len(rows)-1]; last[0] != "合计" || last[len(last)-1] != "6" || last[10] != "5" {
			t.Errorf("totals row %v (09:00 holds 5)", last)
		}
		// The vendor sees the tickets of its service only: not T5 (其他维保).
		vendor := must(t, w.a.Login("adwb.manager", demo.Password).Do("GET", "/api/v1/analytics/volume?"+q, nil), 200, "vendor")
		if vendor.JSON.(map[string]any)["total"] != float64(5) {
			t.Errorf("vendor: %s", vendor.Body)
		}
	})
}
