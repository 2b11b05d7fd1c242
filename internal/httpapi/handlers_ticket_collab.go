package httpapi

import (
	"net/http"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/ticket"
)

// Ticket types (工单类型管理), watchers (关注), @mention suggestions and sub-tasks (子任务).
func (s *Server) ticketCollabRoutes() {
	s.api("POST /api/v1/ticket-types", "ticket.type.manage", s.createTicketType)
	s.api("PUT /api/v1/ticket-types/{code}", "ticket.type.manage", s.updateTicketType)
	s.api("DELETE /api/v1/ticket-types/{code}", "ticket.type.manage", s.deleteTicketType)
	s.api("GET /api/v1/tickets/{id}/watchers", "ticket.read", s.ticketWatchers)
	s.api("PUT /api/v1/tickets/{id}/watch", "ticket.read", s.watchTicket(true))
	s.api("DELETE /api/v1/tickets/{id}/watch", "ticket.read", s.watchTicket(false))
	s.api("GET /api/v1/tickets/{id}/mentionable", "ticket.comment", s.mentionable)
	s.api("GET /api/v1/tickets/{id}/subtasks", "ticket.read", s.ticketSubtasks)
}

func (s *Server) createTicketType(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in ticket.TypeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.CreateType(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) updateTicketType(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in ticket.TypeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.UpdateType(r.Context(), r.PathValue("code"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteTicketType(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if err := s.Tickets.DeleteType(r.Context(), r.PathValue("code")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) ticketWatchers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	out, err := s.Tickets.Watchers(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) watchTicket(watching bool) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		out, err := s.Tickets.Watch(r.Context(), id, watching)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) mentionable(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	limit := int(queryInt(r, "limit", &v))
	if err := v.Err(); err != nil {
		return err
	}
	items, err := s.Tickets.Mentionable(r.Context(), id, r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) ticketSubtasks(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.Tickets.Subtasks(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ticketList{Items: items, Total: len(items), TotalExact: true})
	return nil
}

// customFilter reads custom.<key>=value list parameters (equality on a custom field).
func customFilter(r *http.Request, v *apperr.Validation) map[string]string {
	var out map[string]string
	for name, vals := range r.URL.Query() {
		key, ok := strings.CutPrefix(name, "custom.")
		if !ok {
			continue
		}
		if !ticket.ValidFieldKey(key) || len(vals) != 1 {
			v.Add(name, "自定义字段筛选须为 custom.<字段标识>=值", "a custom filter is custom.<key>=value")
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[key] = vals[0]
	}
	return out
}
