package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/rating"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// queryDay reads a yyyy-mm-dd query parameter as a day number.
func queryDay(r *http.Request, name string, v *apperr.Validation) int {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	d, err := rating.ParseDay(s)
	if err != nil {
		v.Add(name, "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
	}
	return d
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	f := rating.SessionFilter{OrgID: queryInt(r, "org_id", &v), CounterID: queryInt(r, "counter_id", &v), StaffID: s.staffParam(r, &v),
		FromDay: queryDay(r, "from", &v), ToDay: queryDay(r, "to", &v), Limit: pg.Size, Offset: pg.offset()}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Ratings.Sessions(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

// staffParam reads staff_id, where "me" is the caller.
func (s *Server) staffParam(r *http.Request, v *apperr.Validation) int64 {
	if r.URL.Query().Get("staff_id") == "me" {
		if p := auth.PrincipalFrom(r.Context()); p != nil {
			return p.User.ID
		}
	}
	return queryInt(r, "staff_id", v)
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in rating.StartInput
	if err := decode(r, &in); err != nil {
		return err
	}
	ss, err := s.Ratings.StartSession(r.Context(), rating.Caller{User: p}, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ss)
	return nil
}

func (s *Server) deviceStartSession(w http.ResponseWriter, r *http.Request, d *rating.Device) error {
	var in rating.StartInput
	if err := decode(r, &in); err != nil {
		return err
	}
	ss, err := s.Ratings.StartSession(r.Context(), rating.Caller{Device: d}, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ss)
	return nil
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	return s.endSessionAs(w, r, rating.Caller{User: p})
}

func (s *Server) deviceEndSession(w http.ResponseWriter, r *http.Request, d *rating.Device) error {
	return s.endSessionAs(w, r, rating.Caller{Device: d})
}

func (s *Server) endSessionAs(w http.ResponseWriter, r *http.Request, c rating.Caller) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in rating.EndInput
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	ss, err := s.Ratings.EndSession(r.Context(), c, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ss)
	return nil
}

func (s *Server) listRatings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	q := r.URL.Query()
	f := rating.Filter{OrgID: queryInt(r, "org_id", &v), StaffID: s.staffParam(r, &v), CounterID: queryInt(r, "counter_id", &v),
		TicketID: queryInt(r, "ticket_id", &v), CustomerID: queryInt(r, "customer_id", &v), Level: int(queryInt(r, "level", &v)), Channel: q.Get("channel"),
		FromDay: queryDay(r, "from", &v), ToDay: queryDay(r, "to", &v), Limit: pg.Size, Offset: pg.offset()}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Ratings.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

// postRating takes ratings from devices (kiosk), signed-in users, and anyone
// holding a QR or survey token; which one is decided by the credentials sent.
func (s *Server) postRating(w http.ResponseWriter, r *http.Request) {
	if isDeviceRequest(r) {
		s.deviceHandler("POST /api/v1/ratings", s.deviceRate)(w, r)
		return
	}
	_, noCookie := r.Cookie(sessionCookie)
	if r.Header.Get("Authorization") != "" || noCookie == nil {
		s.apiHandler("POST /api/v1/ratings", authed, s.userRate)(w, r)
		return
	}
	s.apiHandler("POST /api/v1/ratings", public, s.publicRate)(w, r)
}

func (s *Server) deviceRate(w http.ResponseWriter, r *http.Request, d *rating.Device) error {
	var in rating.RateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.SessionID == nil {
		return apperr.Field("session_id", "评价器只能评价本窗口的服务", "a kiosk rates its counter's sessions")
	}
	rt, err := s.Ratings.Rate(r.Context(), rating.Caller{Device: d}, in)
	return writeRating(w, rt, err)
}

func (s *Server) userRate(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in rating.RateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Token != "" {
		return s.rateByLink(w, r, in)
	}
	rt, err := s.Ratings.Rate(r.Context(), rating.Caller{User: p}, in)
	return writeRating(w, rt, err)
}

func (s *Server) publicRate(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in rating.RateInput
	if err := decode(r, &in); err != nil {
		return err
	}
	return s.rateByLink(w, r, in)
}

func (s *Server) rateByLink(w http.ResponseWriter, r *http.Request, in rating.RateInput) error {
	ip := s.clientIP(r)
	if !s.qrLimit.allow(ip, time.Now()) {
		return apperr.New(apperr.RateLimited, "评价过于频繁，请稍后再试", "too many ratings from this network; try again later")
	}
	vis := rating.Visitor{Fingerprint: fingerprint(ip, r.UserAgent())}
	if c, err := r.Cookie(visitorCookie); err == nil {
		vis.Cookie = c.Value
	}
	rt, err := s.Ratings.RateByLink(r.Context(), vis, in)
	return writeRating(w, rt, err)
}

func writeRating(w http.ResponseWriter, rt *rating.Rating, err error) error {
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rt.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, rt)
	return nil
}

func fingerprint(ip, ua string) string {
	return hashHex(ip + "\x00" + ua)[:32]
}

func (s *Server) getRating(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	rt, err := s.Ratings.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rt)
	return nil
}

func (s *Server) correctRating(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in rating.CorrectionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rt, err := s.Ratings.Correct(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rt)
	return nil
}

func (s *Server) getRatingSettings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var v apperr.Validation
	orgID := queryInt(r, "org_id", &v)
	if err := v.Err(); err != nil {
		return err
	}
	if orgID != 0 {
		if _, err := s.Orgs.GetOrg(r.Context(), orgID); err != nil {
			return err
		}
	}
	set, err := s.Ratings.SettingsAt(r.Context(), orgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) putRatingSettings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in rating.SettingsInput
	if err := decode(r, &in); err != nil {
		return err
	}
	set, err := s.Ratings.SaveSettings(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) publicRatingLink(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pl, err := s.Ratings.PublicLinkByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if _, err := r.Cookie(visitorCookie); err != nil {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		http.SetCookie(w, &http.Cookie{Name: visitorCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/", HttpOnly: true,
			Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	}
	writeJSON(w, http.StatusOK, pl)
	return nil
}
