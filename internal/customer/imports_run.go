package customer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/importer"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Row actions decided by validation.
const (
	actionInsert = "insert"
	actionUpdate = "update"
	actionSkip   = "skip"
	actionReject = "reject"
	// actionCheck: valid and unique in the file, not yet looked up in the archive.
	actionCheck = "check"
)

// staleClaim is how long a validation claim holds before another process may
// take the import over (its process died).
const staleClaim = 10 * time.Minute

// progressEvery is how often validation stores its progress (and renews its claim).
const progressEvery = time.Second

// ApplyHook, when set, runs after each applied row with the number applied so
// far, inside the apply's transaction (tests use it to crash mid-apply; new
// rows are reported once their chunk is written).
var ApplyHook func(applied int)

// ProcessPending validates every import waiting for it, claiming each one so
// that exactly one process works on it.
func (s *Service) ProcessPending(ctx context.Context, worker string) error {
	sys := scope.With(ctx, scope.System())
	var ids []int64
	if err := s.db.Select(sys, &ids, "SELECT id FROM imports WHERE status = ? AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY id", ImportValidating, s.now().Add(-staleClaim)); err != nil {
		return err
	}
	for _, id := range ids {
		res, err := s.db.Exec(sys, "UPDATE imports SET claimed_by = ?, claimed_at = ? WHERE id = ? AND status = ? AND (claimed_at IS NULL OR claimed_at < ?)",
			worker, s.now(), id, ImportValidating, s.now().Add(-staleClaim))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			continue // another process took it
		}
		if err := s.validateImport(sys, id); err != nil {
			slog.Error("import validation failed", "import_id", id, "err", err)
			_, _ = s.db.Exec(sys, "UPDATE imports SET status = ?, failure = ?, updated_at = ? WHERE id = ?", ImportFailed, truncateRunes(err.Error(), 500), s.now(), id)
		}
	}
	return nil
}

// validation is the running state of one import's validation.
type validation struct {
	cols       importer.Columns
	orgCodes   map[string]int64 // code → id, 0 when unknown or outside scope
	managers   map[string]int64
	grades     map[string]string
	fields     []Field // custom fields, read at the first row that has extra columns
	hasFields  bool
	seenID     map[string]int
	seenPhone  map[string]int
	accepted   int
	rejected   int
	duplicates int
}

func (s *Service) validateImport(sys context.Context, id int64) error {
	var row struct {
		Content   []byte `db:"content"`
		Filename  string `db:"filename"`
		Policy    string `db:"duplicate_policy"`
		CreatedBy int64  `db:"created_by"`
		Kind      string `db:"kind"`
	}
	if err := s.db.Get(sys, &row, "SELECT content, filename, duplicate_policy, created_by, kind FROM imports WHERE id = ?", id); err != nil {
		return err
	}
	ctx, _, err := s.callerContext(sys, row.CreatedBy)
	if err != nil {
		return err
	}
	if _, err := s.db.Exec(sys, "DELETE FROM import_rows WHERE import_id = ?", id); err != nil {
		return err
	}
	rr, err := importer.Open(bytes.NewReader(row.Content), int64(len(row.Content)), row.Filename)
	if err != nil {
		return s.failImport(sys, id, readProblem(err, 0))
	}
	defer rr.Close()
	if k, ok := s.kinds[row.Kind]; ok {
		return s.validateKindImport(ctx, sys, id, k, rr, row.Policy)
	}
	header := rr.Header()
	cols, fileErrs := importer.MapCustomerHeader(header)
	hdrJSON, _ := json.Marshal(header)
	if len(fileErrs) > 0 {
		if _, err := s.db.Exec(sys, "INSERT INTO import_rows (import_id, line, action, cells, errors) VALUES (?, 1, ?, ?, ?)", id, actionReject, string(hdrJSON), storeErrors(fileErrs)); err != nil {
			return err
		}
		return s.failImport(sys, id, fileErrs[0].Message)
	}
	if _, err := s.db.Exec(sys, "INSERT INTO import_rows (import_id, line, action, cells) VALUES (?, 1, 'header', ?)", id, string(hdrJSON)); err != nil {
		return err
	}
	st := &validation{cols: cols, orgCodes: map[string]int64{}, managers: map[string]int64{}, grades: map[string]string{}, seenID: map[string]int{}, seenPhone: map[string]int{}}
	grades, err := s.Grades(ctx)
	if err != nil {
		return err
	}
	for _, g := range grades {
		st.grades[g.Code], st.grades[g.Name] = g.Code, g.Code
	}
	type staged struct {
		line   int
		action string
		cells  string
		in     Input
		errs   []importer.RowError
		target int64
	}
	var batch []staged
	total, progress := 0, 0
	// Parsing (the XML of an .xlsx above all) runs ahead on another goroutine
	// while rows are checked and stored.
	rows, stop := readAhead(rr)
	defer stop()
	reported := time.Now()
	// flush decides the rows still to be checked against the archive with one
	// set of lookups for the whole batch, then stores the batch.
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var check []*Input
		for i := range batch {
			if batch[i].action == actionCheck {
				check = append(check, &batch[i].in)
			}
		}
		dups, err := s.findDuplicates(ctx, check)
		if err != nil {
			return err
		}
		args := make([]any, 0, len(batch)*7)
		k := 0
		for i := range batch {
			b := &batch[i]
			if b.action == actionCheck {
				b.action, b.target, b.errs = st.archiveDuplicate(row.Policy, b.line, &b.in, dups[k], b.errs)
				k++
			}
			dj, _ := json.Marshal(b.in)
			var t any
			if b.target != 0 {
				t = b.target
			}
			args = append(args, id, b.line, b.action, t, b.cells, string(dj), storeErrors(b.errs))
		}
		err = s.db.WithTx(sys, func(tx context.Context) error {
			if err := s.insertMany(tx, "import_rows", []string{"import_id", "line", "action", "target_id", "cells", "data", "errors"}, "", bulkChunk, args); err != nil {
				return err
			}
			// SQLite rewrites the whole imports row, the uploaded file included
			// (up to 50 MB), on every UPDATE: report progress about once a second.
			if time.Since(reported) < progressEvery {
				return nil
			}
			reported = time.Now()
			_, err := s.db.Exec(tx, "UPDATE imports SET total = ?, accepted = ?, rejected = ?, duplicates = ?, progress = ?, claimed_at = ?, updated_at = ? WHERE id = ?",
				total, st.accepted, st.rejected, st.duplicates, progress, s.now(), s.now(), id)
			return err
		})
		batch = batch[:0]
		return err
	}
	for {
		r, ok := <-rows
		if !ok {
			break
		}
		line, cells, err := r.line, r.cells, r.err
		progress = r.progress
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s.failImport(sys, id, readProblem(err, line))
		}
		total++
		in, action, target, errs, err := s.checkRow(ctx, st, row.Policy, line, cells)
		if err != nil {
			return err
		}
		cj, _ := json.Marshal(cells)
		batch = append(batch, staged{line: line, action: action, cells: string(cj), in: in, errs: errs, target: target})
		if len(batch) >= bulkChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return s.finishValidation(sys, id, total, st.accepted, st.rejected, st.duplicates)
}

// finishValidation marks a validated import ready, or pending review when
// the upload asked for one, with its counts.
func (s *Service) finishValidation(sys context.Context, id int64, total, accepted, rejected, duplicates int) error {
	status := ImportReady
	var needsReview bool
	if err := s.db.Get(sys, &needsReview, "SELECT needs_review FROM imports WHERE id = ?", id); err != nil {
		return err
	}
	if needsReview {
		status = ImportPendingReview
	}
	_, err := s.db.Exec(sys, "UPDATE imports SET status = ?, progress = 100, total = ?, accepted = ?, rejected = ?, duplicates = ?, updated_at = ? WHERE id = ?",
		status, total, accepted, rejected, duplicates, s.now(), id)
	return err
}

// readProblem explains a file that cannot be read, in both languages.
func readProblem(err error, line int) apperr.Msg {
	msg := apperr.Msg{ZH: err.Error(), EN: err.Error()}
	if e, ok := apperr.As(err); ok {
		msg = e.Message
	}
	if line > 0 {
		return apperr.Msg{ZH: fmt.Sprintf("第 %d 行无法读取：%s", line, msg.ZH), EN: fmt.Sprintf("row %d cannot be read: %s", line, msg.EN)}
	}
	return apperr.Msg{ZH: "无法读取文件：" + msg.ZH, EN: "cannot read the file: " + msg.EN}
}

// readRow is one result of RowReader.Next, with the reader's progress after it.
type readRow struct {
	line     int
	cells    []string
	err      error
	progress int
}

// readAhead reads rr on its own goroutine, up to the first error (io.EOF
// included), a few hundred rows ahead of the consumer. stop ends the reading
// and waits for it, so rr may be closed afterwards.
func readAhead(rr importer.RowReader) (<-chan readRow, func()) {
	out := make(chan readRow, 256)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(out)
		for {
			line, cells, err := rr.Next()
			select {
			case out <- readRow{line: line, cells: cells, err: err, progress: progressOf(rr)}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out, func() {
		close(done)
		<-finished
	}
}

func progressOf(rr importer.RowReader) int {
	if p, ok := rr.(interface{ Progress() float64 }); ok {
		return int(p.Progress() * 99)
	}
	return 50
}

func (s *Service) failImport(sys context.Context, id int64, msg apperr.Msg) error {
	_, err := s.db.Exec(sys, "UPDATE imports SET status = ?, failure = ?, progress = 100, updated_at = ? WHERE id = ?", ImportFailed, msg.ZH+" / "+msg.EN, s.now(), id)
	return err
}

// checkRow validates one row and decides what applying it will do.
func (s *Service) checkRow(ctx context.Context, st *validation, policy string, line int, cells []string) (Input, string, int64, []importer.RowError, error) {
	r, errs := importer.ParseCustomerRow(st.cols, line, cells)
	bad := func(column, value, zh, en string) {
		errs = append(errs, importer.RowError{Line: line, Column: column, Value: value, Message: apperr.Msg{ZH: zh, EN: en}})
	}
	in := Input{Kind: r.Kind, Name: r.Name, IDType: r.IDType, IDNumber: r.IDNumber, Email: r.Email, Address: r.Address,
		Grade: r.Grade, Tags: r.Tags, Source: "import", Status: StatusFormal}
	if r.Mobile != "" {
		in.Phones = []Phone{{Number: r.Mobile, Label: "手机", Primary: true}}
	}
	if r.Birthday != nil {
		b := r.Birthday.Format(time.DateOnly)
		in.Birthday = &b
	}
	if r.OrgCode != "" {
		orgID, seen := st.orgCodes[r.OrgCode]
		if !seen {
			list, _, err := s.orgs.ListOrgs(ctx, org.OrgFilter{Q: r.OrgCode, Limit: 20})
			if err != nil {
				return in, "", 0, nil, err
			}
			for _, o := range list {
				if strings.EqualFold(o.Code, r.OrgCode) {
					orgID = o.ID
				}
			}
			st.orgCodes[r.OrgCode] = orgID
		}
		if orgID == 0 {
			bad("所属机构编码", r.OrgCode, "机构编码不存在或不在您的数据范围内："+r.OrgCode, "unknown org code or outside your scope: "+r.OrgCode)
		}
		in.OrgID = orgID
	}
	if r.Grade != "" {
		if code, ok := st.grades[r.Grade]; ok {
			in.Grade = code
		} else {
			bad("客户等级", r.Grade, "客户等级不存在："+r.Grade, "unknown grade: "+r.Grade)
		}
	}
	if r.ManagerJobNo != "" {
		mid, seen := st.managers[r.ManagerJobNo]
		if !seen {
			users, _, err := s.orgs.ListUsers(ctx, org.UserFilter{Q: r.ManagerJobNo, Limit: 20})
			if err != nil {
				return in, "", 0, nil, err
			}
			for _, u := range users {
				if strings.EqualFold(u.JobNo, r.ManagerJobNo) {
					mid = u.ID
				}
			}
			st.managers[r.ManagerJobNo] = mid
		}
		if mid == 0 {
			bad("客户经理工号", r.ManagerJobNo, "客户经理工号不存在："+r.ManagerJobNo, "unknown manager job number: "+r.ManagerJobNo)
		} else {
			in.ManagerID = &mid
		}
	}
	if len(r.Extra) > 0 {
		if !st.hasFields {
			fields, err := s.Fields(ctx)
			if err != nil {
				return in, "", 0, nil, err
			}
			st.fields, st.hasFields = fields, true
		}
		in.Custom = map[string]any{}
		for label, val := range r.Extra {
			for _, f := range st.fields {
				if f.Label == label && val != "" {
					in.Custom[f.Code] = customValue(f, val)
				}
			}
		}
	}
	if len(errs) > 0 {
		st.rejected++
		return in, actionReject, 0, errs, nil
	}
	// Duplicates inside the file: the first occurrence wins.
	if first, ok := st.seenID[in.IDNumber]; ok && in.IDNumber != "" {
		return s.duplicateRow(st, policy, in, line, first, errs)
	}
	for _, p := range in.Phones {
		if first, ok := st.seenPhone[in.Name+"|"+p.Number]; ok {
			return s.duplicateRow(st, policy, in, line, first, errs)
		}
	}
	if in.IDNumber != "" {
		st.seenID[in.IDNumber] = line
	}
	for _, p := range in.Phones {
		st.seenPhone[in.Name+"|"+p.Number] = line
	}
	// The archive is searched for the whole batch at once (archiveDuplicate).
	return in, actionCheck, 0, errs, nil
}

// archiveDuplicate decides a row that passed every other check, given the
// customer of the archive it duplicates (0: none).
func (st *validation) archiveDuplicate(policy string, line int, in *Input, dup int64, errs []importer.RowError) (string, int64, []importer.RowError) {
	if dup == 0 {
		st.accepted++
		return actionInsert, 0, errs
	}
	st.duplicates++
	switch policy {
	case "update":
		st.accepted++
		return actionUpdate, dup, errs
	case "reject":
		st.rejected++
		errs = append(errs, importer.RowError{Line: line, Column: "客户名称", Value: in.Name, Message: apperr.Msg{ZH: "档案中已有该客户（证件号或姓名+电话相同）", EN: "the customer already exists in the archive"}})
		return actionReject, dup, errs
	}
	return actionSkip, dup, errs
}

func (s *Service) duplicateRow(st *validation, policy string, in Input, line, first int, errs []importer.RowError) (Input, string, int64, []importer.RowError, error) {
	st.duplicates++
	if policy == "reject" {
		st.rejected++
		errs = append(errs, importer.RowError{Line: line, Column: "客户名称", Value: in.Name, Message: apperr.Msg{ZH: fmt.Sprintf("与第 %d 行重复", first), EN: fmt.Sprintf("duplicates row %d", first)}})
		return in, actionReject, 0, errs, nil
	}
	return in, actionSkip, 0, errs, nil
}

func customValue(f Field, val string) any {
	switch f.Type {
	case "number":
		var n float64
		if _, err := fmt.Sscanf(val, "%g", &n); err == nil {
			return n
		}
	case "date":
		if d, ok := importer.Date(val); ok {
			return d.Format(time.DateOnly)
		}
	case "multiselect":
		var out []any
		for _, p := range strings.FieldsFunc(val, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			out = append(out, strings.TrimSpace(p))
		}
		return out
	}
	return val
}

// ApplyImport applies a ready import; the creator or a reviewer may do it.
func (s *Service) ApplyImport(ctx context.Context, id int64) (*Import, error) {
	return s.decideImport(ctx, id, ImportReady, true, "")
}

// ReviewImport approves (and applies at once) or rejects a pending import.
func (s *Service) ReviewImport(ctx context.Context, id int64, approve bool, note string) (*Import, error) {
	return s.decideImport(ctx, id, ImportPendingReview, approve, note)
}

// decideImport applies or rejects an import in one transaction: every accepted
// row lands, or (after any failure, a crash included) none does and the import
// keeps its status so it can be applied again.
func (s *Service) decideImport(ctx context.Context, id int64, from string, apply bool, note string) (*Import, error) {
	imp, err := s.visibleImport(ctx, id)
	if err != nil {
		return nil, err
	}
	if from == ImportPendingReview && imp.CreatedBy == audit.ActorFrom(ctx).UserID {
		return nil, apperr.New(apperr.Forbidden, "不能审核自己提交的导入", "you cannot review your own import")
	}
	if imp.Status != from {
		return nil, apperr.New(apperr.Conflict, "导入任务当前状态为 "+imp.Status+"，不能执行该操作", "the import is "+imp.Status+"; this action is not possible")
	}
	me := audit.ActorFrom(ctx).UserID
	if apply {
		restore := s.largeWriterCache(ctx)
		defer restore()
	}
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Exec(ctx, "UPDATE imports SET status = ?, updated_at = ? WHERE id = ? AND status = ?", from, s.now(), id, from)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "导入任务已被处理", "the import was already handled")
		}
		if !apply {
			_, err := s.db.Exec(ctx, "UPDATE imports SET status = ?, reviewed_by = ?, reviewed_at = ?, review_note = ?, content = NULL WHERE id = ?", ImportRejected, me, s.now(), strings.TrimSpace(note), id)
			if err != nil {
				return err
			}
			return s.audit.Record(ctx, audit.Entry{Action: "reject", Entity: "import", EntityID: id, OrgID: imp.OrgID, Summary: "驳回导入 " + imp.Filename, After: map[string]any{"note": note}})
		}
		var inserted, updated int
		if k, ok := s.kinds[imp.Kind]; ok {
			inserted, updated, err = s.applyKindRows(ctx, k, imp)
		} else {
			inserted, updated, err = s.applyRows(ctx, imp)
		}
		if err != nil {
			return err
		}
		reviewer := any(nil)
		if from == ImportPendingReview {
			reviewer = me
		}
		if _, err := s.db.Exec(ctx, "UPDATE imports SET status = ?, applied_at = ?, reviewed_by = COALESCE(?, reviewed_by), reviewed_at = ?, review_note = ?, content = NULL WHERE id = ?",
			ImportApplied, s.now(), reviewer, s.now(), strings.TrimSpace(note), id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "apply", Entity: "import", EntityID: id, OrgID: imp.OrgID,
			Summary: fmt.Sprintf("导入%s %s：新增 %d，更新 %d", s.kindLabel(imp.Kind), imp.Filename, inserted, updated),
			After:   map[string]any{"inserted": inserted, "updated": updated, "rejected": imp.Rejected, "duplicates": imp.Duplicates, "total": imp.Total}})
	})
	if err != nil {
		return nil, err
	}
	return s.GetImport(ctx, id)
}

// applyRows applies the accepted rows in line order inside the caller's
// transaction: new customers go in chunks of bulkChunk (bulkWriter), updates
// one by one through Update (with their own audit entries), after the inserts
// staged before them.
//
// A first pass checks every new row against the archive as it is when the
// apply starts, bulkChunk rows per lookup; rows this apply inserts cannot
// duplicate each other (validation rejected or skipped duplicates inside the
// file), so the archive need not be searched again while it grows — a search
// whose plan was made for the archive's size before a large import (PostgreSQL
// keeps its statistics until the transaction commits) would scan it every time.
// applyCacheKiB is SQLite's page cache for the writer while an import is
// applied. The apply is one transaction: with the default 2 MiB the pages it
// dirties spill to the WAL and are written again and again before it commits.
const applyCacheKiB = 64 << 10

// largeWriterCache gives SQLite's writer connection (there is one) a larger
// page cache and returns the function that restores the previous size.
func (s *Service) largeWriterCache(ctx context.Context) func() {
	if s.db.Dialect != store.SQLite {
		return func() {}
	}
	var old int
	if err := s.db.WriteGet(ctx, &old, "PRAGMA cache_size"); err != nil {
		return func() {}
	}
	if _, err := s.db.Exec(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", applyCacheKiB)); err != nil {
		return func() {}
	}
	return func() { _, _ = s.db.Exec(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", old)) }
}

func (s *Service) applyRows(ctx context.Context, imp *Import) (inserted, updated int, err error) {
	batch := withBatch(ctx)
	dupAt, err := s.archiveDuplicates(ctx, imp.ID)
	if err != nil {
		return 0, 0, err
	}
	w := &bulkWriter{s: s, importID: imp.ID}
	var pending []bulkRow
	flush := func() error {
		if err := w.insert(batch, pending); err != nil {
			return err
		}
		for range pending {
			inserted++
			if ApplyHook != nil {
				ApplyHook(inserted + updated)
			}
		}
		pending = pending[:0]
		return nil
	}
	err = s.eachImportRow(ctx, imp.ID, func(line int, action string, target *int64, in Input) error {
		if action == actionUpdate {
			if target == nil {
				return nil
			}
			if err := flush(); err != nil {
				return err
			}
			if err := w.flush(batch); err != nil {
				return err
			}
			if err := s.updateFromImport(ctx, *target, in); err != nil {
				return rowFailure(line, err)
			}
			updated++
			if ApplyHook != nil {
				ApplyHook(inserted + updated)
			}
			return nil
		}
		// What create checks before inserting, row by row.
		var v apperr.Validation
		normalize(&in, &v)
		err := s.checkRefs(batch, &in, &v)
		if err == nil {
			err = v.Err()
		}
		if err == nil && dupAt[line] != 0 {
			err = duplicateErr(ctx, dupAt[line])
			if updated > 0 {
				// An update applied since the first pass may have changed the
				// customer this row duplicated: ask the archive again.
				if err = flush(); err != nil {
					return err
				}
				dups, ferr := s.findDuplicates(batch, []*Input{&in})
				if ferr != nil {
					return ferr
				}
				if err = nil; dups[0] != 0 {
					err = duplicateErr(ctx, dups[0])
				}
			}
		}
		if err != nil {
			if ferr := flush(); ferr != nil { // an earlier row's failure comes first
				return ferr
			}
			return rowFailure(line, err)
		}
		pending = append(pending, bulkRow{line: line, in: in})
		if len(pending) >= bulkChunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = w.flush(batch)
	}
	if err != nil {
		return 0, 0, err
	}
	return inserted, updated, nil
}

// archiveDuplicates returns, by line, the customers of the archive that rows
// to be inserted duplicate (same ID number, or same name and phone).
func (s *Service) archiveDuplicates(ctx context.Context, importID int64) (map[int]int64, error) {
	out := map[int]int64{}
	var lines []int
	var ins []*Input
	check := func() error {
		dups, err := s.findDuplicates(ctx, ins)
		if err != nil {
			return err
		}
		for i, d := range dups {
			if d != 0 {
				out[lines[i]] = d
			}
		}
		lines, ins = lines[:0], ins[:0]
		return nil
	}
	err := s.eachImportRow(ctx, importID, func(line int, action string, _ *int64, in Input) error {
		if action != actionInsert {
			return nil
		}
		var v apperr.Validation
		normalize(&in, &v) // the keys as create compares them
		lines, ins = append(lines, line), append(ins, &in)
		if len(ins) >= bulkChunk {
			return check()
		}
		return nil
	})
	if err == nil {
		err = check()
	}
	return out, err
}

// eachImportRow calls fn for every row to insert or update, in line order,
// reading the rows a window of lines at a time so that memory stays flat for
// large files. Windows of the primary key (not LIMIT pages) keep the plan an
// index range scan even when the table's statistics predate the import.
func (s *Service) eachImportRow(ctx context.Context, importID int64, fn func(line int, action string, target *int64, in Input) error) error {
	const window = 1000
	var last int
	if err := s.db.Get(ctx, &last, "SELECT COALESCE(max(line), 0) FROM import_rows WHERE import_id = ?", importID); err != nil {
		return err
	}
	for from := 2; from <= last; from += window { // line 1 is the header
		var rows []struct {
			Line   int    `db:"line"`
			Action string `db:"action"`
			Target *int64 `db:"target_id"`
			Data   string `db:"data"`
		}
		if err := s.db.Select(ctx, &rows, "SELECT line, action, target_id, data FROM import_rows WHERE import_id = ? AND line >= ? AND line < ? AND action IN ('insert', 'update') ORDER BY line",
			importID, from, from+window); err != nil {
			return err
		}
		for _, r := range rows {
			var in Input
			if err := json.Unmarshal([]byte(r.Data), &in); err != nil {
				return err
			}
			if err := fn(r.Line, r.Action, r.Target, in); err != nil {
				return err
			}
		}
	}
	return nil
}

func rowFailure(line int, err error) error {
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		out := apperr.New(apperr.Conflict, fmt.Sprintf("第 %d 行无法导入（%s），整批未导入；请修正后重新上传", line, e.Message.ZH),
			fmt.Sprintf("row %d cannot be imported (%s); nothing was imported", line, e.Message.EN))
		out.Details = map[string]any{"row": line}
		return out
	}
	return err
}

// updateFromImport overwrites the fields an import row fills in.
func (s *Service) updateFromImport(ctx context.Context, id int64, row Input) error {
	patch := map[string]any{"name": row.Name, "kind": row.Kind}
	if len(row.Phones) > 0 {
		patch["phone"] = row.Phones[0].Number
	}
	for k, v := range map[string]string{"id_type": row.IDType, "id_number": row.IDNumber, "email": row.Email, "address": row.Address, "grade": row.Grade} {
		if v != "" {
			patch[k] = v
		}
	}
	if row.OrgID != 0 {
		patch["org_id"] = row.OrgID
	}
	if row.ManagerID != nil {
		patch["manager_id"] = *row.ManagerID
	}
	if row.Birthday != nil {
		patch["birthday"] = *row.Birthday
	}
	if len(row.Tags) > 0 {
		patch["tags"] = row.Tags
	}
	raw, _ := json.Marshal(patch)
	_, err := s.Update(ctx, id, raw)
	return err
}

// CrashForTest exits the process without cleanup; only crash tests use it.
func CrashForTest() { os.Exit(3) }
