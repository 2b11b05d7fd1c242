// Package ticket runs work orders (工单): types with their own workflows, creation,
// assignment, the field-service timeline, comments and lists.
package ticket

import (
	"fmt"
	"slices"

	"lingting/internal/apperr"
)

// Default status codes (API.md, "Ticket statuses").
const (
	StatusNew        = "new"
	StatusAssigned   = "assigned"
	StatusInProgress = "in_progress"
	StatusPending    = "pending"
	StatusResolved   = "resolved"
	StatusClosed     = "closed"
)

// Pending reasons (挂起原因).
const (
	ReasonWaitingParts    = "waiting_parts"    // 待配件
	ReasonWaitingCustomer = "waiting_customer" // 待客户
	ReasonSentForRepair   = "sent_for_repair"  // 送修
)

// Status is one state of a workflow.
type Status struct {
	Code      string   `json:"code"`
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	PausesSLA bool     `json:"pauses_sla"` // the SLA clock stops while a ticket is here
	Final     bool     `json:"final"`      // closed: only a reopen leaves it
	Reasons   []string `json:"reasons,omitempty"`
}

// Transition is one allowed move.
type Transition struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Workflow is the set of statuses and moves of a ticket type.
type Workflow struct {
	Statuses    []Status     `json:"statuses"`
	Transitions []Transition `json:"transitions"`
	// ReopenDays bounds how long after resolution or closing a ticket may be reopened.
	ReopenDays int `json:"reopen_days"`
}

// DefaultWorkflow is 新建 → 已分配 → 处理中 → 挂起 → 已解决 → 已关闭, with reopen.
func DefaultWorkflow() Workflow {
	return Workflow{
		Statuses: []Status{
			{Code: StatusNew, NameZH: "新建", NameEN: "New"},
			{Code: StatusAssigned, NameZH: "已分配", NameEN: "Assigned"},
			{Code: StatusInProgress, NameZH: "处理中", NameEN: "In progress"},
			{Code: StatusPending, NameZH: "挂起", NameEN: "Pending", PausesSLA: true,
				Reasons: []string{ReasonWaitingParts, ReasonWaitingCustomer, ReasonSentForRepair}},
			{Code: StatusResolved, NameZH: "已解决", NameEN: "Resolved"},
			{Code: StatusClosed, NameZH: "已关闭", NameEN: "Closed", Final: true},
		},
		Transitions: []Transition{
			{StatusNew, StatusAssigned}, {StatusNew, StatusInProgress}, {StatusNew, StatusResolved}, {StatusNew, StatusClosed},
			{StatusAssigned, StatusAssigned}, {StatusAssigned, StatusInProgress}, {StatusAssigned, StatusPending}, {StatusAssigned, StatusResolved},
			{StatusInProgress, StatusPending}, {StatusInProgress, StatusResolved}, {StatusInProgress, StatusAssigned},
			{StatusPending, StatusInProgress}, {StatusPending, StatusResolved},
			{StatusResolved, StatusClosed}, {StatusResolved, StatusInProgress},
			{StatusClosed, StatusInProgress},
		},
		ReopenDays: 7,
	}
}

// Validate checks a workflow definition: known statuses in transitions, reasons
// only on pending-like statuses, exactly one initial status "new".
func (w Workflow) Validate() error {
	var v apperr.Validation
	known := map[string]bool{}
	for _, s := range w.Statuses {
		if s.Code == "" || known[s.Code] {
			v.Add("workflow.statuses", "状态编码为空或重复："+s.Code, "empty or duplicate status code: "+s.Code)
		}
		known[s.Code] = true
	}
	if !known[StatusNew] {
		v.Add("workflow.statuses", "工作流必须包含 new 状态", "a workflow needs the status new")
	}
	for _, t := range w.Transitions {
		if !known[t.From] || !known[t.To] {
			v.Add("workflow.transitions", fmt.Sprintf("未知状态：%s → %s", t.From, t.To), fmt.Sprintf("unknown status: %s → %s", t.From, t.To))
		}
	}
	if w.ReopenDays < 0 || w.ReopenDays > 365 {
		v.Add("workflow.reopen_days", "重开期限须在 0–365 天之间", "reopen_days must be 0–365")
	}
	return v.Err()
}

// Status returns the definition of a status code.
func (w Workflow) Status(code string) (Status, bool) {
	for _, s := range w.Statuses {
		if s.Code == code {
			return s, true
		}
	}
	return Status{}, false
}

// Move describes a requested transition, with what the rules need to know.
type Move struct {
	From, To string
	Reason   string // pending reason, when To has reasons
	// DaysSinceResolved counts from resolution (or closing) for reopen checks.
	DaysSinceResolved int
	OpenChildren      int // sub-tasks not yet resolved or closed
}

// Check applies the rules of the workflow to one move: the transition must be
// declared, a pending status needs a known reason, reopening is bounded in time,
// and a parent cannot be resolved or closed while sub-tasks are open. Illegal
// moves answer conflict; a missing or unknown reason answers invalid.
func (w Workflow) Check(m Move) error {
	if !slices.Contains(w.Transitions, Transition{m.From, m.To}) {
		from, _ := w.Status(m.From)
		to, _ := w.Status(m.To)
		return apperr.New(apperr.Conflict, fmt.Sprintf("不能从「%s」变为「%s」", nameZH(from, m.From), nameZH(to, m.To)),
			fmt.Sprintf("a ticket cannot go from %s to %s", m.From, m.To))
	}
	to, _ := w.Status(m.To)
	if len(to.Reasons) > 0 {
		if !slices.Contains(to.Reasons, m.Reason) {
			var v apperr.Validation
			v.Add("reason", "请选择挂起原因（待配件 / 待客户 / 送修）", "choose a pending reason: waiting_parts, waiting_customer or sent_for_repair")
			return v.Err()
		}
	}
	from, _ := w.Status(m.From)
	if (m.From == StatusResolved || from.Final) && (m.To != StatusClosed) && m.DaysSinceResolved > w.ReopenDays {
		return apperr.New(apperr.Conflict, fmt.Sprintf("已超过 %d 天的重开期限，请新建工单", w.ReopenDays), fmt.Sprintf("the %d-day reopen window has passed; open a new ticket", w.ReopenDays))
	}
	if (m.To == StatusResolved || m.To == StatusClosed) && m.OpenChildren > 0 {
		return apperr.New(apperr.Conflict, fmt.Sprintf("还有 %d 个子任务未完成，不能解决或关闭", m.OpenChildren), fmt.Sprintf("%d sub-tasks are still open", m.OpenChildren))
	}
	return nil
}

func nameZH(s Status, code string) string {
	if s.NameZH != "" {
		return s.NameZH
	}
	return code
}
