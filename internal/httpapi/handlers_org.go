package httpapi

import (
	"net/http"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/org"
)

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q := r.URL.Query()
	if q.Get("format") == "tree" {
		roots, err := s.Orgs.Tree(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, list(roots, len(roots)))
		return nil
	}
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	f := org.OrgFilter{Q: q.Get("q"), Kind: org.Kind(q.Get("kind")), Limit: pg.Size, Offset: pg.offset()}
	if f.Kind != "" && !f.Kind.Valid() {
		return apperr.Field("kind", "机构类型无效", "unknown org kind")
	}
	items, total, err := s.Orgs.ListOrgs(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) getOrg(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := s.Orgs.GetOrg(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in org.OrgInput
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := s.Orgs.CreateOrg(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, o)
	return nil
}

func (s *Server) updateOrg(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in org.OrgUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	o, err := s.Orgs.UpdateOrg(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

type moveRequest struct {
	ParentID int64 `json:"parent_id"`
}

func (s *Server) moveOrg(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in moveRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.ParentID == 0 {
		return apperr.Field("parent_id", "必填", "required")
	}
	o, err := s.Orgs.MoveOrg(r.Context(), id, in.ParentID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

func (s *Server) deleteOrg(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Orgs.DeleteOrg(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
