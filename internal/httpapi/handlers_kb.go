package httpapi

import (
	"net/http"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/kb"
)

func (s *Server) kbRoutes() {
	s.api("GET /api/v1/kb/categories", "kb.read", s.kbTree)
	s.api("POST /api/v1/kb/categories", "kb.update", s.kbCreateCategory)
	s.api("GET /api/v1/kb/articles", "kb.read", s.kbArticles)
	s.api("POST /api/v1/kb/articles", "kb.update", s.kbSaveArticle)
	s.api("GET /api/v1/kb/articles/{id}", "kb.read", s.kbArticle)
	s.api("PUT /api/v1/kb/articles/{id}", "kb.update", s.kbSaveArticle)
}

func (s *Server) kbTree(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	roots, err := s.KB.Tree(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(roots, len(roots)))
	return nil
}

func (s *Server) kbCreateCategory(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in kb.CategoryInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.KB.CreateCategory(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) kbArticles(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	f := kb.ArticleFilter{CategoryID: queryInt(r, "category_id", &v), Kind: q.Get("kind"), Q: q.Get("q"), PublicOnly: q.Get("public") == "true", Limit: pg.Size, Offset: pg.offset()}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.KB.Articles(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) kbArticle(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.KB.Article(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) kbSaveArticle(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return err
		}
	}
	var in kb.ArticleInput
	if err := decode(r, &in); err != nil {
		return err
	}
	a, err := s.KB.SaveArticle(r.Context(), id, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, a)
	return nil
}
