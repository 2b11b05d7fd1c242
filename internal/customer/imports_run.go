package customer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/importer"
	"lingting/internal/org"
	"lingting/internal/scope"
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
