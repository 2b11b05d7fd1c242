package httpapi

import (
	"net/http"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/org"
	"lingting/internal/perm"
)

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	roles, err := s.Orgs.ListRoles(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(roles, len(roles)))
	return nil
}

func (s *Server) getRole(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	role, err := s.Orgs.GetRole(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, role)
	return nil
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in org.RoleInput
	if err := decode(r, &in); err != nil {
		return err
	}
	role, err := s.Orgs.CreateRole(r.Context(), in, p.Permissions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, role)
	return nil
}

func (s *Server) updateRole(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in org.RoleUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	role, err := s.Orgs.UpdateRole(r.Context(), id, in, p.Permissions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, role)
	return nil
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Orgs.DeleteRole(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type permissionsResponse struct {
	Items  []perm.Def   `json:"items"`
	Groups []perm.Group `json:"groups"`
}

func (s *Server) listPermissions(w http.ResponseWriter, _ *http.Request, _ *auth.Principal) error {
	writeJSON(w, http.StatusOK, permissionsResponse{Items: s.Perms.All(), Groups: s.Perms.Groups()})
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	f := audit.Filter{
		ActorID: queryInt(r, "actor_id", &v), Entity: q.Get("entity"), EntityID: queryInt(r, "entity_id", &v),
		Action: q.Get("action"), From: queryTime(r, "from", &v), To: queryTime(r, "to", &v),
		Limit: pg.Size, Offset: pg.offset(),
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Audit.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}
