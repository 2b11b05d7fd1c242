package httpapi

import (
	"net/http"

	"lingting/internal/auth"
	"lingting/internal/dispatch"
)

func (s *Server) dispatchRoutes() {
	s.api("GET /api/v1/assignment-rules", "ticket.assign", s.listAssignmentRules)
	s.api("POST /api/v1/assignment-rules", "ticket.assign", s.saveAssignmentRule)
	s.api("PUT /api/v1/assignment-rules/{id}", "ticket.assign", s.saveAssignmentRule)
	s.api("DELETE /api/v1/assignment-rules/{id}", "ticket.assign", s.deleteAssignmentRule)
	s.api("POST /api/v1/tickets/{id}/auto-assign", "ticket.assign", s.autoAssign)
}

func (s *Server) listAssignmentRules(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Dispatch.Rules(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) saveAssignmentRule(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			return err
		}
	}
	var in dispatch.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	rule, err := s.Dispatch.Save(r.Context(), id, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, rule)
	return nil
}

func (s *Server) deleteAssignmentRule(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Dispatch.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) autoAssign(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	res, err := s.Dispatch.AutoAssign(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
