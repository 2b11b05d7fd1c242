package reportjob

import (
	"context"
	"net/url"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/store"
)

// Subscription is a report e-mailed on a schedule (R-ANA-11).
type Subscription struct {
	ID         int64      `db:"id" json:"id"`
	UserID     int64      `db:"user_id" json:"user_id"`
	UserName   string     `db:"user_name" json:"user_name"`
	Email      string     `db:"email" json:"email"` // where it is sent: the subscriber's address now
	Report     string     `db:"report" json:"report"`
	ReportName string     `db:"-" json:"report_name"`
	Name       string     `db:"name" json:"name"`
	Query      string     `db:"query" json:"query"`
	Frequency  string     `db:"frequency" json:"frequency"`
	Weekday    int        `db:"weekday" json:"weekday"`
	MonthDay   int        `db:"month_day" json:"month_day"`
	TimeOfDay  string     `db:"time_of_day" json:"time_of_day"`
	Active     bool       `db:"active" json:"active"`
	NextRunAt  *time.Time `db:"next_run_at" json:"next_run_at"`
	LastRunAt  *time.Time `db:"last_run_at" json:"last_run_at"`
	LastStatus *string    `db:"last_status" json:"last_status"` // the latest run's status
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at" json:"updated_at"`
}

func (s *Subscription) schedule() Schedule {
	return Schedule{Frequency: s.Frequency, Weekday: s.Weekday, MonthDay: s.MonthDay, TimeOfDay: s.TimeOfDay}
}

const subCols = `r.id, r.user_id, u.name AS user_name, u.email, r.report, r.name, r.query, r.frequency, r.weekday, r.month_day, r.time_of_day, r.active,
	r.next_run_at, r.last_run_at, r.created_at, r.updated_at,
	(SELECT j.status FROM export_jobs j WHERE j.subscription_id = r.id ORDER BY j.id DESC LIMIT 1) AS last_status`

const subFrom = " FROM report_subscriptions r JOIN users u ON u.id = r.user_id"

// SubscriptionInput creates a subscription; on update, absent fields stay.
type SubscriptionInput struct {
	Report    *string `json:"report"`
	Name      *string `json:"name"`
	Query     *string `json:"query"`
	Frequency *string `json:"frequency"`
	Weekday   *int    `json:"weekday"`
	MonthDay  *int    `json:"month_day"`
	TimeOfDay *string `json:"time_of_day"`
	Active    *bool   `json:"active"`
}

// cleanQuery drops what is not a filter (the format, paging of the page).
func cleanQuery(q string, v *apperr.Validation) string {
	q = strings.TrimPrefix(strings.TrimSpace(q), "?")
	vals, err := url.ParseQuery(q)
	if err != nil || len(q) > 2000 {
		v.Add("query", "筛选条件格式有误（应为报表页面的查询串，最长 2000 字符）", "query must be the report page's query string (at most 2000 characters)")
		return q
	}
	vals.Del("format")
	vals.Del("async")
	return vals.Encode()
}

// apply merges in into sub and validates it (report known and permitted,
// filters accepted by the report itself, schedule well-formed).
func (s *Service) apply(ctx context.Context, p *auth.Principal, sub *Subscription, in SubscriptionInput) error {
	var v apperr.Validation
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&sub.Report, in.Report)
	set(&sub.Name, in.Name)
	set(&sub.Frequency, in.Frequency)
	set(&sub.TimeOfDay, in.TimeOfDay)
	if in.Query != nil {
		sub.Query = cleanQuery(*in.Query, &v)
	}
	if in.Weekday != nil {
		sub.Weekday = *in.Weekday
	}
	if in.MonthDay != nil {
		sub.MonthDay = *in.MonthDay
	}
	if in.Active != nil {
		sub.Active = *in.Active
	}
	rep, ok := ReportByKey(sub.Report)
	if !ok {
		v.Add("report", "未知报表", "unknown report")
	}
	if sub.Name == "" && ok {
		sub.Name = rep.NameZH
	}
	if len([]rune(sub.Name)) > 100 {
		v.Add("name", "名称最长 100 字", "name is at most 100 characters")
	}
	sub.schedule().Check(&v)
	checkPeriod(sub.Query, &v)
	if sub.Frequency != Weekly {
		sub.Weekday = 0
	}
	if sub.Frequency != Monthly {
		sub.MonthDay = 0
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !p.Can(rep.Permission) {
		return apperr.New(apperr.Forbidden, "没有权限订阅该报表："+rep.Permission, "permission denied: "+rep.Permission)
	}
	// The report itself checks the filters (the same code that will run).
	if s.renderer != nil {
		if _, err := s.renderer.Open(runAs(ctx, p, ""), rep.Key, resolvePeriod(sub.Query, s.now(), s.zone)); err != nil {
			if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid && len(e.Fields) > 0 {
				var fv apperr.Validation
				for f, m := range e.Fields {
					fv.Add("query."+f, m.ZH, m.EN)
				}
				return fv.Err()
			}
			return err
		}
	}
	return nil
}

// CreateSubscription subscribes the caller (audited).
func (s *Service) CreateSubscription(ctx context.Context, p *auth.Principal, in SubscriptionInput) (*Subscription, error) {
	sub := &Subscription{Active: true}
	if err := s.apply(ctx, p, sub, in); err != nil {
		return nil, err
	}
	now := s.now()
	next := s.nextRun(sub, now)
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = s.db.InsertID(ctx, `INSERT INTO report_subscriptions (user_id, report, name, query, frequency, weekday, month_day, time_of_day, active, next_run_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.User.ID, sub.Report, sub.Name, sub.Query, sub.Frequency, sub.Weekday, sub.MonthDay,
			sub.TimeOfDay, sub.Active, next, now, now)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "report_subscription", EntityID: id, OrgID: p.User.OrgID,
			Summary: "订阅报表：" + sub.Name, After: sub})
	})
	if err != nil {
		return nil, err
	}
	return s.subscription(ctx, id)
}

// nextRun is the next due time of an active subscription (nil when paused).
func (s *Service) nextRun(sub *Subscription, now time.Time) *time.Time {
	if !sub.Active {
		return nil
	}
	t := utc(sub.schedule().Next(now, s.zone))
	return &t
}

func (s *Service) subscription(ctx context.Context, id int64) (*Subscription, error) {
	var sub Subscription
	err := s.db.Get(ctx, &sub, "SELECT "+subCols+subFrom+" WHERE r.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("报表订阅", "report subscription")
	}
	if err != nil {
		return nil, err
	}
	sub.fill()
	return &sub, nil
}

func (s *Subscription) fill() {
	if r, ok := ReportByKey(s.Report); ok {
		s.ReportName = r.NameZH
	}
}

// Subscription returns one the caller owns (or any, for export.admin).
func (s *Service) Subscription(ctx context.Context, p *auth.Principal, id int64) (*Subscription, error) {
	sub, err := s.subscription(ctx, id)
	if err != nil {
		return nil, err
	}
	if sub.UserID != p.User.ID && !administers(p) {
		return nil, apperr.NotFoundf("报表订阅", "report subscription")
	}
	return sub, nil
}

// Subscriptions lists the caller's subscriptions (everybody's for export.admin with all).
func (s *Service) Subscriptions(ctx context.Context, p *auth.Principal, all bool, limit, offset int) ([]Subscription, int, error) {
	w, args := "", []any{}
	if !all || !administers(p) {
		w, args = " WHERE r.user_id = ?", []any{p.User.ID}
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM report_subscriptions r"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Subscription{}
	if err := s.db.Select(ctx, &out, "SELECT "+subCols+subFrom+w+" ORDER BY r.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].fill()
	}
	return out, total, nil
}

// UpdateSubscription changes a subscription (pausing is active=false); the
// next due time is worked out again (audited).
func (s *Service) UpdateSubscription(ctx context.Context, p *auth.Principal, id int64, in SubscriptionInput) (*Subscription, error) {
	before, err := s.Subscription(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if before.UserID != p.User.ID && (in.Report != nil || in.Query != nil) {
		// The run uses the subscriber's scope: only they choose what it reads.
		return nil, apperr.New(apperr.Forbidden, "只有订阅人可以修改订阅的报表和筛选条件", "only the subscriber may change a subscription's report and filters")
	}
	sub := *before
	if err := s.apply(ctx, p, &sub, in); err != nil {
		return nil, err
	}
	now := s.now()
	next := s.nextRun(&sub, now)
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, `UPDATE report_subscriptions SET report = ?, name = ?, query = ?, frequency = ?, weekday = ?, month_day = ?, time_of_day = ?,
			active = ?, next_run_at = ?, updated_at = ? WHERE id = ?`, sub.Report, sub.Name, sub.Query, sub.Frequency, sub.Weekday, sub.MonthDay, sub.TimeOfDay,
			sub.Active, next, now, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "report_subscription", EntityID: id, OrgID: p.User.OrgID,
			Summary: "修改报表订阅：" + sub.Name, Before: before, After: sub})
	})
	if err != nil {
		return nil, err
	}
	return s.subscription(ctx, id)
}

// DeleteSubscription removes a subscription with its runs and their files (audited).
func (s *Service) DeleteSubscription(ctx context.Context, p *auth.Principal, id int64) error {
	before, err := s.Subscription(ctx, p, id)
	if err != nil {
		return err
	}
	var paths []string
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.db.Select(ctx, &paths, "SELECT file_path FROM export_jobs WHERE subscription_id = ? AND file_path <> ''", id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM export_jobs WHERE subscription_id = ?", id); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM report_subscriptions WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "report_subscription", EntityID: id, OrgID: p.User.OrgID,
			Summary: "删除报表订阅：" + before.Name, Before: before})
	})
	if err == nil {
		s.removeFiles(paths)
	}
	return err
}

// RunNow queues a run of the subscription for now (the history shows it
// like a scheduled one); audited.
func (s *Service) RunNow(ctx context.Context, p *auth.Principal, id int64) (*Job, error) {
	sub, err := s.Subscription(ctx, p, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var jobID int64
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		jobID, err = s.db.InsertID(ctx, `INSERT INTO export_jobs (user_id, subscription_id, due_at, report, title, query, status, run_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sub.UserID, sub.ID, now, sub.Report, sub.Name, sub.Query, StatusQueued, now, now)
		if err != nil {
			return err
		}
		if err := s.enqueueRun(ctx, jobID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "run", Entity: "report_subscription", EntityID: id, OrgID: p.User.OrgID,
			Summary: "立即运行报表订阅：" + sub.Name, After: map[string]any{"job_id": jobID}})
	})
	if err != nil {
		return nil, err
	}
	return s.job(ctx, jobID)
}

// ScheduleDue writes one job for each subscription that is due and moves
// it to its next due time. The scan takes due rows by next_run_at (FOR
// UPDATE SKIP LOCKED on PostgreSQL; SQLite's single writer serialises), and
// the unique (subscription_id, due_at) index makes a due time run once even
// if two processes raced. A subscription that missed several due times
// (the service was down) runs once, for the earliest, then continues from now.
func (s *Service) ScheduleDue(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		lock := ""
		if s.db.Dialect == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var due []Subscription
		if err := s.db.Select(ctx, &due, `SELECT id, user_id, report, name, query, frequency, weekday, month_day, time_of_day, active, next_run_at, created_at, updated_at
			FROM report_subscriptions WHERE active AND next_run_at <= ? ORDER BY next_run_at, id LIMIT 100`+lock, now); err != nil {
			return err
		}
		for i := range due {
			sub := &due[i]
			var ids []int64
			if err := s.db.Select(ctx, &ids, `INSERT INTO export_jobs (user_id, subscription_id, due_at, report, title, query, status, run_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, due_at) DO NOTHING RETURNING id`,
				sub.UserID, sub.ID, utc(*sub.NextRunAt), sub.Report, sub.Name, sub.Query, StatusQueued, now, now); err != nil {
				return err
			}
			for _, id := range ids {
				if err := s.enqueueRun(ctx, id); err != nil {
					return err
				}
				n++
			}
			if _, err := s.db.Exec(ctx, "UPDATE report_subscriptions SET next_run_at = ?, last_run_at = ? WHERE id = ?",
				s.nextRun(sub, now), utc(*sub.NextRunAt), sub.ID); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
