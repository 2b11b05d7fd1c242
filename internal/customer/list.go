package customer

import (
	"context"
	"strings"

	"lingting/internal/scope"
	"lingting/internal/store"
)

// Filter narrows the customer list; the same filter drives exports.
type Filter struct {
	Q         string
	Grade     string
	OrgID     int64 // this org and its subtree
	Tag       string
	ManagerID int64
	Status    string
	Kind      string
	Custom    map[string]string // custom field code → value (text equality, or option membership)
	Sort      string            // -updated_at (default), updated_at, name, -name, created_at, -created_at
	Limit     int
	Offset    int
}

var sorts = map[string]string{
	"": "c.updated_at DESC, c.id DESC", "-updated_at": "c.updated_at DESC, c.id DESC", "updated_at": "c.updated_at, c.id",
	"name": "c.name, c.id", "-name": "c.name DESC, c.id DESC", "created_at": "c.id", "-created_at": "c.id DESC",
}

// ValidSort reports whether a sort key is known.
func ValidSort(s string) bool { _, ok := sorts[s]; return ok }

// where renders the filter and the caller's scope and clearance as SQL.
func (s *Service) where(ctx context.Context, f Filter) (string, []any) {
	pred, args := scope.From(ctx).Where(scopeCols)
	w := " WHERE c.deleted_at IS NULL AND c.confidentiality <= ? AND " + pred
	args = append([]any{s.clearance(ctx)}, args...)
	if f.Grade != "" {
		w += " AND c.grade = ?"
		args = append(args, f.Grade)
	}
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("c.org_id")
		args = append(args, f.OrgID)
	}
	if f.Tag != "" {
		w += " AND c.id IN (SELECT customer_id FROM customer_tags WHERE tag = ?)"
		args = append(args, f.Tag)
	}
	if f.ManagerID != 0 {
		w += " AND c.manager_id = ?"
		args = append(args, f.ManagerID)
	}
	if f.Status != "" {
		w += " AND c.status = ?"
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		w += " AND c.kind = ?"
		args = append(args, f.Kind)
	}
	for code, val := range f.Custom {
		// Custom values live in a JSON text column; a quoted match is portable and exact enough
		// for filtering by a chosen value (codes are validated identifiers).
		w += " AND (c.custom LIKE ? OR c.custom LIKE ?)"
		args = append(args, `%"`+code+`":"`+escapeLike(val)+`"%`, `%"`+code+`":[%"`+escapeLike(val)+`"%]%`)
	}
	if q := parseQuery(f.Q); len(q.terms) > 0 || q.digits != "" {
		var ors []string
		if expr := s.matchExpr(q); expr != "" {
			if s.db.Dialect == store.Postgres {
				ors = append(ors, "c.id IN (SELECT customer_id FROM customer_search WHERE doc @@ ?::tsquery)")
			} else {
				ors = append(ors, "c.id IN (SELECT rowid FROM customer_search WHERE customer_search MATCH ?)")
			}
			args = append(args, expr)
		}
		if q.digits != "" {
			ors = append(ors, "c.id IN (SELECT customer_id FROM customer_phones WHERE number_rev LIKE ?)")
			args = append(args, reverse(q.digits)+"%")
		}
		if id := strings.ToUpper(strings.TrimSpace(f.Q)); len(id) == 15 || len(id) == 18 {
			ors = append(ors, "c.id_number = ?")
			args = append(args, id)
		}
		if strings.HasPrefix(strings.ToUpper(f.Q), "KH") {
			ors = append(ors, "c.code = ?")
			args = append(args, strings.ToUpper(strings.TrimSpace(f.Q)))
		}
		w += " AND (" + strings.Join(ors, " OR ") + ")"
	}
	return w, args
}

// matchExpr builds the full-text expression: every term of a Chinese query, or
// for ASCII input a prefix of the pinyin initials or of a word.
func (s *Service) matchExpr(q query) string {
	pg := s.db.Dialect == store.Postgres
	quote := func(t string, prefix bool) string {
		if pg {
			if prefix {
				return "'" + t + "':*"
			}
			return "'" + t + "'"
		}
		if prefix {
			return `"` + t + `"*`
		}
		return `"` + t + `"`
	}
	if q.prefix != "" {
		if pg {
			return quote("py"+q.prefix, true) + " | " + quote(q.prefix, true)
		}
		return quote("py"+q.prefix, true) + " OR " + quote(q.prefix, true)
	}
	parts := make([]string, 0, len(q.terms))
	for _, t := range q.terms {
		parts = append(parts, quote(t, !isCJK(t)))
	}
	if pg {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " AND ")
}

func isCJK(t string) bool {
	for _, r := range t {
		return r > 0x2E80
	}
	return false
}

func escapeLike(s string) string {
	return strings.NewReplacer(`"`, ``, `%`, ``, `_`, ``, `\`, ``).Replace(s)
}

// List returns a page of visible customers (masked) and the total.
func (s *Service) List(ctx context.Context, f Filter) ([]*Customer, int, error) {
	w, args := s.where(ctx, f)
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM customers c"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []*Customer{}
	if err := s.db.Select(ctx, &out, s.q.Get("select")+w+" ORDER BY "+sorts[f.Sort]+" LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	if err := s.fillChildren(ctx, out); err != nil {
		return nil, 0, err
	}
	for _, c := range out {
		c.mask()
	}
	return out, total, nil
}

// Each streams every visible customer matching f, in id order and in batches,
// unmasked; fn decides what to show. It never holds the whole result in memory.
func (s *Service) Each(ctx context.Context, f Filter, fn func(*Customer) error) error {
	w, args := s.where(ctx, f)
	var after int64
	const batch = 1000
	for {
		var page []*Customer
		if err := s.db.Select(ctx, &page, s.q.Get("select")+w+" AND c.id > ? ORDER BY c.id LIMIT ?", append(append([]any{}, args...), after, batch)...); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := s.fillChildren(ctx, page); err != nil {
			return err
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
		if len(page) < batch {
			return nil
		}
	}
}
