package httpapi

import (
	"net/http"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/org"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	f := org.UserFilter{Q: q.Get("q"), OrgID: queryInt(r, "org_id", &v), Status: q.Get("status"), Limit: pg.Size, Offset: pg.offset()}
	switch f.Status {
	case "", org.StatusActive, org.StatusDisabled, org.StatusLocked:
	default:
		v.Add("status", "状态只能是 active、disabled 或 locked", "status must be active, disabled or locked")
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Orgs.ListUsers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := s.Orgs.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in org.UserInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.RoleIDs) > 0 && !p.Can("user.assign_roles") {
		return apperr.New(apperr.Forbidden, "没有权限：user.assign_roles", "permission denied: user.assign_roles")
	}
	u, err := s.Orgs.CreateUser(r.Context(), in, p.Permissions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in org.UserUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.Orgs.UpdateUser(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

type resetPasswordResponse struct {
	Password string `json:"password"`
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if r.ContentLength > 0 {
		var empty struct{}
		if err := decode(r, &empty); err != nil {
			return err
		}
	}
	pw, err := s.Orgs.ResetPassword(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resetPasswordResponse{Password: pw})
	return nil
}

type rolesRequest struct {
	RoleIDs *[]int64 `json:"role_ids"` // required: [] removes every role
}

func (s *Server) setUserRoles(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in rolesRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.RoleIDs == nil {
		return apperr.Field("role_ids", "必填（可为空数组）", "required (may be an empty array)")
	}
	u, err := s.Orgs.SetUserRoles(r.Context(), id, *in.RoleIDs, p.Permissions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
