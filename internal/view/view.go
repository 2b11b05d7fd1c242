// Package view keeps saved views: a user's named list filters (e.g. 我的超时工单),
// stored as the list's query string so the list page restores them as they were.
package view

import (
	"context"
	"net/url"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/store"
)

// Kinds of list a view can belong to.
var kinds = map[string]bool{"tickets": true, "customers": true, "assets": true, "ratings": true}

// View is one saved filter.
type View struct {
	ID        int64     `db:"id" json:"id"`
	Kind      string    `db:"kind" json:"kind"`
	Name      string    `db:"name" json:"name"`
	Query     string    `db:"query" json:"query"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Input saves a view.
type Input struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Query string `json:"query"`
}

// Service keeps saved views; every view belongs to one user.
type Service struct{ db *store.DB }

// NewService wires the service.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// MaxPerUser bounds how many views one user keeps.
const MaxPerUser = 50

// List returns a user's views of one kind.
func (s *Service) List(ctx context.Context, userID int64, kind string) ([]View, error) {
	out := []View{}
	q, args := "SELECT id, kind, name, query, created_at FROM saved_views WHERE user_id = ?", []any{userID}
	if kind != "" {
		q += " AND kind = ?"
		args = append(args, kind)
	}
	return out, s.db.Select(ctx, &out, q+" ORDER BY name, id", args...)
}

// Save adds or replaces (same kind and name) a user's view.
func (s *Service) Save(ctx context.Context, userID int64, in Input) (*View, error) {
	var v apperr.Validation
	in.Name, in.Query = strings.TrimSpace(in.Name), strings.TrimPrefix(strings.TrimSpace(in.Query), "?")
	if !kinds[in.Kind] {
		v.Add("kind", "类型只能是 tickets、customers、assets 或 ratings", "kind must be tickets, customers, assets or ratings")
	}
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 40 {
		v.Add("name", "名称不能超过 40 字", "name must be at most 40 characters")
	}
	if len(in.Query) > 2000 {
		v.Add("query", "筛选条件过长", "the query is too long")
	} else if _, err := url.ParseQuery(in.Query); err != nil {
		v.Add("query", "筛选条件须为 URL 查询字符串，如 status=assigned&priority=high", "the query must be a URL query string such as status=assigned&priority=high")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out View
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM saved_views WHERE user_id = ?", userID); err != nil {
			return err
		}
		res, err := s.db.Exec(ctx, "UPDATE saved_views SET query = ? WHERE user_id = ? AND kind = ? AND name = ?", in.Query, userID, in.Kind, in.Name)
		if err != nil {
			return err
		}
		if changed, _ := res.RowsAffected(); changed == 0 {
			if n >= MaxPerUser {
				return apperr.New(apperr.Conflict, "每人最多保存 50 个视图", "at most 50 saved views per user")
			}
			if _, err := s.db.Exec(ctx, "INSERT INTO saved_views (user_id, kind, name, query, created_at) VALUES (?, ?, ?, ?, ?)", userID, in.Kind, in.Name, in.Query, store.Now()); err != nil {
				return err
			}
		}
		return s.db.Get(ctx, &out, "SELECT id, kind, name, query, created_at FROM saved_views WHERE user_id = ? AND kind = ? AND name = ?", userID, in.Kind, in.Name)
	})
	return &out, err
}

// Delete removes one of the user's views; others' views answer not_found.
func (s *Service) Delete(ctx context.Context, userID, id int64) error {
	res, err := s.db.Exec(ctx, "DELETE FROM saved_views WHERE id = ? AND user_id = ?", id, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("视图", "view")
	}
	return nil
}
