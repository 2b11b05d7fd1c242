package customer

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/importer"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Import statuses (API.md).
const (
	ImportValidating    = "validating"
	ImportReady         = "ready"
	ImportPendingReview = "pending_review"
	ImportApplied       = "applied"
	ImportRejected      = "rejected"
	ImportFailed        = "failed"
)

// MaxImportBytes bounds an uploaded file.
const MaxImportBytes = 50 << 20

// Import is one uploaded file and its validation report.
type Import struct {
	ID              int64         `db:"id" json:"id"`
	Kind            string        `db:"kind" json:"kind"`
	Filename        string        `db:"filename" json:"filename"`
	Status          string        `db:"status" json:"status"`
	DuplicatePolicy string        `db:"duplicate_policy" json:"duplicate_policy"`
	NeedsReview     bool          `db:"needs_review" json:"needs_review"`
	OrgID           int64         `db:"org_id" json:"org_id"`
	CreatedBy       int64         `db:"created_by" json:"created_by"`
	CreatedByName   string        `db:"created_by_name" json:"created_by_name"`
	ReviewedByName  *string       `db:"reviewed_by_name" json:"reviewed_by_name"`
	ReviewNote      string        `db:"review_note" json:"review_note"`
	Progress        int           `db:"progress" json:"progress"`
	Total           int           `db:"total" json:"total"`
	Accepted        int           `db:"accepted" json:"accepted"`
	Rejected        int           `db:"rejected" json:"rejected"`
	Duplicates      int           `db:"duplicates" json:"duplicates"`
	Failure         string        `db:"failure" json:"failure"`
	CreatedAt       time.Time     `db:"created_at" json:"created_at"`
	UpdatedAt       time.Time     `db:"updated_at" json:"updated_at"`
	AppliedAt       *time.Time    `db:"applied_at" json:"applied_at"`
	Errors          []ImportError `db:"-" json:"errors"`
}

// ImportError is one problem of one row.
type ImportError struct {
	Row     int        `json:"row"`
	Field   string     `json:"field"`
	Value   string     `json:"value"`
	Message apperr.Msg `json:"-"`
	Text    string     `json:"message"`
}

const importSelect = `SELECT i.id, i.kind, i.filename, i.status, i.duplicate_policy, i.needs_review, i.org_id, i.created_by,
       u.name AS created_by_name, r.name AS reviewed_by_name, i.review_note, i.progress, i.total, i.accepted, i.rejected,
       i.duplicates, i.failure, i.created_at, i.updated_at, i.applied_at
FROM imports i JOIN users u ON u.id = i.created_by LEFT JOIN users r ON r.id = i.reviewed_by`

var policies = map[string]bool{"skip": true, "update": true, "reject": true}

// StartImport stores an uploaded file (customers or a registered kind) for validation in the background.
// Importers without import.approve need the service centre's review.
func (s *Service) StartImport(ctx context.Context, kind, filename, policy string, content []byte) (*Import, error) {
	var v apperr.Validation
	if err := s.checkKind(ctx, kind, &v); err != nil {
		return nil, err
	}
	if policy == "" {
		policy = "skip"
	}
	if !policies[policy] {
		v.Add("duplicate_policy", "重复处理方式只能是 skip、update 或 reject", "duplicate_policy must be skip, update or reject")
	}
	if len(content) == 0 {
		v.Add("file", "文件为空", "the file is empty")
	}
	if len(content) > MaxImportBytes {
		v.Add("file", "文件不能超过 50 MB", "the file must be at most 50 MB")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	actor := audit.ActorFrom(ctx)
	caller, err := s.orgs.UserByID(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	needsReview := !perm.From(ctx).Has("import.approve")
	var imp *Import
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		now := s.now()
		id, err := s.db.InsertID(ctx, "INSERT INTO imports (kind, filename, content, status, duplicate_policy, needs_review, org_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			kind, truncateRunes(filename, 200), content, ImportValidating, policy, needsReview, caller.OrgID, caller.ID, now, now)
		if err != nil {
			return err
		}
		if imp, err = s.importByID(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "upload", Entity: "import", EntityID: id, OrgID: caller.OrgID, Summary: "上传导入文件 " + imp.Filename})
	})
	return imp, err
}

func (s *Service) importByID(ctx context.Context, id int64) (*Import, error) {
	var imp Import
	err := s.db.Get(ctx, &imp, importSelect+" WHERE i.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("导入任务", "import")
	}
	imp.Errors = []ImportError{}
	return &imp, err
}

// importScope: importers see their own imports; reviewers (import.approve) see
// every import filed from an org in their scope.
func (s *Service) visibleImport(ctx context.Context, id int64) (*Import, error) {
	imp, err := s.importByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if imp.CreatedBy == audit.ActorFrom(ctx).UserID {
		return imp, nil
	}
	if perm.From(ctx).Has("import.approve") {
		if o, err := s.orgs.GetOrg(ctx, imp.OrgID); err == nil && o != nil {
			return imp, nil
		}
	}
	return nil, apperr.NotFoundf("导入任务", "import")
}

// GetImport returns an import with its first 1,000 row errors.
func (s *Service) GetImport(ctx context.Context, id int64) (*Import, error) {
	imp, err := s.visibleImport(ctx, id)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		Line   int    `db:"line"`
		Errors string `db:"errors"`
	}
	if err := s.db.Select(ctx, &rows, "SELECT line, errors FROM import_rows WHERE import_id = ? AND errors <> '[]' ORDER BY line LIMIT 1000", id); err != nil {
		return nil, err
	}
	for _, r := range rows {
		var errs []storedRowError
		_ = json.Unmarshal([]byte(r.Errors), &errs)
		for _, e := range errs {
			imp.Errors = append(imp.Errors, ImportError{Row: r.Line, Field: e.Column, Value: e.Value, Message: apperr.Msg{ZH: e.ZH, EN: e.EN}})
		}
	}
	return imp, nil
}

// ListImports lists the caller's imports, or with import.approve those filed in scope.
func (s *Service) ListImports(ctx context.Context, status string, limit, offset int) ([]Import, int, error) {
	w := " WHERE 1=1"
	var args []any
	if perm.From(ctx).Has("import.approve") {
		pred, a := scope.From(ctx).Where(scope.Columns{Org: "i.org_id", Self: "i.created_by"})
		w += " AND " + pred
		args = append(args, a...)
	} else {
		w += " AND i.created_by = ?"
		args = append(args, audit.ActorFrom(ctx).UserID)
	}
	if status != "" {
		w += " AND i.status = ?"
		args = append(args, status)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM imports i"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Import{}
	if err := s.db.Select(ctx, &out, importSelect+w+" ORDER BY i.id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		out[i].Errors = []ImportError{}
	}
	return out, total, nil
}

type storedRowError struct {
	Column string `json:"column"`
	Value  string `json:"value"`
	ZH     string `json:"zh"`
	EN     string `json:"en"`
}

func storeErrors(errs []importer.RowError) string {
	out := make([]storedRowError, len(errs))
	for i, e := range errs {
		out[i] = storedRowError{Column: e.Column, Value: e.Value, ZH: e.Message.ZH, EN: e.Message.EN}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// RejectedReport writes the rejected rows of an import as .xlsx with a reason column.
func (s *Service) RejectedReport(ctx context.Context, id int64, w io.Writer) error {
	if _, err := s.visibleImport(ctx, id); err != nil {
		return err
	}
	var header string
	if err := s.db.Get(ctx, &header, "SELECT cells FROM import_rows WHERE import_id = ? AND line = 1", id); err != nil && !store.IsNoRows(err) {
		return err
	}
	var hdr []string
	_ = json.Unmarshal([]byte(header), &hdr)
	var rows []struct {
		Line   int    `db:"line"`
		Cells  string `db:"cells"`
		Errors string `db:"errors"`
	}
	// Rejected rows always carry their reasons: errors <> '[]' lets the partial
	// index import_rows_errors serve the query.
	if err := s.db.Select(ctx, &rows, "SELECT line, cells, errors FROM import_rows WHERE import_id = ? AND errors <> '[]' AND action = 'reject' AND line > 1 ORDER BY line", id); err != nil {
		return err
	}
	out := make([]importer.RejectedRow, 0, len(rows))
	for _, r := range rows {
		var cells []string
		var errs []storedRowError
		_ = json.Unmarshal([]byte(r.Cells), &cells)
		_ = json.Unmarshal([]byte(r.Errors), &errs)
		rr := importer.RejectedRow{Line: r.Line, Cells: cells}
		for _, e := range errs {
			rr.Errors = append(rr.Errors, importer.RowError{Line: r.Line, Column: e.Column, Value: e.Value, Message: apperr.Msg{ZH: e.ZH, EN: e.EN}})
		}
		out = append(out, rr)
	}
	return importer.WriteRejectedReport(w, hdr, out)
}

// callerContext rebuilds the scope and permissions of an import's creator, so
// background validation sees exactly what the creator may see.
func (s *Service) callerContext(ctx context.Context, userID int64) (context.Context, *org.User, error) {
	u, err := s.orgs.UserByID(scope.With(ctx, scope.System()), userID)
	if err != nil {
		return nil, nil, err
	}
	perms, sc, err := s.orgs.Access(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	ctx = scope.With(ctx, sc)
	ctx = perm.With(ctx, perms)
	return audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Name}), u, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
