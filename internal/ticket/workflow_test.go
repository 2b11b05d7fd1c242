package ticket

import (
	"strings"
	"testing"

	"lingting/internal/apperr"
)

// Every pair of default statuses: legal moves pass, every other move is a conflict.
func TestDefaultWorkflowEveryPair(t *testing.T) {
	w := DefaultWorkflow()
	legal := map[[2]string]bool{}
	for _, tr := range w.Transitions {
		legal[[2]string{tr.From, tr.To}] = true
	}
	want := map[[2]string]bool{
		{"new", "assigned"}: true, {"new", "in_progress"}: true, {"new", "resolved"}: true, {"new", "closed"}: true,
		{"assigned", "assigned"}: true, {"assigned", "in_progress"}: true, {"assigned", "pending"}: true, {"assigned", "resolved"}: true,
		{"in_progress", "pending"}: true, {"in_progress", "resolved"}: true, {"in_progress", "assigned"}: true,
		{"pending", "in_progress"}: true, {"pending", "resolved"}: true,
		{"resolved", "closed"}: true, {"resolved", "in_progress"}: true,
		{"closed", "in_progress"}: true,
	}
	for _, from := range w.Statuses {
		for _, to := range w.Statuses {
			m := Move{From: from.Code, To: to.Code, Reason: ReasonWaitingParts}
			err := w.Check(m)
			if want[[2]string{from.Code, to.Code}] {
				if err != nil {
					t.Errorf("%s → %s should be legal: %v", from.Code, to.Code, err)
				}
			} else if apperr.CodeOf(err) != apperr.Conflict {
				t.Errorf("%s → %s should be a conflict, got %v", from.Code, to.Code, err)
			}
		}
	}
	if len(legal) != len(want) {
		t.Errorf("default workflow has %d transitions, the table %d", len(legal), len(want))
	}
}

func TestPendingNeedsReason(t *testing.T) {
	w := DefaultWorkflow()
	for reason, ok := range map[string]bool{"waiting_parts": true, "waiting_customer": true, "sent_for_repair": true, "": false, "lunch": false} {
		err := w.Check(Move{From: StatusInProgress, To: StatusPending, Reason: reason})
		if ok != (err == nil) {
			t.Errorf("reason %q: %v", reason, err)
		}
		if !ok && apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("reason %q should be invalid input, got %v", reason, err)
		}
	}
}

func TestReopenWindow(t *testing.T) {
	w := DefaultWorkflow()
	if err := w.Check(Move{From: StatusResolved, To: StatusInProgress, DaysSinceResolved: 7}); err != nil {
		t.Errorf("reopen on day 7: %v", err)
	}
	if err := w.Check(Move{From: StatusClosed, To: StatusInProgress, DaysSinceResolved: 8}); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("reopen on day 8 should be refused: %v", err)
	}
	if err := w.Check(Move{From: StatusResolved, To: StatusClosed, DaysSinceResolved: 30}); err != nil {
		t.Errorf("closing long after resolution is fine: %v", err)
	}
}

func TestParentWaitsForSubtasks(t *testing.T) {
	w := DefaultWorkflow()
	if err := w.Check(Move{From: StatusInProgress, To: StatusResolved, OpenChildren: 2}); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("resolving with open sub-tasks: %v", err)
	}
	if err := w.Check(Move{From: StatusInProgress, To: StatusResolved}); err != nil {
		t.Errorf("resolving without sub-tasks: %v", err)
	}
}

func TestCustomWorkflow(t *testing.T) {
	w := Workflow{
		Statuses:    []Status{{Code: "new"}, {Code: "triage"}, {Code: "done", Final: true}},
		Transitions: []Transition{{"new", "triage"}, {"triage", "done"}},
		ReopenDays:  0,
	}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := w.Check(Move{From: "new", To: "done"}); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("skipping triage should be refused: %v", err)
	}
	if err := w.Check(Move{From: "new", To: "triage"}); err != nil {
		t.Errorf("new → triage: %v", err)
	}
	bad := Workflow{Statuses: []Status{{Code: "open"}}, Transitions: []Transition{{"open", "gone"}}}
	if err := bad.Validate(); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("a workflow without new and with unknown statuses validated: %v", err)
	}
}

// TestWorkflowRowErrors: problems are reported on their row, for the
// workflow editor to show next to it, and still on the list as a whole.
func TestWorkflowRowErrors(t *testing.T) {
	w := Workflow{
		Statuses:    []Status{{Code: "new"}, {Code: "Bad Code"}, {Code: "new"}, {Code: "wait", Reasons: []string{"waiting_parts", "lunch"}}, {Code: ""}},
		Transitions: []Transition{{"new", "wait"}, {"new", "gone"}, {"new", "wait"}},
		ReopenDays:  400,
	}
	e, ok := apperr.As(w.Validate())
	if !ok {
		t.Fatal("validated")
	}
	for field, want := range map[string]string{
		"workflow.statuses[1].code":    "小写字母",
		"workflow.statuses[2].code":    "重复",
		"workflow.statuses[3].reasons": "lunch",
		"workflow.statuses[4].code":    "不能为空",
		"workflow.transitions[1]":      "未知状态",
		"workflow.transitions[2]":      "流转重复",
		"workflow.statuses":            "",
		"workflow.transitions":         "",
		"workflow.reopen_days":         "0–365",
	} {
		m, ok := e.Fields[field]
		if !ok || !strings.Contains(m.ZH, want) || m.EN == "" {
			t.Errorf("%s: %+v (%v)", field, m, ok)
		}
	}
	for _, field := range []string{"workflow.statuses[0].code", "workflow.statuses[3].code", "workflow.transitions[0]"} {
		if _, bad := e.Fields[field]; bad {
			t.Errorf("a good row is reported: %s", field)
		}
	}
	if err := DefaultWorkflow().Validate(); err != nil {
		t.Errorf("the default workflow: %v", err)
	}
}
