// Package kb is the knowledge base: fault categories (故障分类, a tree) with
// their solutions for agents, and FAQ articles that may be public.
package kb

import (
	"context"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/store"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "kb.read", Group: "kb", LabelZH: "查看知识库", LabelEN: "Read the knowledge base"},
	{Code: "kb.update", Group: "kb", LabelZH: "维护知识库", LabelEN: "Maintain the knowledge base"},
}

// Category is a fault category; Children holds sub-categories in a tree answer.
type Category struct {
	ID        int64       `db:"id" json:"id"`
	ParentID  *int64      `db:"parent_id" json:"parent_id"`
	Name      string      `db:"name" json:"name"`
	Sort      int         `db:"sort" json:"sort"`
	CreatedAt time.Time   `db:"created_at" json:"created_at"`
	Children  []*Category `db:"-" json:"children"`
}

// CategoryInput creates or renames a category.
type CategoryInput struct {
	ParentID *int64 `json:"parent_id"`
	Name     string `json:"name"`
	Sort     int    `json:"sort"`
}

// Article is a solution or an FAQ entry.
type Article struct {
	ID         int64     `db:"id" json:"id"`
	CategoryID *int64    `db:"category_id" json:"category_id"`
	Kind       string    `db:"kind" json:"kind"` // solution | faq
	Title      string    `db:"title" json:"title"`
	Body       string    `db:"body" json:"body"`
	Public     bool      `db:"public" json:"public"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
}

// ArticleInput creates or replaces an article.
type ArticleInput struct {
	CategoryID *int64 `json:"category_id"`
	Kind       string `json:"kind"`
	Title      string `json:"title"`
	Body       string `json:"body"`
	Public     bool   `json:"public"`
}

// Service keeps the knowledge base (shared by every org, so not scoped).
type Service struct {
	db    *store.DB
	audit *audit.Log
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log) *Service { return &Service{db: db, audit: log} }

// Tree returns every category as a tree.
func (s *Service) Tree(ctx context.Context) ([]*Category, error) {
	var all []*Category
	if err := s.db.Select(ctx, &all, "SELECT id, parent_id, name, sort, created_at FROM kb_categories ORDER BY sort, id"); err != nil {
		return nil, err
	}
	byID := map[int64]*Category{}
	for _, c := range all {
		c.Children = []*Category{}
		byID[c.ID] = c
	}
	roots := []*Category{}
	for _, c := range all {
		if c.ParentID != nil && byID[*c.ParentID] != nil {
			byID[*c.ParentID].Children = append(byID[*c.ParentID].Children, c)
		} else {
			roots = append(roots, c)
		}
	}
	return roots, nil
}

// Category returns one category.
func (s *Service) Category(ctx context.Context, id int64) (*Category, error) {
	var c Category
	err := s.db.Get(ctx, &c, "SELECT id, parent_id, name, sort, created_at FROM kb_categories WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("故障分类", "fault category")
	}
	c.Children = []*Category{}
	return &c, err
}

// CreateCategory adds a category under an optional parent.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (*Category, error) {
	in.Name = strings.TrimSpace(in.Name)
	var v apperr.Validation
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 64 {
		v.Add("name", "名称不能超过 64 字", "name must be at most 64 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Category
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if in.ParentID != nil {
			if _, err := s.Category(ctx, *in.ParentID); err != nil {
				return apperr.Field("parent_id", "上级分类不存在", "parent category not found")
			}
		}
		id, err := s.db.InsertID(ctx, "INSERT INTO kb_categories (parent_id, name, sort, created_at) VALUES (?, ?, ?, ?) RETURNING id", in.ParentID, in.Name, in.Sort, store.Now())
		if err != nil {
			return err
		}
		if out, err = s.Category(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "kb_category", EntityID: id, Summary: "新增故障分类 " + in.Name, After: out})
	})
	return out, err
}

// ArticleFilter narrows the article list.
type ArticleFilter struct {
	CategoryID int64 // this category and its children
	Kind       string
	Q          string
	PublicOnly bool
	Limit      int
	Offset     int
}

// Articles lists articles, newest first.
func (s *Service) Articles(ctx context.Context, f ArticleFilter) ([]Article, int, error) {
	w := " WHERE 1=1"
	var args []any
	if f.CategoryID != 0 {
		w += " AND (category_id = ? OR category_id IN (SELECT id FROM kb_categories WHERE parent_id = ?))"
		args = append(args, f.CategoryID, f.CategoryID)
	}
	if f.Kind != "" {
		w += " AND kind = ?"
		args = append(args, f.Kind)
	}
	if f.PublicOnly {
		w += " AND public = ?"
		args = append(args, true)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w += " AND (title LIKE ? OR body LIKE ?)"
		args = append(args, "%"+q+"%", "%"+q+"%")
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM kb_articles"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Article{}
	err := s.db.Select(ctx, &out, "SELECT id, category_id, kind, title, body, public, created_at, updated_at FROM kb_articles"+w+" ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// Article returns one article.
func (s *Service) Article(ctx context.Context, id int64) (*Article, error) {
	var a Article
	err := s.db.Get(ctx, &a, "SELECT id, category_id, kind, title, body, public, created_at, updated_at FROM kb_articles WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("知识条目", "article")
	}
	return &a, err
}

func (in *ArticleInput) validate() error {
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if in.Kind == "" {
		in.Kind = "solution"
	}
	var v apperr.Validation
	v.Required("title", in.Title)
	v.Required("body", in.Body)
	if in.Kind != "solution" && in.Kind != "faq" {
		v.Add("kind", "类型只能是 solution 或 faq", "kind must be solution or faq")
	}
	if len([]rune(in.Body)) > 20000 {
		v.Add("body", "正文不能超过 20000 字", "body must be at most 20000 characters")
	}
	return v.Err()
}

// SaveArticle creates (id 0) or replaces an article.
func (s *Service) SaveArticle(ctx context.Context, id int64, in ArticleInput) (*Article, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Article
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if in.CategoryID != nil {
			if _, err := s.Category(ctx, *in.CategoryID); err != nil {
				return apperr.Field("category_id", "故障分类不存在", "category not found")
			}
		}
		now := store.Now()
		var before *Article
		var err error
		if id == 0 {
			actor := audit.ActorFrom(ctx).UserID
			var by any
			if actor != 0 {
				by = actor
			}
			id, err = s.db.InsertID(ctx, "INSERT INTO kb_articles (category_id, kind, title, body, public, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				in.CategoryID, in.Kind, in.Title, in.Body, in.Public, by, now, now)
		} else {
			if before, err = s.Article(ctx, id); err != nil {
				return err
			}
			_, err = s.db.Exec(ctx, "UPDATE kb_articles SET category_id = ?, kind = ?, title = ?, body = ?, public = ?, updated_at = ? WHERE id = ?", in.CategoryID, in.Kind, in.Title, in.Body, in.Public, now, id)
		}
		if err != nil {
			return err
		}
		if out, err = s.Article(ctx, id); err != nil {
			return err
		}
		e := audit.Entry{Action: "create", Entity: "kb_article", EntityID: id, Summary: "知识条目 " + in.Title, After: out}
		if before != nil {
			e.Action, e.Before = "update", before
		}
		return s.audit.Record(ctx, e)
	})
	return out, err
}
