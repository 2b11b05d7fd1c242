package httpapi

import (
	"errors"
	"net/http"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/ticket"
	"lingting/internal/view"
)

func (s *Server) bulkAndViewRoutes() {
	s.api("POST /api/v1/tickets/bulk", authed, s.bulkTickets)
	s.api("GET /api/v1/saved-views", authed, s.listViews)
	s.api("POST /api/v1/saved-views", authed, s.saveView)
	s.api("DELETE /api/v1/saved-views/{id}", authed, s.deleteView)
}

// maxBulk bounds one bulk request; the board selects at most a page.
const maxBulk = 200

type bulkInput struct {
	IDs    []int64 `json:"ids"`
	Action string  `json:"action"` // assign or transition
	UserID *int64  `json:"user_id"`
	OrgID  *int64  `json:"org_id"`
	To     string  `json:"to"`
	Reason string  `json:"reason"`
	Note   string  `json:"note"`
}

type bulkResult struct {
	ID     int64          `json:"id"`
	OK     bool           `json:"ok"`
	Status string         `json:"status,omitempty"`
	Error  *bulkItemError `json:"error,omitempty"`
}

type bulkItemError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// bulkTickets assigns or transitions several tickets. Each ticket is its own
// transaction under the same rules as one at a time: the answer says, per
// ticket, whether it changed and why not (a stale or illegal one does not
// stop the rest).
func (s *Server) bulkTickets(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in bulkInput
	if err := decode(r, &in); err != nil {
		return err
	}
	var v apperr.Validation
	if len(in.IDs) == 0 || len(in.IDs) > maxBulk {
		v.Add("ids", "请选择 1 到 200 张工单", "select 1 to 200 tickets")
	}
	seen := map[int64]bool{}
	for _, id := range in.IDs {
		if seen[id] {
			v.Add("ids", "工单重复", "a ticket is listed twice")
			break
		}
		seen[id] = true
	}
	need := ""
	switch in.Action {
	case "assign":
		need = "ticket.assign"
	case "transition":
		need = "ticket.update"
		v.Required("to", in.To)
	default:
		v.Add("action", "操作只能是 assign 或 transition", "action must be assign or transition")
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !p.Can(need) {
		return apperr.New(apperr.Forbidden, "没有权限："+need, "permission denied: "+need)
	}
	out := struct {
		Results   []bulkResult `json:"results"`
		Succeeded int          `json:"succeeded"`
		Failed    int          `json:"failed"`
	}{Results: []bulkResult{}}
	l := lang(r)
	for _, id := range in.IDs {
		var t *ticket.Ticket
		var err error
		if in.Action == "assign" {
			t, err = s.Tickets.Assign(r.Context(), id, ticket.AssignInput{UserID: in.UserID, OrgID: in.OrgID})
		} else {
			t, err = s.Tickets.Transition(r.Context(), id, ticket.TransitionInput{To: in.To, Reason: in.Reason, Note: in.Note})
		}
		res := bulkResult{ID: id, OK: err == nil}
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) {
				return err // a database failure is not a per-ticket answer
			}
			msg := ae.Message.In(l)
			for field, m := range ae.Fields {
				msg += "；" + field + "：" + m.In(l)
			}
			res.Error = &bulkItemError{Code: ae.Code, Message: msg}
			out.Failed++
		} else {
			res.Status = t.Status
			out.Succeeded++
		}
		out.Results = append(out.Results, res)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listViews(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	items, err := s.Views.List(r.Context(), p.User.ID, r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) saveView(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in view.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := s.Views.Save(r.Context(), p.User.ID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) deleteView(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Views.Delete(r.Context(), p.User.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
