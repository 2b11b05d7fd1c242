package httpapi

import (
	"net/http"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/rating"
	"lingting/internal/scope"
)

// qrRatingsPerHour bounds ratings through QR codes and survey links per client IP.
const qrRatingsPerHour = 30

// visitorCookie identifies a phone across QR ratings (one rating per phone per
// counter within the cool-down).
const visitorCookie = "lingting_rv"

func (s *Server) ratingRoutes() {
	s.api("GET /api/v1/business-types", authed, s.listBusinessTypes)
	s.api("POST /api/v1/business-types", "rating.admin", s.createBusinessType)
	s.api("GET /api/v1/counters", authed, s.listCounters)
	s.api("POST /api/v1/counters", "rating.admin", s.createCounter)
	s.api("GET /api/v1/counters/{id}", authed, s.getCounter)
	s.api("PATCH /api/v1/counters/{id}", "rating.admin", s.updateCounter)
	s.api("POST /api/v1/counters/{id}/sign-in", authed, s.signIn)
	s.api("POST /api/v1/counters/{id}/sign-out", authed, s.signOut)
	s.api("POST /api/v1/counters/{id}/pairing", "rating.admin", s.startPairing)
	s.api("POST /api/v1/kiosk/pair", public, s.pairKiosk)
	s.device("GET /api/v1/kiosk/state", s.kioskState)
	s.api("GET /api/v1/rating-devices", "rating.admin", s.listRatingDevices)
	s.api("POST /api/v1/rating-devices", "rating.admin", s.registerRatingDevice)
	s.api("POST /api/v1/rating-devices/{id}/revoke", "rating.admin", s.revokeRatingDevice)
	s.device("POST /api/v1/devices/{id}/events", s.deviceEvent)
	s.api("GET /api/v1/service-sessions", "rating.read", s.listSessions)
	s.userOrDevice("POST /api/v1/service-sessions", "rating.session", s.startSession, s.deviceStartSession)
	s.userOrDevice("POST /api/v1/service-sessions/{id}/end", "rating.session", s.endSession, s.deviceEndSession)
	s.api("GET /api/v1/ratings", "rating.read", s.listRatings)
	s.mux.HandleFunc("POST /api/v1/ratings", s.postRating)
	s.api("GET /api/v1/ratings/{id}", "rating.read", s.getRating)
	s.api("POST /api/v1/ratings/{id}/corrections", "rating.correct", s.correctRating)
	s.api("GET /api/v1/rating-settings", authed, s.getRatingSettings)
	s.api("PUT /api/v1/rating-settings", "rating.admin", s.putRatingSettings)
	s.api("GET /api/v1/rating-links", "rating.admin", s.listRatingLinks)
	s.api("POST /api/v1/rating-links", "rating.admin", s.createRatingLink)
	s.api("GET /api/v1/rating-links/{id}/qr.png", "rating.admin", s.ratingLinkQR)
	s.api("GET /api/v1/rating-links/{id}/card", "rating.admin", s.ratingLinkCard)
	s.api("POST /api/v1/tickets/{id}/survey-link", "ticket.read", s.ticketSurveyLink)
	s.api("GET /api/v1/public/rating-links/{token}", public, s.publicRatingLink)
	s.api("GET /api/v1/analytics/satisfaction", "analytics.read", s.satisfactionReport)
	s.api("GET /api/v1/analytics/rankings", "analytics.read", s.rankingsReport)
}

type deviceFunc func(w http.ResponseWriter, r *http.Request, d *rating.Device) error

func isDeviceRequest(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "+rating.DeviceTokenPrefix)
}

// device registers a route for kiosks and hardware evaluators: a device token
// authenticates, and the device's counter bounds what it may do.
func (s *Server) device(pattern string, h deviceFunc) {
	s.mux.HandleFunc(pattern, s.deviceHandler(pattern, h))
}

func (s *Server) deviceHandler(pattern string, h deviceFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if info := requestInfoFrom(r.Context()); info != nil {
			info.route = pattern
		}
		if !isDeviceRequest(r) {
			writeError(w, r, apperr.New(apperr.Unauthenticated, "需要设备令牌（Authorization: Bearer ld_…）", "a device token is required (Authorization: Bearer ld_…)"))
			return
		}
		token := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		d, err := s.Ratings.DeviceByToken(r.Context(), token)
		if err != nil {
			writeError(w, r, err)
			return
		}
		ctx := audit.WithActor(r.Context(), audit.Actor{Name: "评价器 #" + itoa(d.ID) + " " + d.CounterName, IP: s.clientIP(r), RequestID: requestIDFrom(r.Context())})
		ctx = scope.With(ctx, scope.Scope{}) // a device sees nothing by scope; the service widens it for its counter
		if err := h(w, r.WithContext(ctx), d); err != nil {
			writeError(w, r, err)
		}
	}
}

// userOrDevice serves one route to users (permission checked as usual) and to
// devices (a kiosk in staff mode).
func (s *Server) userOrDevice(pattern, permission string, user apiFunc, dev deviceFunc) {
	uh, dh := s.apiHandler(pattern, permission, user), s.deviceHandler(pattern, dev)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if isDeviceRequest(r) {
			dh(w, r)
			return
		}
		uh(w, r)
	})
}

func (s *Server) listBusinessTypes(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Ratings.BusinessTypes(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) createBusinessType(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in rating.BusinessTypeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	bt, err := s.Ratings.CreateBusinessType(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, bt)
	return nil
}

func (s *Server) listCounters(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.Can("rating.read") && !p.Can("rating.session") && !p.Can("rating.admin") {
		return apperr.New(apperr.Forbidden, "没有权限：rating.read", "permission denied: rating.read")
	}
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	f := rating.CounterFilter{OrgID: queryInt(r, "org_id", &v), StaffID: queryInt(r, "staff_id", &v), Q: r.URL.Query().Get("q"), Limit: pg.Size, Offset: pg.offset()}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Ratings.Counters(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) createCounter(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in rating.CounterInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Ratings.CreateCounter(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCounter(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.Can("rating.read") && !p.Can("rating.session") && !p.Can("rating.admin") {
		return apperr.New(apperr.Forbidden, "没有权限：rating.read", "permission denied: rating.read")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.Ratings.Counter(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateCounter(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in rating.CounterUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Ratings.UpdateCounter(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// canServe: staff sign themselves in and out (rating.session); administrators
// (rating.admin) do it for anyone.
func canServe(p *auth.Principal) error {
	if !p.Can("rating.session") && !p.Can("rating.admin") {
		return apperr.New(apperr.Forbidden, "没有权限：rating.session", "permission denied: rating.session")
	}
	return nil
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := canServe(p); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		StaffID *int64 `json:"staff_id"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	staff := p.User.ID
	if in.StaffID != nil && *in.StaffID != p.User.ID {
		if !p.Can("rating.admin") {
			return apperr.Field("staff_id", "只能为自己签到", "you can only sign yourself in")
		}
		staff = *in.StaffID
	}
	c, err := s.Ratings.SignIn(r.Context(), id, staff)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if err := canServe(p); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.Ratings.Counter(r.Context(), id)
	if err != nil {
		return err
	}
	if (c.StaffID == nil || *c.StaffID != p.User.ID) && !p.Can("rating.admin") {
		return apperr.New(apperr.Forbidden, "只能签退自己的窗口", "you can only sign out of your own counter")
	}
	if c, err = s.Ratings.SignOut(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) startPairing(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pr, err := s.Ratings.StartPairing(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, pr)
	return nil
}

func (s *Server) pairKiosk(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if !s.limiter.allow("pair:"+s.clientIP(r), time.Now()) {
		return apperr.New(apperr.RateLimited, "尝试过于频繁，请稍后再试", "too many attempts; try again later")
	}
	var in struct {
		CounterCode string `json:"counter_code"`
		PairingCode string `json:"pairing_code"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	res, err := s.Ratings.Pair(r.Context(), in.CounterCode, in.PairingCode)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) kioskState(w http.ResponseWriter, r *http.Request, d *rating.Device) error {
	st, err := s.Ratings.KioskState(r.Context(), d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) listRatingDevices(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	f := rating.DeviceFilter{OrgID: queryInt(r, "org_id", &v), CounterID: queryInt(r, "counter_id", &v), Offline: r.URL.Query().Get("offline") == "true",
		Limit: pg.Size, Offset: pg.offset()}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Ratings.Devices(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) registerRatingDevice(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in rating.DeviceInput
	if err := decode(r, &in); err != nil {
		return err
	}
	d, err := s.Ratings.RegisterDevice(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (s *Server) revokeRatingDevice(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.Ratings.RevokeDevice(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) deviceEvent(w http.ResponseWriter, r *http.Request, d *rating.Device) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if id != d.ID {
		return apperr.New(apperr.Forbidden, "设备令牌与设备编号不符", "the device token belongs to another device")
	}
	var ev rating.DeviceEvent
	if err := decode(r, &ev); err != nil {
		return err
	}
	res, err := s.Ratings.HandleEvent(r.Context(), d, ev)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, res)
	return nil
}
