package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/asset"
	"lingting/internal/auth"
	"lingting/internal/ticket"
)

func (s *Server) ticketRoutes() {
	s.api("GET /api/v1/ticket-types", "ticket.read", s.listTicketTypes)
	s.api("GET /api/v1/tickets", "ticket.read", s.listTickets)
	s.api("POST /api/v1/tickets", "ticket.create", s.createTicket)
	s.api("GET /api/v1/tickets/{id}", "ticket.read", s.getTicket)
	s.api("PATCH /api/v1/tickets/{id}", "ticket.update", s.updateTicket)
	s.api("POST /api/v1/tickets/{id}/transitions", "ticket.update", s.transitionTicket)
	s.api("POST /api/v1/tickets/{id}/assign", "ticket.assign", s.assignTicket)
	s.api("GET /api/v1/tickets/{id}/events", "ticket.read", s.ticketTimeline)
	s.api("POST /api/v1/tickets/{id}/events", "ticket.update", s.recordTicketEvent)
	s.api("GET /api/v1/tickets/{id}/comments", "ticket.read", s.listTicketComments)
	s.api("POST /api/v1/tickets/{id}/comments", "ticket.comment", s.addTicketComment)
	s.api("GET /api/v1/assets", "asset.read", s.listAssets)
	s.api("POST /api/v1/assets", "asset.create", s.createAsset)
	s.api("GET /api/v1/assets/{id}", "asset.read", s.getAsset)
	s.ticketCollabRoutes()
}

func (s *Server) listTicketTypes(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Tickets.Types(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

type ticketList struct {
	Items      []*ticket.Ticket `json:"items"`
	Total      int              `json:"total"`
	TotalExact bool             `json:"total_exact"`
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	f := ticket.Filter{Status: q.Get("status"), Type: q.Get("type"), Priority: q.Get("priority"), Q: q.Get("q"),
		AssigneeID: queryInt(r, "assignee_id", &v), StationID: queryInt(r, "station_id", &v), OrgID: queryInt(r, "org_id", &v),
		VendorOrgID: queryInt(r, "vendor_org_id", &v), AssetID: queryInt(r, "asset_id", &v), CustomerID: queryInt(r, "customer_id", &v),
		Unassigned: q.Get("unassigned") == "true", CreatedFrom: queryTime(r, "created_from", &v), CreatedTo: queryTime(r, "created_to", &v),
		Limit: pg.Size, Offset: pg.offset(), Custom: customFilter(r, &v),
		AssetType: strings.TrimSpace(q.Get("asset_type")), AssetBrand: strings.TrimSpace(q.Get("asset_brand")), AssetModel: strings.TrimSpace(q.Get("asset_model")),
		Region: strings.TrimSpace(q.Get("region")), CategoryID: queryInt(r, "category_id", &v)}
	switch d := q.Get("done"); d {
	case "true", "false":
		done := d == "true"
		f.Done = &done
	case "":
	default:
		v.Add("done", "须为 true 或 false", "must be true or false")
	}
	switch b := q.Get("breached"); b {
	case "true", "false":
		breached := b == "true"
		f.Breached = &breached
	case "":
	default:
		v.Add("breached", "须为 true 或 false", "must be true or false")
	}
	if q.Get("sla_policy_id") == "any" {
		f.SLAPolicyID = ticket.AnySLAPolicy
	} else {
		f.SLAPolicyID = queryInt(r, "sla_policy_id", &v)
	}
	switch f.SLA = q.Get("sla"); f.SLA {
	case "", ticket.SLAStateWarning, ticket.SLAStateBreached:
	default:
		v.Add("sla", "须为 warning 或 breached", "must be warning or breached")
	}
	switch f.Sort = q.Get("sort"); f.Sort {
	case "", "due_at", "-due_at", "created_at", "-created_at":
	default:
		v.Add("sort", "排序须为 due_at、-due_at、created_at 或 -created_at", "sort must be due_at, -due_at, created_at or -created_at")
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, exact, err := s.Tickets.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ticketList{Items: items, Total: total, TotalExact: exact})
	return nil
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in ticket.CreateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.Create(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := s.Tickets.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ticket.UpdateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) transitionTicket(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ticket.TransitionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.Transition(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) assignTicket(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ticket.AssignInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.Assign(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) ticketTimeline(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	body, err := s.Tickets.TimelineBody(r.Context(), id, encodeTimeline)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// encodeTimeline renders a timeline exactly as writeJSON renders its list:
// the ticket service keeps the bytes while the timeline is unchanged.
func encodeTimeline(items []ticket.Event) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list(items, len(items))); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *Server) recordTicketEvent(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ticket.EventInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Tickets.RecordEvent(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) listTicketComments(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.Tickets.Comments(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) addTicketComment(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in ticket.CommentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Tickets.AddComment(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) listAssets(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	f := asset.Filter{Type: q.Get("type"), Brand: q.Get("brand"), Model: q.Get("model"), Q: q.Get("q"),
		OrgID: queryInt(r, "org_id", &v), VendorOrgID: queryInt(r, "vendor_org_id", &v), ContractID: queryInt(r, "contract_id", &v), Limit: pg.Size, Offset: pg.offset(),
		Region: strings.TrimSpace(q.Get("region")), StationID: queryInt(r, "station_id", &v), Status: q.Get("status"), Warranty: q.Get("warranty")}
	switch f.Status {
	case "", "in_service", "faulty", "retired":
	default:
		v.Add("status", "状态只能是 in_service、faulty 或 retired", "status must be in_service, faulty or retired")
	}
	switch f.Warranty {
	case "in", "out":
		// the same day as 机具分布's in_warranty / out_of_warranty
		f.Today = time.Now().In(s.Analytics.Zone()).Format(time.DateOnly)
	case "":
	default:
		v.Add("warranty", "只能是 in（在保）或 out（过保）", "must be in or out")
	}
	switch q.Get("in_use") {
	case "true":
		f.InUse = true
	case "":
	default:
		v.Add("in_use", "须为 true", "must be true")
	}
	if f.InstalledBy = q.Get("installed_by"); f.InstalledBy != "" && !validMonth(f.InstalledBy) {
		v.Add("installed_by", "须为月份 YYYY-MM", "must be a month YYYY-MM")
	}
	switch q.Get("contract_status") {
	case "expiring":
		f.ContractEndsFrom, f.ContractEndsTo = s.Contracts.ExpiringRange(0)
	case "":
	default:
		v.Add("contract_status", "只能是 expiring", "must be expiring")
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Assets.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in asset.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	a, err := s.Assets.Create(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getAsset(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.Assets.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// validMonth reports whether s is a month YYYY-MM.
func validMonth(s string) bool {
	_, err := time.Parse("2006-01", s)
	return err == nil && len(s) == 7
}
