package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/org"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	User      *org.User `json:"user"`
	CSRFToken string    `json:"csrf_token"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	ip := s.clientIP(r)
	if !s.limiter.allow(ip, time.Now()) {
		return apperr.New(apperr.RateLimited, "登录尝试过于频繁，请稍后再试", "too many login attempts; try again later")
	}
	var in loginRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	var v apperr.Validation
	v.Required("login", in.Login)
	v.Required("password", in.Password)
	if err := v.Err(); err != nil {
		return err
	}
	res, err := s.Auth.Login(r.Context(), in.Login, in.Password, ip, r.UserAgent())
	if err != nil {
		return err
	}
	setSessionCookie(w, res.SessionToken, s.SecureCookies, auth.SessionTTL)
	writeJSON(w, http.StatusOK, loginResponse{User: res.Principal.User, CSRFToken: res.Principal.CSRFToken})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if p.SessionID != "" {
		if err := s.Auth.Logout(r.Context(), p.SessionID); err != nil {
			return err
		}
	}
	clearSessionCookie(w, s.SecureCookies)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type scopeView struct {
	Mode   string  `json:"mode"`
	Axis   string  `json:"axis"`
	OrgIDs []int64 `json:"org_ids"`
}

type meResponse struct {
	User        *org.User `json:"user"`
	Permissions []string  `json:"permissions"`
	Scope       scopeView `json:"scope"`
	CSRFToken   string    `json:"csrf_token,omitempty"`
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	mode := string(p.Scope.Mode())
	if mode == "" {
		mode = "none"
	}
	sv := scopeView{Mode: mode, Axis: string(p.Scope.Axis), OrgIDs: append([]int64{}, p.Scope.OrgIDs...)}
	if len(p.Scope.Roots) > 0 {
		sv.OrgIDs = append(sv.OrgIDs, rootIDs(p.Scope.Roots)...)
	}
	writeJSON(w, http.StatusOK, meResponse{User: p.User, Permissions: p.Permissions.Sorted(), Scope: sv, CSRFToken: p.CSRFToken})
	return nil
}

// rootIDs reads the last id of each materialised path ("/1/4/" → 4).
func rootIDs(paths []string) []int64 {
	var out []int64
	for _, p := range paths {
		segs := strings.Split(strings.Trim(p, "/"), "/")
		if id, err := strconv.ParseInt(segs[len(segs)-1], 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in passwordRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := s.Auth.ChangePassword(r.Context(), p, in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	items, err := s.Auth.ListTokens(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in auth.TokenInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Auth.CreateToken(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Auth.RevokeToken(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
