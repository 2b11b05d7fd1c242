package sla

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/store"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "sla.read", Group: "sla", LabelZH: "查看服务时限（日历与 SLA 策略）", LabelEN: "Read calendars and SLA policies"},
	{Code: "sla.update", Group: "sla", LabelZH: "维护服务时限（日历与 SLA 策略）", LabelEN: "Maintain calendars and SLA policies"},
}

// Service stores calendars and policies. Both are shared configuration, not
// scoped to an org (like the knowledge base). Every write is audited in its
// transaction.
type Service struct {
	db    *store.DB
	audit *audit.Log
	// calendarChanged follows a saved calendar in its transaction (the
	// timers recompute open deadlines; Timers.SetEventLog installs it).
	calendarChanged func(ctx context.Context, c *Calendar) (int, error)
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log) *Service { return &Service{db: db, audit: log} }

// CalendarInput creates or replaces a calendar (the Calendar JSON without id and times).
type CalendarInput struct {
	Name             string   `json:"name"`
	TimeZone         string   `json:"time_zone"`
	Weekly           Weekly   `json:"weekly"`
	Holidays         []string `json:"holidays"`
	Workdays         []string `json:"workdays"`
	WorkdayHoursFrom string   `json:"workday_hours_from"`
}

func (in CalendarInput) calendar() *Calendar {
	return &Calendar{Name: in.Name, TimeZone: in.TimeZone, Weekly: in.Weekly, Holidays: in.Holidays, Workdays: in.Workdays, WorkdayHoursFrom: in.WorkdayHoursFrom}
}

type calendarRow struct {
	ID               int64     `db:"id"`
	Name             string    `db:"name"`
	TimeZone         string    `db:"time_zone"`
	Weekly           string    `db:"weekly"`
	Holidays         string    `db:"holidays"`
	Workdays         string    `db:"workdays"`
	WorkdayHoursFrom string    `db:"workday_hours_from"`
	CreatedAt        time.Time `db:"created_at"`
	UpdatedAt        time.Time `db:"updated_at"`
}

const calendarCols = "id, name, time_zone, weekly, holidays, workdays, workday_hours_from, created_at, updated_at"

func (r calendarRow) calendar() (*Calendar, error) {
	c := &Calendar{ID: r.ID, Name: r.Name, TimeZone: r.TimeZone, WorkdayHoursFrom: r.WorkdayHoursFrom, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if err := errors.Join(json.Unmarshal([]byte(r.Weekly), &c.Weekly), json.Unmarshal([]byte(r.Holidays), &c.Holidays), json.Unmarshal([]byte(r.Workdays), &c.Workdays)); err != nil {
		return nil, fmt.Errorf("sla: calendar %d: %w", r.ID, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("sla: stored calendar %d is invalid: %w", r.ID, err)
	}
	return c, nil
}

// Calendars lists every calendar by name.
func (s *Service) Calendars(ctx context.Context) ([]*Calendar, error) {
	var rows []calendarRow
	if err := s.db.Select(ctx, &rows, "SELECT "+calendarCols+" FROM calendars ORDER BY name, id"); err != nil {
		return nil, err
	}
	out := make([]*Calendar, 0, len(rows))
	for _, r := range rows {
		c, err := r.calendar()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Calendar returns one calendar, validated and ready for the calculator.
func (s *Service) Calendar(ctx context.Context, id int64) (*Calendar, error) {
	var r calendarRow
	err := s.db.Get(ctx, &r, "SELECT "+calendarCols+" FROM calendars WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("日历", "calendar")
	}
	if err != nil {
		return nil, err
	}
	return r.calendar()
}

// SaveCalendar creates (id 0) or replaces a calendar.
func (s *Service) SaveCalendar(ctx context.Context, id int64, in CalendarInput) (*Calendar, error) {
	c := in.calendar()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *Calendar
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.writeCalendar(ctx, id, c, "")
		return err
	})
	return out, err
}

// writeCalendar stores a validated calendar (insert when id is 0) and audits it
// as action (create/update by default).
func (s *Service) writeCalendar(ctx context.Context, id int64, c *Calendar, action string) (*Calendar, error) {
	weekly, _ := json.Marshal(c.Weekly)
	holidays, _ := json.Marshal(c.Holidays)
	workdays, _ := json.Marshal(c.Workdays)
	now := store.Now()
	var before *Calendar
	var err error
	if id == 0 {
		id, err = s.db.InsertID(ctx, "INSERT INTO calendars (name, time_zone, weekly, holidays, workdays, workday_hours_from, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			c.Name, c.TimeZone, string(weekly), string(holidays), string(workdays), c.WorkdayHoursFrom, actorID(ctx), now, now)
	} else {
		if before, err = s.Calendar(ctx, id); err != nil {
			return nil, err
		}
		_, err = s.db.Exec(ctx, "UPDATE calendars SET name = ?, time_zone = ?, weekly = ?, holidays = ?, workdays = ?, workday_hours_from = ?, updated_at = ? WHERE id = ?",
			c.Name, c.TimeZone, string(weekly), string(holidays), string(workdays), c.WorkdayHoursFrom, now, id)
	}
	if store.IsUniqueViolation(err) {
		return nil, apperr.Field("name", "日历名称已存在", "a calendar with this name already exists")
	}
	if err != nil {
		return nil, err
	}
	out, err := s.Calendar(ctx, id)
	if err != nil {
		return nil, err
	}
	e := audit.Entry{Action: "create", Entity: "calendar", EntityID: id, Summary: "新增日历 " + out.Name, After: out}
	if before != nil {
		e.Action, e.Before, e.Summary = "update", before, "修改日历 "+out.Name
	}
	if action != "" {
		e.Action = action
	}
	if before != nil && s.calendarChanged != nil {
		if _, err := s.calendarChanged(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, s.audit.Record(ctx, e)
}

// DeleteCalendar removes a calendar no policy uses.
func (s *Service) DeleteCalendar(ctx context.Context, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Calendar(ctx, id)
		if err != nil {
			return err
		}
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM sla_policies WHERE calendar_id = ?", id); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("还有 %d 条 SLA 策略使用该日历，不能删除", n), fmt.Sprintf("%d SLA policies use this calendar", n))
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM calendars WHERE id = ?", id); err != nil {
			if store.IsForeignKeyViolation(err) {
				return apperr.New(apperr.Conflict, "该日历仍被使用，不能删除", "the calendar is still in use")
			}
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "calendar", EntityID: id, Summary: "删除日历 " + before.Name, Before: before})
	})
}

// MergeDates applies day marks to a calendar: each date becomes a holiday or
// a make-up working day (leaving the other list); with replace, the
// calendar's own marks are dropped first.
func MergeDates(c *Calendar, holidays, workdays []string, replace bool) {
	if replace {
		c.Holidays, c.Workdays = nil, nil
	}
	for _, d := range holidays {
		c.Workdays = slices.DeleteFunc(c.Workdays, func(x string) bool { return x == d })
		c.Holidays = append(c.Holidays, d)
	}
	for _, d := range workdays {
		c.Holidays = slices.DeleteFunc(c.Holidays, func(x string) bool { return x == d })
		c.Workdays = append(c.Workdays, d)
	}
}

// MergeChinaHolidays adds mainland China's official arrangement of year to a
// calendar (the official marks win over the calendar's own for those dates).
func (s *Service) MergeChinaHolidays(ctx context.Context, id int64, year int) (*Calendar, error) {
	holidays, workdays, ok := ChinaHolidays(year)
	if !ok {
		return nil, apperr.Field("year", fmt.Sprintf("节假日数据中没有 %d 年的安排", year), fmt.Sprintf("the holiday data has no arrangement for %d", year))
	}
	var out *Calendar
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.Calendar(ctx, id)
		if err != nil {
			return err
		}
		MergeDates(c, holidays, workdays, false)
		if err := c.Validate(); err != nil {
			return err
		}
		out, err = s.writeCalendar(ctx, id, c, "import_holidays")
		return err
	})
	return out, err
}

// CSVKinds are the kinds of a calendar CSV row (English as exported; the
// Chinese words are accepted on import).
var csvKinds = map[string]string{"holiday": "holiday", "workday": "workday", "节假日": "holiday", "假日": "holiday", "放假": "holiday",
	"调休": "workday", "调休上班": "workday", "上班": "workday", "工作日": "workday"}

// WriteCSV writes the calendar's marked dates as "date,kind" rows, by date.
func WriteCSV(w io.Writer, c *Calendar) error {
	type row struct{ date, kind string }
	rows := make([]row, 0, len(c.Holidays)+len(c.Workdays))
	for _, d := range c.Holidays {
		rows = append(rows, row{d, "holiday"})
	}
	for _, d := range c.Workdays {
		rows = append(rows, row{d, "workday"})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.date, b.date) })
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"date", "kind"})
	for _, r := range rows {
		_ = cw.Write([]string{r.date, r.kind})
	}
	cw.Flush()
	return cw.Error()
}

// ParseCSV reads "date,kind" rows (UTF-8 with or without a BOM, or GBK; an
// optional header; extra columns ignored). Problems are reported per line as fields "line N".
func ParseCSV(data []byte) (holidays, workdays []string, err error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Excel on a Chinese Windows saves CSV as GBK (a subset of GB18030).
		if dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data); err == nil {
			data = dec
		}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var v apperr.Validation
	rows := 0
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			v.Add(fmt.Sprintf("line %d", line), "CSV 格式错误："+err.Error(), "malformed CSV: "+err.Error())
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if h := strings.ToLower(strings.TrimSpace(rec[0])); line == 1 && (h == "date" || h == "日期") {
			continue
		}
		field := fmt.Sprintf("line %d", line)
		if len(rec) < 2 {
			v.Add(field, "每行须为 日期,类型（holiday 或 workday）", "each line is date,kind (holiday or workday)")
			continue
		}
		date, kind := strings.TrimSpace(rec[0]), csvKinds[strings.ToLower(strings.TrimSpace(rec[1]))]
		if _, ok := dateKey(date); !ok {
			v.Add(field, "日期格式应为 YYYY-MM-DD："+date, "dates must be YYYY-MM-DD: "+date)
			continue
		}
		switch kind {
		case "holiday":
			holidays = append(holidays, date)
		case "workday":
			workdays = append(workdays, date)
		default:
			v.Add(field, "类型须为 holiday 或 workday："+rec[1], "kind must be holiday or workday: "+rec[1])
			continue
		}
		rows++
	}
	if rows == 0 && v.Err() == nil {
		v.Add("file", "文件中没有日期", "the file holds no dates")
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	for _, h := range holidays {
		if slices.Contains(workdays, h) {
			return nil, nil, apperr.Field("file", h+" 同时被标为节假日和调休工作日", h+" is both a holiday and a make-up working day")
		}
	}
	return holidays, workdays, nil
}

// ImportCSV merges (or, with replace, replaces) a calendar's marked dates
// with a CSV file's. Nothing changes when any line is bad.
func (s *Service) ImportCSV(ctx context.Context, id int64, data []byte, replace bool) (*Calendar, error) {
	holidays, workdays, err := ParseCSV(data)
	if err != nil {
		return nil, err
	}
	var out *Calendar
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.Calendar(ctx, id)
		if err != nil {
			return err
		}
		MergeDates(c, holidays, workdays, replace)
		if err := c.Validate(); err != nil {
			return err
		}
		out, err = s.writeCalendar(ctx, id, c, "import")
		return err
	})
	return out, err
}

type policyRow struct {
	ID          int64     `db:"id"`
	Name        string    `db:"name"`
	Sort        int       `db:"sort"`
	CalendarID  int64     `db:"calendar_id"`
	Conditions  string    `db:"conditions"`
	Targets     string    `db:"targets"`
	Warnings    string    `db:"warnings"`
	Escalations string    `db:"escalations"`
	Active      bool      `db:"active"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

const policyCols = "id, name, sort, calendar_id, conditions, targets, warnings, escalations, active, created_at, updated_at"

func (r policyRow) policy() (Policy, error) {
	p := Policy{ID: r.ID, Name: r.Name, Order: r.Sort, CalendarID: r.CalendarID, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	err := errors.Join(json.Unmarshal([]byte(r.Conditions), &p.Match), json.Unmarshal([]byte(r.Targets), &p.Targets),
		json.Unmarshal([]byte(r.Warnings), &p.Warnings), json.Unmarshal([]byte(r.Escalations), &p.Escalations))
	if err != nil {
		return p, fmt.Errorf("sla: policy %d: %w", r.ID, err)
	}
	m := &p.Match
	for _, l := range []*[]string{&m.Types, &m.Priorities, &m.Grades} {
		if *l == nil {
			*l = []string{}
		}
	}
	for _, l := range []*[]int64{&m.OrgIDs, &m.ContractIDs} {
		if *l == nil {
			*l = []int64{}
		}
	}
	if p.Warnings == nil {
		p.Warnings = []Warning{}
	}
	if p.Escalations == nil {
		p.Escalations = []Escalation{}
	}
	return p, nil
}

// Policies lists every policy in matching order (order, then id); with
// activeOnly, the inactive ones are left out.
func (s *Service) Policies(ctx context.Context, activeOnly bool) ([]Policy, error) {
	q := "SELECT " + policyCols + " FROM sla_policies"
	var args []any
	if activeOnly {
		q += " WHERE active = ?"
		args = append(args, true)
	}
	var rows []policyRow
	if err := s.db.Select(ctx, &rows, q+" ORDER BY sort, id", args...); err != nil {
		return nil, err
	}
	out := make([]Policy, 0, len(rows))
	for _, r := range rows {
		p, err := r.policy()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Policy returns one policy.
func (s *Service) Policy(ctx context.Context, id int64) (*Policy, error) {
	var r policyRow
	err := s.db.Get(ctx, &r, "SELECT "+policyCols+" FROM sla_policies WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("SLA 策略", "SLA policy")
	}
	if err != nil {
		return nil, err
	}
	p, err := r.policy()
	return &p, err
}

// checkRefs reports references to rows that do not exist: the calendar,
// ticket types, customer grades and orgs (contracts are not checked: their
// archive comes later).
func (s *Service) checkRefs(ctx context.Context, in *PolicyInput, v *apperr.Validation) error {
	if in.CalendarID > 0 {
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM calendars WHERE id = ?", in.CalendarID); err != nil {
			return err
		}
		if n == 0 {
			v.Add("calendar_id", "日历不存在", "calendar not found")
		}
	}
	var types, grades []string
	if err := s.db.Select(ctx, &types, "SELECT code FROM ticket_types"); err != nil {
		return err
	}
	if err := s.db.Select(ctx, &grades, "SELECT code FROM customer_grades"); err != nil {
		return err
	}
	for i, t := range in.Match.Types {
		if !slices.Contains(types, t) {
			v.Add(fmt.Sprintf("match.types[%d]", i), "工单类型不存在："+t, "unknown ticket type: "+t)
		}
	}
	for i, g := range in.Match.Grades {
		if !slices.Contains(grades, g) {
			v.Add(fmt.Sprintf("match.grades[%d]", i), "客户等级不存在："+g, "unknown customer grade: "+g)
		}
	}
	if len(in.Match.OrgIDs) > 0 {
		q, args, err := store.In("SELECT id FROM orgs WHERE id IN (?)", in.Match.OrgIDs)
		if err != nil {
			return err
		}
		var found []int64
		if err := s.db.Select(ctx, &found, q, args...); err != nil {
			return err
		}
		for i, id := range in.Match.OrgIDs {
			if !slices.Contains(found, id) {
				v.Add(fmt.Sprintf("match.org_ids[%d]", i), "机构不存在", "org not found")
			}
		}
	}
	return nil
}

// SavePolicy creates (id 0) or replaces a policy.
func (s *Service) SavePolicy(ctx context.Context, id int64, in PolicyInput) (*Policy, error) {
	var v apperr.Validation
	in.Normalize(&v)
	var out *Policy
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var before *Policy
		var err error
		if id != 0 {
			if before, err = s.Policy(ctx, id); err != nil {
				return err
			}
		}
		if err := s.checkRefs(ctx, &in, &v); err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			return err
		}
		match, _ := json.Marshal(in.Match)
		targets, _ := json.Marshal(in.Targets)
		warnings, _ := json.Marshal(in.Warnings)
		escalations, _ := json.Marshal(in.Escalations)
		now := store.Now()
		if id == 0 {
			id, err = s.db.InsertID(ctx, "INSERT INTO sla_policies (name, sort, calendar_id, conditions, targets, warnings, escalations, active, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				in.Name, in.Order, in.CalendarID, string(match), string(targets), string(warnings), string(escalations), *in.Active, actorID(ctx), now, now)
		} else {
			_, err = s.db.Exec(ctx, "UPDATE sla_policies SET name = ?, sort = ?, calendar_id = ?, conditions = ?, targets = ?, warnings = ?, escalations = ?, active = ?, updated_at = ? WHERE id = ?",
				in.Name, in.Order, in.CalendarID, string(match), string(targets), string(warnings), string(escalations), *in.Active, now, id)
		}
		if store.IsUniqueViolation(err) {
			return apperr.Field("name", "策略名称已存在", "a policy with this name already exists")
		}
		if err != nil {
			return err
		}
		if out, err = s.Policy(ctx, id); err != nil {
			return err
		}
		e := audit.Entry{Action: "create", Entity: "sla_policy", EntityID: id, Summary: "新增 SLA 策略 " + out.Name, After: out}
		if before != nil {
			e.Action, e.Before, e.Summary = "update", before, "修改 SLA 策略 "+out.Name
		}
		return s.audit.Record(ctx, e)
	})
	return out, err
}

// DeletePolicy removes a policy.
func (s *Service) DeletePolicy(ctx context.Context, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Policy(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM sla_policies WHERE id = ?", id); err != nil {
			if store.IsForeignKeyViolation(err) {
				return apperr.New(apperr.Conflict, "该策略仍被工单使用，不能删除，可改为停用", "tickets still use this policy; deactivate it instead")
			}
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "sla_policy", EntityID: id, Summary: "删除 SLA 策略 " + before.Name, Before: before})
	})
}

// MatchTicket returns the active policy that applies to a ticket, or nil.
// When facts carry an OrgID but no path or ancestors, the org's path is read.
func (s *Service) MatchTicket(ctx context.Context, f TicketFacts) (*Policy, error) {
	if f.OrgID != 0 && f.OrgPath == "" && len(f.OrgAncestors) == 0 {
		err := s.db.Get(ctx, &f.OrgPath, "SELECT path FROM orgs WHERE id = ?", f.OrgID)
		if err != nil && !store.IsNoRows(err) {
			return nil, err
		}
	}
	policies, err := s.Policies(ctx, true)
	if err != nil {
		return nil, err
	}
	return Match(policies, f), nil
}

func actorID(ctx context.Context) any {
	if id := audit.ActorFrom(ctx).UserID; id != 0 {
		return id
	}
	return nil
}
