package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// Applying (or rejecting) a validated import: one transaction for the whole
// file. Validation, which stages the rows, is in imports_run.go.

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
