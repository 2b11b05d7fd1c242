// Package ticket runs work orders (工单): types with their own workflows, creation,
// assignment, the field-service timeline, comments and lists.
package ticket

import (
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

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

// statusCodePattern is what a status code may look like: it is stored on
// tickets, shown in URLs (?status=) and used as a data-test id.
var statusCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate checks a workflow definition: status codes well formed and
// distinct, known pending reasons, known statuses in transitions (each move
// once), exactly one initial status "new". Problems of one row are reported on
// that row (workflow.statuses[2].code, workflow.transitions[0]), for the
// editor to show next to it, and also on workflow.statuses or
// workflow.transitions as before.
func (w Workflow) Validate() error {
	var v apperr.Validation
	known := map[string]bool{}
	row := func(list string, i int, part, zh, en string) {
		key := fmt.Sprintf("workflow.%s[%d]", list, i)
		if part != "" {
			key += "." + part
		}
		v.Add(key, zh, en)
		v.Add("workflow."+list, zh, en)
	}
	reasons := []string{ReasonWaitingParts, ReasonWaitingCustomer, ReasonSentForRepair}
	for i, s := range w.Statuses {
		switch {
		case s.Code == "":
			row("statuses", i, "code", "状态编码不能为空", "a status needs a code")
		case !statusCodePattern.MatchString(s.Code):
			row("statuses", i, "code", "状态编码须为小写字母开头的字母、数字、下划线（至多 32 位）："+s.Code, "a status code is lower-case letters, digits and underscores (up to 32), starting with a letter: "+s.Code)
		case known[s.Code]:
			row("statuses", i, "code", "状态编码重复："+s.Code, "duplicate status code: "+s.Code)
		}
		if utf8.RuneCountInString(s.NameZH) > 20 || utf8.RuneCountInString(s.NameEN) > 40 {
			row("statuses", i, "name_zh", "状态名称过长（中文至多 20 字，英文至多 40 字）", "a status name is too long (20 Chinese / 40 English characters at most)")
		}
		for _, r := range s.Reasons {
			if !slices.Contains(reasons, r) {
				row("statuses", i, "reasons", "未知的挂起原因："+r, "unknown pending reason: "+r)
			}
		}
		known[s.Code] = true
	}
	if !known[StatusNew] {
		v.Add("workflow.statuses", "工作流必须包含 new 状态", "a workflow needs the status new")
	}
	seen := map[Transition]bool{}
	for i, t := range w.Transitions {
		switch {
		case !known[t.From] || !known[t.To]:
			row("transitions", i, "", fmt.Sprintf("未知状态：%s → %s", t.From, t.To), fmt.Sprintf("unknown status: %s → %s", t.From, t.To))
		case seen[t]:
			row("transitions", i, "", fmt.Sprintf("流转重复：%s → %s", t.From, t.To), fmt.Sprintf("duplicate transition: %s → %s", t.From, t.To))
		}
		seen[t] = true
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
