package sla

import (
	"testing"

	"lingting/internal/apperr"
)

func TestMatch(t *testing.T) {
	// Org tree: 1 bank / 4 Beijing branch / 17 Haidian outlet; 5 Shanghai branch.
	policies := []Policy{
		{ID: 1, Name: "catch-all", Order: 100, Active: true},
		{ID: 2, Name: "ATM repair, Beijing", Order: 10, Active: true, Match: Conditions{Types: []string{"repair"}, OrgIDs: []int64{4}}},
		{ID: 3, Name: "urgent anything", Order: 5, Active: true, Match: Conditions{Priorities: []string{"urgent"}}},
		{ID: 4, Name: "diamond customers", Order: 20, Active: true, Match: Conditions{Grades: []string{"gold", "diamond"}}},
		{ID: 5, Name: "contract 9", Order: 1, Active: true, Match: Conditions{ContractIDs: []int64{9}}},
		{ID: 6, Name: "inactive first", Order: 0, Active: false},
		{ID: 7, Name: "same order as 2, higher id", Order: 10, Active: true, Match: Conditions{Types: []string{"repair"}}},
		{ID: 8, Name: "complaints of 17 and 5", Order: 30, Active: true, Match: Conditions{Types: []string{"complaint"}, OrgIDs: []int64{17, 5}, Priorities: []string{"high", "normal"}}},
	}
	cases := []struct {
		name string
		f    TicketFacts
		want int64 // 0: none
	}{
		{"nothing special falls through to the catch-all (empty lists = any)", TicketFacts{Type: "consultation", Priority: "normal", OrgID: 17, OrgPath: "/1/4/17/"}, 1},
		{"repair in the Beijing subtree (by path)", TicketFacts{Type: "repair", Priority: "normal", OrgID: 17, OrgPath: "/1/4/17/"}, 2},
		{"repair in the Beijing subtree (by ancestors)", TicketFacts{Type: "repair", Priority: "normal", OrgID: 17, OrgAncestors: []int64{1, 4}}, 2},
		{"repair at the branch itself", TicketFacts{Type: "repair", OrgID: 4, OrgPath: "/1/4/"}, 2},
		{"repair in Shanghai: policy 2 misses, 7 (same order, higher id) hits", TicketFacts{Type: "repair", OrgID: 5, OrgPath: "/1/5/"}, 7},
		{"repair at the bank root: not inside org 4", TicketFacts{Type: "repair", OrgID: 1, OrgPath: "/1/"}, 7},
		{"urgent wins over the repair policy by order", TicketFacts{Type: "repair", Priority: "urgent", OrgID: 17, OrgPath: "/1/4/17/"}, 3},
		{"contract 9 comes first of all", TicketFacts{Type: "repair", Priority: "urgent", ContractID: 9, OrgID: 17}, 5},
		{"another contract does not match contract 9", TicketFacts{Type: "suggestion", ContractID: 8, OrgID: 17}, 1},
		{"diamond grade", TicketFacts{Type: "consultation", Grade: "diamond", OrgID: 17}, 4},
		{"no grade does not match a grade list", TicketFacts{Type: "consultation", OrgID: 17}, 1},
		{"every condition of policy 8 at once", TicketFacts{Type: "complaint", Priority: "high", OrgID: 17, OrgPath: "/1/4/17/"}, 8},
		{"policy 8 with a priority it does not list", TicketFacts{Type: "complaint", Priority: "low", OrgID: 17, OrgPath: "/1/4/17/"}, 1},
		{"policy 8 in an org outside both subtrees", TicketFacts{Type: "complaint", Priority: "high", OrgID: 4, OrgPath: "/1/4/"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Match(policies, c.f)
			var id int64
			if got != nil {
				id = got.ID
			}
			if id != c.want {
				t.Fatalf("Match = %d, want %d", id, c.want)
			}
		})
	}
	if Match(policies[5:6], TicketFacts{Type: "repair"}) != nil || Match(nil, TicketFacts{}) != nil {
		t.Fatal("inactive or no policies match nothing")
	}
}

func TestPolicyNormalize(t *testing.T) {
	n := func(v int) *int { return &v }
	in := PolicyInput{
		Name: " ", Order: -1,
		Match:       Conditions{Priorities: []string{"normal", "asap"}, OrgIDs: []int64{3, 0}, Types: []string{" repair ", "repair", ""}},
		Targets:     Targets{Resolution: n(0)},
		Warnings:    []Warning{{}, {BeforeMinutes: n(120), AtPercent: n(75)}, {AtPercent: n(100)}, {BeforeMinutes: n(-5)}},
		Escalations: []Escalation{{Level: 2, Notify: "station_head"}, {Level: 2, Notify: "boss", AfterMinutes: -1, RepeatEveryMinutes: n(0)}, {Level: 0, Notify: "assignee"}},
	}
	var v apperr.Validation
	in.Normalize(&v)
	e, _ := apperr.As(v.Err())
	want := []string{"name", "order", "calendar_id", "match.priorities[1]", "match.org_ids[1]", "targets.resolution",
		"warnings[0]", "warnings[1]", "warnings[2].at_percent", "warnings[3].before_minutes",
		"escalations[1].level", "escalations[1].after_minutes", "escalations[1].notify", "escalations[1].repeat_every_minutes", "escalations[2].level"}
	if e == nil {
		t.Fatal("no errors")
	}
	for _, f := range want {
		if _, ok := e.Fields[f]; !ok {
			t.Errorf("no error for %s: %v", f, e.Fields)
		}
	}
	if len(e.Fields) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(e.Fields), len(want), e.Fields)
	}
	if len(in.Match.Types) != 1 || in.Match.Types[0] != "repair" {
		t.Errorf("types not cleaned: %q", in.Match.Types)
	}

	good := PolicyInput{Name: "ATM 报修", Order: 10, CalendarID: 1, Targets: Targets{Resolution: n(480)},
		Escalations: []Escalation{{Level: 3, AfterMinutes: 180, Notify: "org_manager"}, {Level: 1, Notify: "assignee", RepeatEveryMinutes: n(60)}}}
	var v2 apperr.Validation
	good.Normalize(&v2)
	if err := v2.Err(); err != nil {
		t.Fatal(err)
	}
	if good.Escalations[0].Level != 1 || !*good.Active || good.Warnings == nil || good.Match.OrgIDs == nil {
		t.Fatalf("canonical form: %+v", good)
	}
	var v3 apperr.Validation
	none := PolicyInput{Name: "x", CalendarID: 1}
	none.Normalize(&v3)
	if e, _ := apperr.As(v3.Err()); e == nil || e.Fields["targets"].ZH == "" {
		t.Fatalf("a policy without targets: %v", v3.Err())
	}
}
