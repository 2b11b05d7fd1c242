package customer

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/importer"
	"lingting/internal/perm"
)

// KindCustomers is the import kind this package validates itself.
const KindCustomers = "customers"

// RegisterImportKind lets the import job run another kind (assets): upload,
// background validation, review, one-transaction apply and the rejected-rows
// report stay the ones customers use; the kind checks and applies rows.
func (s *Service) RegisterImportKind(name string, k importer.Kind, permission string) {
	if s.kinds == nil {
		s.kinds = map[string]importer.Kind{}
	}
	s.kinds[name] = kindWithPerm{Kind: k, perm: permission}
}

type kindWithPerm struct {
	importer.Kind
	perm string
}

// checkKind refuses kinds nobody registered and kinds the caller may not
// import (their permission); customers need import.create only.
func (s *Service) checkKind(ctx context.Context, kind string, v *apperr.Validation) error {
	if kind == KindCustomers {
		return nil
	}
	k, ok := s.kinds[kind]
	if !ok {
		v.Add("kind", "导入类型只能是 customers 或 assets", "kind must be customers or assets")
		return nil
	}
	if p := k.(kindWithPerm).perm; p != "" && !perm.From(ctx).Has(p) {
		return apperr.New(apperr.Forbidden, "没有权限："+p, "permission denied: "+p)
	}
	return nil
}

// kindLabel names what an import brings in, for audit summaries.
func (s *Service) kindLabel(kind string) string {
	if k, ok := s.kinds[kind]; ok {
		return k.Label()
	}
	return "客户"
}

// KindTemplate writes a registered kind's template.
func (s *Service) KindTemplate(kind string, w io.Writer) error {
	k, ok := s.kinds[kind]
	if !ok {
		return apperr.NotFoundf("导入模板", "import template")
	}
	return k.Template(w)
}

// validateKindImport is validateImport for a registered kind: the same file
// reading, row storage and progress reporting, with the kind's checks. ctx is
// the creator's (callerContext), sys the system one.
func (s *Service) validateKindImport(ctx, sys context.Context, id int64, k importer.Kind, rr importer.RowReader, policy string) error {
	header := rr.Header()
	hdrJSON, _ := json.Marshal(header)
	checker, fileErrs, err := k.Begin(ctx, header, policy)
	if err != nil {
		return err
	}
	if len(fileErrs) > 0 {
		if _, err := s.db.Exec(sys, "INSERT INTO import_rows (import_id, line, action, cells, errors) VALUES (?, 1, ?, ?, ?)", id, actionReject, string(hdrJSON), storeErrors(fileErrs)); err != nil {
			return err
		}
		return s.failImport(sys, id, fileErrs[0].Message)
	}
	if _, err := s.db.Exec(sys, "INSERT INTO import_rows (import_id, line, action, cells) VALUES (?, 1, 'header', ?)", id, string(hdrJSON)); err != nil {
		return err
	}
	var args []any
	total, accepted, rejected, duplicates, progress := 0, 0, 0, 0, 0
	reported := time.Now()
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		err := s.db.WithTx(sys, func(tx context.Context) error {
			if err := s.insertMany(tx, "import_rows", []string{"import_id", "line", "action", "target_id", "cells", "data", "errors"}, "", bulkChunk, args); err != nil {
				return err
			}
			if time.Since(reported) < progressEvery {
				return nil
			}
			reported = time.Now()
			_, err := s.db.Exec(tx, "UPDATE imports SET total = ?, accepted = ?, rejected = ?, duplicates = ?, progress = ?, claimed_at = ?, updated_at = ? WHERE id = ?",
				total, accepted, rejected, duplicates, progress, s.now(), s.now(), id)
			return err
		})
		args = args[:0]
		return err
	}
	rows, stop := readAhead(rr)
	defer stop()
	for r := range rows {
		progress = r.progress
		if errors.Is(r.err, io.EOF) {
			break
		}
		if r.err != nil {
			return s.failImport(sys, id, readProblem(r.err, r.line))
		}
		total++
		out, err := checker.Check(ctx, r.line, r.cells)
		if err != nil {
			return err
		}
		if len(out.Errors) > 0 {
			out.Action = importer.ActionReject
		}
		switch out.Action {
		case importer.ActionInsert, importer.ActionUpdate:
			accepted++
		case importer.ActionReject:
			rejected++
		}
		if out.Duplicate {
			duplicates++
		}
		cj, _ := json.Marshal(r.cells)
		dj, _ := json.Marshal(out.Data)
		var target any
		if out.Target != 0 {
			target = out.Target
		}
		args = append(args, id, r.line, out.Action, target, string(cj), string(dj), storeErrors(out.Errors))
		if len(args) >= bulkChunk*7 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return s.finishValidation(sys, id, total, accepted, rejected, duplicates)
}

// applyKindRows hands a registered kind the rows to insert or update, in line
// order, inside the caller's transaction.
func (s *Service) applyKindRows(ctx context.Context, k importer.Kind, imp *Import) (int, int, error) {
	src := func(fn func(importer.StagedRow) error) error {
		const window = 1000
		var last int
		if err := s.db.Get(ctx, &last, "SELECT COALESCE(max(line), 0) FROM import_rows WHERE import_id = ?", imp.ID); err != nil {
			return err
		}
		for from := 2; from <= last; from += window {
			var rows []struct {
				Line   int    `db:"line"`
				Action string `db:"action"`
				Target *int64 `db:"target_id"`
				Data   string `db:"data"`
			}
			if err := s.db.Select(ctx, &rows, "SELECT line, action, target_id, data FROM import_rows WHERE import_id = ? AND line >= ? AND line < ? AND action IN ('insert', 'update') ORDER BY line",
				imp.ID, from, from+window); err != nil {
				return err
			}
			for _, r := range rows {
				if err := fn(importer.StagedRow{Line: r.Line, Action: r.Action, Target: r.Target, Data: json.RawMessage(r.Data)}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return k.Apply(ctx, imp.ID, src)
}
