package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/notify"
)

// Notifications (R-SLA-05): the caller's in-app notifications and
// preferences (any logged-in user), and for notify.admin the delivery log
// with resend, the templates and the robots and webhooks.
func (s *Server) notifyRoutes() {
	if s.Notify == nil {
		return
	}
	s.api("GET /api/v1/notifications", authed, s.listNotifications)
	s.api("POST /api/v1/notifications/{id}/read", authed, s.readNotification)
	s.api("POST /api/v1/notifications/read-all", authed, s.readAllNotifications)
	s.api("GET /api/v1/notifications/stream", authed, s.notificationEvents)
	s.api("GET /api/v1/notifications/preferences", authed, s.getNotifyPrefs)
	s.api("PUT /api/v1/notifications/preferences", authed, s.saveNotifyPrefs)

	s.api("GET /api/v1/notifications/deliveries", "notify.admin", s.listDeliveries)
	s.api("GET /api/v1/notifications/deliveries/{id}", "notify.admin", s.getDelivery)
	s.api("POST /api/v1/notifications/deliveries/{id}/resend", "notify.admin", s.resendDelivery)

	s.api("GET /api/v1/notifications/customer-settings", "notify.admin", s.listCustomerSettings)
	s.api("PUT /api/v1/notifications/customer-settings/{org_id}", "notify.admin", s.saveCustomerSettings)
	s.api("DELETE /api/v1/notifications/customer-settings/{org_id}", "notify.admin", s.deleteCustomerSettings)

	s.api("GET /api/v1/notifications/templates", "notify.admin", s.listTemplates)
	s.api("PUT /api/v1/notifications/templates/{kind}", "notify.admin", s.saveTemplate)
	s.api("DELETE /api/v1/notifications/templates/{kind}", "notify.admin", s.resetTemplate)
	s.api("POST /api/v1/notifications/templates/{kind}/preview", "notify.admin", s.previewTemplate)

	s.api("GET /api/v1/notifications/endpoints", "notify.admin", s.listEndpoints)
	s.api("POST /api/v1/notifications/endpoints", "notify.admin", s.saveEndpoint)
	s.api("GET /api/v1/notifications/endpoints/{id}", "notify.admin", s.getEndpoint)
	s.api("PUT /api/v1/notifications/endpoints/{id}", "notify.admin", s.saveEndpoint)
	s.api("DELETE /api/v1/notifications/endpoints/{id}", "notify.admin", s.deleteEndpoint)
}

type inboxBody struct {
	Items  []notify.Notification `json:"items"`
	Total  int                   `json:"total"`
	Unread int                   `json:"unread"`
}

func (s *Server) listNotifications(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	unreadOnly := false
	switch r.URL.Query().Get("unread") {
	case "", "false":
	case "true":
		unreadOnly = true
	default:
		return apperr.Field("unread", "须为 true 或 false", "must be true or false")
	}
	items, total, unread, err := s.Notify.Inbox(r.Context(), p.User.ID, unreadOnly, pg.Size, pg.offset())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inboxBody{Items: items, Total: total, Unread: unread})
	return nil
}

func (s *Server) readNotification(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := s.Notify.MarkRead(r.Context(), p.User.ID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, n)
	return nil
}

func (s *Server) readAllNotifications(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	n, err := s.Notify.MarkAllRead(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"updated": n})
	return nil
}

// bellPoll is how often an open stream looks for new notifications (they
// may be written by any process sharing the database).
const bellPoll = time.Second

// notificationEvents streams the caller's bell as Server-Sent Events: an
// "unread" event with the count at once and whenever it changes, and a
// "notification" event for each new notification.
func (s *Server) notificationEvents(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	ctx := r.Context()
	last, err := s.Notify.LastID(ctx, p.User.ID)
	if err != nil {
		return err
	}
	unread, err := s.Notify.Unread(ctx, p.User.ID)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, ": connected\n\nevent: unread\ndata: {\"unread\":%d}\n\n", unread)
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(bellPoll)
	defer tick.Stop()
	for idle := 1; ; idle++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		items, err := s.Notify.Since(ctx, p.User.ID, last)
		if err != nil {
			return nil // EventSource reconnects by itself
		}
		for _, n := range items {
			last = n.ID
			raw, _ := json.Marshal(n)
			fmt.Fprintf(w, "id: %d\nevent: notification\ndata: %s\n\n", n.ID, raw)
		}
		now, err := s.Notify.Unread(ctx, p.User.ID)
		if err != nil {
			return nil
		}
		switch {
		case now != unread:
			unread = now
			fmt.Fprintf(w, "event: unread\ndata: {\"unread\":%d}\n\n", unread)
		case len(items) == 0 && idle%30 == 0:
			fmt.Fprint(w, ": keep-alive\n\n")
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

func (s *Server) getNotifyPrefs(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	prefs, err := s.Notify.UserPrefs(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, prefs)
	return nil
}

func (s *Server) saveNotifyPrefs(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in notify.Prefs
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.Notify.SavePrefs(r.Context(), p.User.ID, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

var deliveryStatuses = []string{notify.StatusPending, notify.StatusSending, notify.StatusSent, notify.StatusFailed}

// revealPII shows customers' numbers unmasked (in the delivery log too).
const revealPII = "customer.pii.reveal"

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	f := notify.DeliveryFilter{Status: q.Get("status"), Channel: q.Get("channel"), EventKey: q.Get("event_key"),
		TicketID: queryInt(r, "ticket_id", &v), UserID: queryInt(r, "user_id", &v), Limit: pg.Size, Offset: pg.offset()}
	if f.Status != "" && !slices.Contains(deliveryStatuses, f.Status) {
		v.Add("status", "须为 pending、sending、sent 或 failed", "must be pending, sending, sent or failed")
	}
	if f.Channel != "" && !slices.Contains(notify.Channels, f.Channel) {
		v.Add("channel", "未知渠道", "unknown channel")
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Notify.Deliveries(r.Context(), f)
	if err != nil {
		return err
	}
	notify.MarkExternal(items, !p.Can(revealPII))
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.Notify.Delivery(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, markedDelivery(d, p))
	return nil
}

func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.Notify.Resend(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, markedDelivery(d, p))
	return nil
}

type templatesBody struct {
	Items     []notify.Template `json:"items"`
	Total     int               `json:"total"`
	Variables []notify.Variable `json:"variables"`
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Notify.Templates(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templatesBody{Items: items, Total: len(items), Variables: notify.Variables})
	return nil
}

func (s *Server) saveTemplate(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in notify.TemplateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	t, err := s.Notify.SaveTemplate(r.Context(), r.PathValue("kind"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) resetTemplate(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	t, err := s.Notify.ResetTemplate(r.Context(), r.PathValue("kind"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) previewTemplate(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in notify.TemplateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	out, err := s.Notify.Preview(r.Context(), r.PathValue("kind"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listEndpoints(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Notify.Endpoints(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) getEndpoint(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, err := s.Notify.Endpoint(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

func (s *Server) saveEndpoint(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := optionalID(r)
	if err != nil {
		return err
	}
	var in notify.EndpointInput
	if err := decode(r, &in); err != nil {
		return err
	}
	e, err := s.Notify.SaveEndpoint(r.Context(), id, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, e)
	return nil
}

func (s *Server) deleteEndpoint(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Notify.DeleteEndpoint(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func markedDelivery(d *notify.Delivery, p *auth.Principal) *notify.Delivery {
	ds := []notify.Delivery{*d}
	notify.MarkExternal(ds, !p.Can(revealPII))
	return &ds[0]
}

// customerSettingsOrg reads {org_id} of the customer-settings routes: 0 is
// the global setting.
func customerSettingsOrg(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("org_id"), 10, 64)
	if err != nil || id < 0 {
		return 0, apperr.NotFoundf("机构", "org")
	}
	return id, nil
}

func (s *Server) listCustomerSettings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Notify.CustomerSettingsList(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

type customerSettingsBody struct {
	Received *bool `json:"ticket_received"`
	Resolved *bool `json:"ticket_resolved"`
	Survey   *bool `json:"survey"`
}

func (s *Server) saveCustomerSettings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	org, err := customerSettingsOrg(r)
	if err != nil {
		return err
	}
	var in customerSettingsBody
	if err := decode(r, &in); err != nil {
		return err
	}
	var v apperr.Validation
	for name, b := range map[string]*bool{"ticket_received": in.Received, "ticket_resolved": in.Resolved, "survey": in.Survey} {
		if b == nil {
			v.Add(name, "必填（true 或 false）", "required (true or false)")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	out, err := s.Notify.SaveCustomerSettings(r.Context(), notify.CustomerSettings{OrgID: org, Received: *in.Received, Resolved: *in.Resolved, Survey: *in.Survey})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteCustomerSettings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	org, err := customerSettingsOrg(r)
	if err != nil {
		return err
	}
	if err := s.Notify.DeleteCustomerSettings(r.Context(), org); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
