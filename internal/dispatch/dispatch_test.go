package dispatch

import "testing"

func TestFirstMatchingRuleWins(t *testing.T) {
	v1, v2, cat := int64(10), int64(20), int64(7)
	rules := []Rule{
		{ID: 1, Active: false, Conditions: Conditions{Types: []string{"repair"}}},
		{ID: 2, Active: true, Conditions: Conditions{Types: []string{"repair"}, Regions: []string{"上海"}}},
		{ID: 3, Active: true, Conditions: Conditions{Types: []string{"repair"}, VendorOrgIDs: []int64{v1}, CategoryIDs: []int64{cat}}},
		{ID: 4, Active: true, Conditions: Conditions{Priorities: []string{"urgent"}}},
		{ID: 5, Active: true},
	}
	cases := []struct {
		name string
		f    Facts
		want int64
	}{
		{"inactive rules are skipped; region decides", Facts{Type: "repair", Region: "上海"}, 2},
		{"vendor and category both needed", Facts{Type: "repair", Region: "北京", VendorOrgID: &v1, CategoryID: &cat}, 3},
		{"wrong vendor falls through", Facts{Type: "repair", Region: "北京", VendorOrgID: &v2, CategoryID: &cat}, 5},
		{"a missing category does not match a category list", Facts{Type: "repair", Region: "北京", VendorOrgID: &v1}, 5},
		{"priority", Facts{Type: "consultation", Priority: "urgent"}, 4},
		{"catch-all", Facts{Type: "complaint"}, 5},
	}
	for _, c := range cases {
		if got := First(rules, c.f); got == nil || got.ID != c.want {
			t.Errorf("%s: got %+v, want rule %d", c.name, got, c.want)
		}
	}
	if First(rules[:2], Facts{Type: "repair", Region: "北京"}) != nil {
		t.Error("no rule should match")
	}
}
