package reportjob

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/notify"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Job statuses.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
	StatusExpired = "expired" // done, and the file was removed after KeepDays
)

// Job is one background export (or one run of a subscription).
type Job struct {
	ID             int64      `db:"id" json:"id"`
	UserID         int64      `db:"user_id" json:"user_id"`
	UserName       string     `db:"user_name" json:"user_name"`
	SubscriptionID *int64     `db:"subscription_id" json:"subscription_id"`
	DueAt          *time.Time `db:"due_at" json:"due_at"`
	Report         string     `db:"report" json:"report"`
	Title          string     `db:"title" json:"title"`
	Query          string     `db:"query" json:"query"`
	Status         string     `db:"status" json:"status"`
	RowsDone       int64      `db:"rows_done" json:"rows_done"`
	RowsTotal      int64      `db:"rows_total" json:"rows_total"`
	Percent        int        `db:"-" json:"percent"`
	FileName       string     `db:"file_name" json:"file_name"`
	FileSize       int64      `db:"file_size" json:"file_size"`
	Error          string     `db:"error" json:"error"`
	Attempts       int        `db:"attempts" json:"attempts"`
	DownloadURL    *string    `db:"-" json:"download_url"`
	Email          *string    `db:"email_status" json:"email_status"`
	CreatedAt      time.Time  `db:"created_at" json:"created_at"`
	StartedAt      *time.Time `db:"started_at" json:"started_at"`
	FinishedAt     *time.Time `db:"finished_at" json:"finished_at"`
	ExpiresAt      *time.Time `db:"expires_at" json:"expires_at"`

	FilePath    string  `db:"file_path" json:"-"`
	Access      *string `db:"access" json:"-"`
	DeliveryKey string  `db:"delivery_key" json:"-"`
	Worker      string  `db:"worker" json:"-"`
}

const jobCols = `j.id, j.user_id, u.name AS user_name, j.subscription_id, j.due_at, j.report, j.title, j.query, j.status, j.rows_done, j.rows_total,
	j.file_name, j.file_size, j.error, j.attempts, j.created_at, j.started_at, j.finished_at, j.expires_at, j.file_path, j.access, j.delivery_key, j.worker,
	(SELECT d.status FROM notification_deliveries d WHERE d.dedup_key = j.delivery_key AND j.delivery_key <> '') AS email_status`

const jobFrom = " FROM export_jobs j JOIN users u ON u.id = j.user_id"

// finish fills the derived fields.
func (j *Job) finish() {
	switch {
	case j.Status == StatusDone || j.Status == StatusExpired:
		j.Percent = 100
	case j.RowsTotal > 0:
		j.Percent = int(min(99, j.RowsDone*100/j.RowsTotal))
	}
	if j.Status == StatusDone && j.FilePath != "" {
		u := "/api/v1/export-jobs/" + strconv.FormatInt(j.ID, 10) + "/file"
		j.DownloadURL = &u
	}
}

// access is what a job captured of its requester at request time.
type access struct {
	Permissions []string    `json:"permissions"`
	Scope       scope.Scope `json:"scope"`
}

// Enqueue writes a job for report (query: the report page's query string)
// as p sees it now: its permissions and data scope are captured and used
// when the job runs. The request is audited as an export.
func (s *Service) Enqueue(ctx context.Context, p *auth.Principal, rep Report, title, query string, total int) (*Job, error) {
	raw, err := json.Marshal(access{Permissions: p.Permissions.Sorted(), Scope: p.Scope})
	if err != nil {
		return nil, err
	}
	acc := string(raw)
	now := s.now()
	var id int64
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		id, err = s.db.InsertID(ctx, `INSERT INTO export_jobs (user_id, report, title, query, access, status, rows_total, run_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.User.ID, rep.Key, title, query, acc, StatusQueued, max(total, 0), now, now)
		if err != nil {
			return err
		}
		if err := s.enqueueRun(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "export", Entity: "export_job", EntityID: id, OrgID: p.User.OrgID,
			Summary: "后台导出：" + title, After: map[string]any{"report": rep.Key, "filter": query, "rows": total}})
	})
	if err != nil {
		return nil, err
	}
	return s.job(ctx, id)
}

func (s *Service) job(ctx context.Context, id int64) (*Job, error) {
	var j Job
	err := s.db.Get(ctx, &j, "SELECT "+jobCols+jobFrom+" WHERE j.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("导出任务", "export job")
	}
	if err != nil {
		return nil, err
	}
	j.finish()
	return &j, nil
}

// Job returns a job its owner (or an export.admin) may see; anybody
// else's answers not_found.
func (s *Service) Job(ctx context.Context, p *auth.Principal, id int64) (*Job, error) {
	j, err := s.job(ctx, id)
	if err != nil {
		return nil, err
	}
	if j.UserID != p.User.ID && !administers(p) {
		return nil, apperr.NotFoundf("导出任务", "export job")
	}
	return j, nil
}

// JobFilter narrows the job list.
type JobFilter struct {
	All            bool // every user's (export.admin only)
	SubscriptionID int64
	Status         string
	Limit, Offset  int
}

// Jobs lists the caller's jobs (or everybody's for export.admin with All), newest first.
func (s *Service) Jobs(ctx context.Context, p *auth.Principal, f JobFilter) ([]Job, int, error) {
	w, args := " WHERE 1 = 1", []any{}
	if !f.All || !administers(p) {
		w += " AND j.user_id = ?"
		args = append(args, p.User.ID)
	}
	if f.SubscriptionID != 0 {
		w += " AND j.subscription_id = ?"
		args = append(args, f.SubscriptionID)
	}
	if f.Status != "" {
		w += " AND j.status = ?"
		args = append(args, f.Status)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM export_jobs j"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Job{}
	if err := s.db.Select(ctx, &out, "SELECT "+jobCols+jobFrom+w+" ORDER BY j.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].finish()
	}
	return out, total, nil
}

// Open opens a finished job's file for its owner or an export.admin (the
// download is audited).
func (s *Service) Open(ctx context.Context, p *auth.Principal, id int64) (*Job, *os.File, error) {
	j, err := s.Job(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if !stillAllowed(p, j) {
		return nil, nil, errScopeNarrowed
	}
	switch j.Status {
	case StatusDone:
	case StatusExpired:
		return nil, nil, apperr.New(apperr.NotFound, "导出文件已过期并被清理，请重新导出", "the file expired and was removed; export again")
	default:
		return nil, nil, apperr.New(apperr.Conflict, "导出尚未完成", "the export is not finished")
	}
	f, err := os.Open(filepath.Join(s.cfg.DataDir, j.FilePath))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, apperr.New(apperr.NotFound, "导出文件已不存在，请重新导出", "the file is gone; export again")
	}
	if err != nil {
		return nil, nil, err
	}
	if err := s.audit.Record(ctx, audit.Entry{Action: "download", Entity: "export_job", EntityID: j.ID, OrgID: p.User.OrgID,
		Summary: "下载导出文件：" + j.FileName, After: map[string]any{"owner": j.UserID}}); err != nil {
		f.Close()
		return nil, nil, err
	}
	return j, f, nil
}

// principal rebuilds who a job runs as: the requester with the permissions
// and scope captured at request time, or — for a subscription's run — the
// subscriber as they are now.
func (s *Service) principal(ctx context.Context, j *Job, rep Report) (*auth.Principal, error) {
	sys := scope.With(ctx, scope.System())
	u, err := s.orgs.UserByID(sys, j.UserID)
	if err != nil {
		return nil, err
	}
	if u.Status == "disabled" {
		return nil, apperr.New(apperr.Forbidden, "用户已停用", "the user is disabled")
	}
	p := &auth.Principal{User: u}
	if p.Permissions, p.Scope, err = s.orgs.Access(sys, u); err != nil {
		return nil, err
	}
	if j.Access != nil {
		// What was asked for, as far as the user may still see it.
		a, err := j.captured()
		if err != nil {
			return nil, err
		}
		if !p.Scope.Covers(a.Scope) {
			return nil, errScopeNarrowed
		}
		now := p.Permissions
		p.Permissions = perm.Set{}
		for _, c := range a.Permissions {
			if now[c] {
				p.Permissions[c] = true
			}
		}
		p.Scope = a.Scope
	}
	if !p.Can(rep.Permission) {
		return nil, apperr.New(apperr.Forbidden, "没有权限："+rep.Permission, "permission denied: "+rep.Permission)
	}
	return p, nil
}

// errScopeNarrowed refuses to run or hand out an export whose requester
// no longer sees everything it was asked for.
var errScopeNarrowed = apperr.New(apperr.Forbidden, "申请导出后您的数据范围或权限已变更，请重新导出",
	"your data scope or permissions changed since the export was requested; export again")

// captured is the access recorded when the job was requested.
func (j *Job) captured() (access, error) {
	var a access
	err := json.Unmarshal([]byte(*j.Access), &a)
	return a, err
}

// stillAllowed says whether p may still have the file of a job it asked
// for: it holds the report's permission and sees at least the scope the
// file was made with. An export.admin with the all-data scope always may.
func stillAllowed(p *auth.Principal, j *Job) bool {
	if administers(p) || j.Access == nil {
		return true
	}
	rep, ok := ReportByKey(j.Report)
	if !ok || !p.Can(rep.Permission) {
		return false
	}
	a, err := j.captured()
	return err == nil && p.Scope.Covers(a.Scope)
}

// runAs is ctx as the principal: scope, permissions and the audit actor.
func runAs(ctx context.Context, p *auth.Principal, note string) context.Context {
	ctx = auth.WithPrincipal(ctx, p)
	ctx = scope.With(ctx, p.Scope)
	ctx = perm.With(ctx, p.Permissions)
	return audit.WithActor(ctx, audit.Actor{UserID: p.User.ID, Name: p.User.Name + note})
}

// emailKey is the key of a run's e-mail delivery to its subscriber.
func emailKey(event string, userID int64) string {
	return notify.DeliveryKey(event, notify.ChannelEmail, userID)
}

// administers says whether p may see and download everybody's jobs and
// subscriptions: export.admin with the all-data scope, because a job's file
// holds what its owner's scope saw, not the downloader's.
func administers(p *auth.Principal) bool {
	return p.Can("export.admin") && p.Scope.All
}
