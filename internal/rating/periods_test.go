package rating

import (
	"reflect"
	"testing"
)

func TestSplitReadsWholeMonthsFromTheMonthlyRollup(t *testing.T) {
	cases := []struct {
		from, to int
		want     []part
	}{
		{20260101, 20261231, []part{{monthly: true, lo: 202601, hi: 202612}}},
		{20260115, 20260131, []part{{lo: 20260115, hi: 20260131}}},
		{20260115, 20260314, []part{{lo: 20260115, hi: 20260131}, {monthly: true, lo: 202602, hi: 202602}, {lo: 20260301, hi: 20260314}}},
		{20251201, 20260228, []part{{monthly: true, lo: 202512, hi: 202602}}}, // across a year end, February's 28 days
		{20240201, 20240229, []part{{monthly: true, lo: 202402, hi: 202402}}}, // leap year
		{20240201, 20240228, []part{{lo: 20240201, hi: 20240228}}},            // not the whole leap February
		{20261122, 20261122, []part{{lo: 20261122, hi: 20261122}}},            // one day
		{20261130, 20270101, []part{{lo: 20261130, hi: 20261130}, {monthly: true, lo: 202612, hi: 202612}, {lo: 20270101, hi: 20270101}}},
		{20261201, 20261130, nil},
	}
	for _, c := range cases {
		if got := split(c.from, c.to); !reflect.DeepEqual(got, c.want) {
			t.Errorf("split(%d, %d) = %+v, want %+v", c.from, c.to, got, c.want)
		}
	}
}

func TestPreviousPeriod(t *testing.T) {
	cases := []struct {
		from, to int
		mode     string
		pf, pt   int
	}{
		{20261101, 20261130, "mom", 20261001, 20261031},
		{20260301, 20260331, "mom", 20260201, 20260228},
		{20260101, 20261231, "mom", 20250101, 20251231},
		{20260101, 20261231, "yoy", 20250101, 20251231},
		{20240229, 20240229, "yoy", 20230301, 20230301}, // Go normalises 2023-02-29 to 03-01
		{20261110, 20261116, "mom", 20261103, 20261109}, // a week: the week before
		{20261101, 20261130, "yoy", 20251101, 20251130},
	}
	for _, c := range cases {
		pf, pt := previous(c.from, c.to, c.mode)
		if pf != c.pf || pt != c.pt {
			t.Errorf("previous(%d, %d, %s) = %d, %d; want %d, %d", c.from, c.to, c.mode, pf, pt, c.pf, c.pt)
		}
	}
}

func TestPeriodKeys(t *testing.T) {
	cases := []struct {
		groupBy string
		v       int
		monthly bool
		want    string
	}{
		{"month", 202611, true, "2026-11"},
		{"month", 20261122, false, "2026-11"},
		{"quarter", 202611, true, "2026-Q4"},
		{"year", 20260101, false, "2026"},
		{"day", 20261122, false, "2026-11-22"},
		{"week", 20261231, false, "2026-W53"},
		{"week", 20270101, false, "2026-W53"}, // ISO week belongs to the year of its Thursday
	}
	for _, c := range cases {
		if got := periodKey(c.groupBy, c.v, c.monthly); got != c.want {
			t.Errorf("periodKey(%s, %d) = %s, want %s", c.groupBy, c.v, got, c.want)
		}
	}
}

func TestLevelsAreBestFirst(t *testing.T) {
	l := Levels(4)
	if len(l) != 4 || l[0].Level != 4 || l[0].Label != "非常满意" || l[3].Label != "不满意" {
		t.Fatalf("4-point scale: %+v", l)
	}
	if l5 := Levels(5); l5[0].Label != "很满意" || l5[4].Label != "很不满意" {
		t.Fatalf("5-point Likert: %+v", l5)
	}
	if LevelLabel(3, 2) != "一般" || LevelLabel(4, 9) != "" {
		t.Fatal("labels")
	}
}
