package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/telephony"
)

func (s *Server) telephonyRoutes() {
	// The agent desk needs telephony.answer; what a pop shows is further
	// limited by the agent's scope and read permissions.
	s.api("GET /api/v1/screen-pop", "telephony.answer", s.screenPop)
	s.api("POST /api/v1/telephony/calls", "telephony.notify", s.incomingCall)
	s.api("GET /api/v1/telephony/events", "telephony.answer", s.callEvents)
}

func (s *Server) screenPop(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.Can("customer.read") && !p.Can("ticket.read") {
		return apperr.New(apperr.Forbidden, "没有权限：customer.read", "permission denied: customer.read")
	}
	pop, err := s.Telephony.ScreenPop(r.Context(), r.URL.Query().Get("phone"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pop)
	return nil
}

func (s *Server) incomingCall(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in telephony.CallInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Telephony.RecordCall(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, c)
	return nil
}

// callPoll is how often an open stream looks for new calls; the calls table is
// shared, so a call reaches the agent whichever process received the webhook.
const callPoll = 500 * time.Millisecond

// callEvents streams the caller's incoming calls as Server-Sent Events, each
// carrying the screen pop computed within the agent's own scope.
func (s *Server) callEvents(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rc := http.NewResponseController(w)
	ctx := r.Context()
	last, err := s.Telephony.LastCallID(ctx, p.User.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(callPoll)
	defer tick.Stop()
	idle := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		calls, err := s.Telephony.CallsSince(ctx, p.User.ID, last)
		if err != nil {
			return nil // the client reconnects; EventSource does so by itself
		}
		for _, c := range calls {
			last = c.ID
			pop, err := s.Telephony.ScreenPop(ctx, c.Caller)
			if err != nil {
				pop = &telephony.Pop{Phone: c.Caller}
			}
			pop.CallID, pop.At = &c.ID, &c.ReceivedAt
			raw, _ := json.Marshal(pop)
			fmt.Fprintf(w, "id: %d\nevent: call\ndata: %s\n\n", c.ID, raw)
		}
		if len(calls) == 0 {
			if idle++; idle%30 == 0 {
				fmt.Fprint(w, ": keep-alive\n\n")
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
