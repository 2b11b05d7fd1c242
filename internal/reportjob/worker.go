package reportjob

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/notify"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// XLSXType is the media type of the files.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// errLostLease stops a job whose lease another process took over.
var errLostLease = errors.New("reportjob: the lease was lost")

// RunDue claims one due job and runs it; it answers whether there was one.
func (s *Service) RunDue(ctx context.Context) (bool, error) {
	if ctx.Err() != nil {
		return false, nil
	}
	keep := context.WithoutCancel(ctx) // recording survives a stop
	j, err := s.claim(keep)
	if err != nil || j == nil {
		return false, err
	}
	return true, s.run(ctx, keep, j)
}

// claim takes the first due job under a lease, after handing back the jobs
// whose process died (lease run out). PostgreSQL skips jobs another process
// is claiming (FOR UPDATE SKIP LOCKED); SQLite's single writer serialises
// claims.
func (s *Service) claim(ctx context.Context) (*Job, error) {
	now := s.now()
	var ids []int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.recoverLeases(ctx, now); err != nil {
			return err
		}
		lock := ""
		if s.db.Dialect == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		return s.db.Select(ctx, &ids, `UPDATE export_jobs SET status = ?, lease_until = ?, attempts = attempts + 1, worker = ?, started_at = ?, rows_done = 0
			WHERE id IN (SELECT id FROM export_jobs WHERE status = ? AND run_at <= ? ORDER BY run_at, id LIMIT 1`+lock+`)
			RETURNING id`, StatusRunning, now.Add(s.cfg.Lease), s.worker, now, StatusQueued, now)
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.job(ctx, ids[0])
}

// claimID takes job id under a lease if it is queued and due.
func (s *Service) claimID(ctx context.Context, id int64) (*Job, error) {
	now := s.now()
	var ids []int64
	if err := s.db.Select(ctx, &ids, `UPDATE export_jobs SET status = ?, lease_until = ?, attempts = attempts + 1, worker = ?, started_at = ?, rows_done = 0
		WHERE id = ? AND status = ? AND run_at <= ? RETURNING id`, StatusRunning, now.Add(s.cfg.Lease), s.worker, now, id, StatusQueued, now); err != nil || len(ids) == 0 {
		return nil, err
	}
	return s.job(ctx, id)
}

// recoverLeases hands back the jobs of processes that died (lease run out),
// or fails them after MaxAttempts interrupted runs.
func (s *Service) recoverLeases(ctx context.Context, now time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE export_jobs SET status = ?, lease_until = NULL, finished_at = ?, error = ?
		WHERE status = ? AND lease_until < ? AND attempts >= ?`,
		StatusFailed, now, fmt.Sprintf("运行中断 %d 次（进程退出），已放弃", s.cfg.MaxAttempts), StatusRunning, now, s.cfg.MaxAttempts); err != nil {
		return err
	}
	_, err := s.db.Exec(ctx, `UPDATE export_jobs SET status = ?, lease_until = NULL, worker = '', error = ?
		WHERE status = ? AND lease_until < ?`, StatusQueued, "上次运行的进程中断，已重新排队", StatusRunning, now)
	return err
}

// run renders the job's report into its file and records the outcome.
func (s *Service) run(ctx, keep context.Context, j *Job) error {
	rep, ok := ReportByKey(j.Report)
	if !ok {
		return s.fail(keep, j, apperr.New(apperr.Invalid, "未知报表："+j.Report, "unknown report: "+j.Report))
	}
	if s.renderer == nil {
		return s.fail(keep, j, errors.New("no renderer"))
	}
	p, err := s.principal(keep, j, rep)
	if err != nil {
		return s.fail(keep, j, err)
	}
	note := "（后台导出）"
	if j.SubscriptionID != nil {
		note = "（定时报表）"
	}
	query := j.Query
	if j.SubscriptionID != nil && j.DueAt != nil {
		query = resolvePeriod(query, *j.DueAt, s.zone)
	}
	doc, err := s.renderer.Open(runAs(ctx, p, note), j.Report, query)
	if err != nil {
		return s.release(keep, j, err)
	}
	now := s.now()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	rel := filepath.Join("exports", now.In(s.zone).Format("200601"), strconv.FormatInt(j.ID, 10)+"-"+hex.EncodeToString(b)+".xlsx")
	abs := filepath.Join(s.cfg.DataDir, rel)
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return s.fail(keep, j, err)
	}
	tmp := abs + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return s.fail(keep, j, err)
	}
	total := doc.Total
	last := time.Now()
	progress := func(rows int) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(last) < time.Second {
			return nil
		}
		last = time.Now()
		return s.progress(keep, j, rows, total)
	}
	if total >= 0 {
		if err := s.progress(keep, j, 0, total); err != nil {
			f.Close()
			os.Remove(tmp)
			return s.release(keep, j, err)
		}
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	rows, err := WriteXLSX(bw, doc, progress)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, abs)
	}
	if err != nil {
		os.Remove(tmp)
		return s.release(keep, j, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return s.fail(keep, j, err)
	}
	name := doc.Name
	if j.SubscriptionID != nil && j.DueAt != nil {
		name += "-" + j.DueAt.In(s.zone).Format("20060102-1504")
	}
	name += ".xlsx"
	if err := s.done(keep, j, p.User.Email, rel, name, rows, st.Size(), doc); err != nil {
		os.Remove(abs)
		if errors.Is(err, errLostLease) {
			return nil
		}
		return err
	}
	return nil
}

// progress records rows written and renews the lease; a job whose lease
// another process took over stops.
func (s *Service) progress(ctx context.Context, j *Job, rows, total int) error {
	res, err := s.db.Exec(ctx, "UPDATE export_jobs SET rows_done = ?, rows_total = ?, lease_until = ? WHERE id = ? AND worker = ? AND status = ?",
		rows, max(total, rows), s.now().Add(s.cfg.Lease), j.ID, s.worker, StatusRunning)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errLostLease
	}
	return nil
}

// done records a finished job; a subscription's run enqueues its e-mail with
// the file attached in the same transaction (the file is already in place).
func (s *Service) done(ctx context.Context, j *Job, email, rel, name string, rows int, size int64, doc *Doc) error {
	now := s.now()
	event := "report:" + strconv.FormatInt(j.ID, 10)
	key := ""
	if j.SubscriptionID != nil {
		key = emailKey(event, j.UserID)
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Exec(ctx, `UPDATE export_jobs SET status = ?, rows_done = ?, rows_total = ?, file_name = ?, file_path = ?, file_size = ?, error = '',
			lease_until = NULL, finished_at = ?, expires_at = ?, delivery_key = ? WHERE id = ? AND worker = ? AND status = ?`,
			StatusDone, rows, rows, name, rel, size, now, now.AddDate(0, 0, s.cfg.KeepDays), key, j.ID, s.worker, StatusRunning)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errLostLease
		}
		if j.SubscriptionID == nil {
			return nil
		}
		actx := audit.WithActor(ctx, audit.Actor{UserID: j.UserID, Name: j.UserName + "（定时报表）"})
		if err := s.audit.Record(actx, audit.Entry{Action: "export", Entity: "report_subscription", EntityID: *j.SubscriptionID,
			Summary: "定时报表：" + j.Title, After: map[string]any{"job_id": j.ID, "report": j.Report, "filter": j.Query, "rows": rows, "email": email}}); err != nil {
			return err
		}
		if s.notify == nil {
			return nil
		}
		_, err = s.notify.Enqueue(ctx, notify.Event{Key: event, Kind: notify.KindReportScheduled, Users: []int64{j.UserID}, Direct: true,
			Vars:        map[string]string{"report": j.Title, "period": strings.Join(doc.Header[1:], "；"), "rows": strconv.Itoa(rows), "file_name": name},
			Attachments: []notify.Attachment{{Name: name, Path: rel, ContentType: XLSXType}}})
		return err
	})
	return err
}

// release hands a job interrupted by a stop back to the queue; any other
// error fails it.
func (s *Service) release(ctx context.Context, j *Job, cause error) error {
	if errors.Is(cause, errLostLease) {
		return nil
	}
	if !errors.Is(cause, context.Canceled) {
		return s.fail(ctx, j, cause)
	}
	_, err := s.db.Exec(ctx, "UPDATE export_jobs SET status = ?, lease_until = NULL, worker = '', attempts = attempts - 1 WHERE id = ? AND worker = ? AND status = ?",
		StatusQueued, j.ID, s.worker, StatusRunning)
	return err
}

// fail records why a job failed (in Chinese, for the run history).
func (s *Service) fail(ctx context.Context, j *Job, cause error) error {
	msg := "内部错误：" + cause.Error()
	if e, ok := apperr.As(cause); ok {
		msg = e.Message.ZH
		var fields []string
		for f, m := range e.Fields {
			fields = append(fields, f+"："+m.ZH)
		}
		sort.Strings(fields)
		if len(fields) > 0 {
			msg += "（" + strings.Join(fields, "；") + "）"
		}
	}
	if len([]rune(msg)) > 1000 {
		msg = string([]rune(msg)[:1000])
	}
	_, err := s.db.Exec(ctx, "UPDATE export_jobs SET status = ?, error = ?, lease_until = NULL, finished_at = ? WHERE id = ? AND worker = ? AND status = ?",
		StatusFailed, msg, s.now(), j.ID, s.worker, StatusRunning)
	if err == nil && j.SubscriptionID != nil {
		actx := audit.WithActor(scope.With(ctx, scope.System()), audit.Actor{UserID: j.UserID, Name: j.UserName + "（定时报表）"})
		err = s.audit.Record(actx, audit.Entry{Action: "export_failed", Entity: "report_subscription", EntityID: *j.SubscriptionID,
			Summary: "定时报表未生成：" + j.Title, After: map[string]any{"job_id": j.ID, "error": msg}})
	}
	return err
}

// Cleanup removes the files of jobs past their expiry (the jobs stay, as
// expired, in the history).
func (s *Service) Cleanup(ctx context.Context) (int, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Path string `db:"file_path"`
	}
	if err := s.db.Select(ctx, &rows, "SELECT id, file_path FROM export_jobs WHERE file_path <> '' AND expires_at < ?", s.now()); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if err := os.Remove(filepath.Join(s.cfg.DataDir, r.Path)); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("remove expired export", "path", r.Path, "err", err)
			continue
		}
		if _, err := s.db.Exec(ctx, "UPDATE export_jobs SET file_path = '', status = ? WHERE id = ? AND status = ?", StatusExpired, r.ID, StatusDone); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (s *Service) removeFiles(paths []string) {
	for _, p := range paths {
		if err := os.Remove(filepath.Join(s.cfg.DataDir, p)); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("remove export file", "path", p, "err", err)
		}
	}
}
