package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/sla"
)

// slaAPI serves calendars and SLA policies with the app's service (whose
// calendar saves recompute open deadlines), or one built on the server's
// store and audit log when none is wired.
type slaAPI struct {
	svc *sla.Service
}

func (s *Server) slaRoutes() {
	h := &slaAPI{svc: s.SLA}
	if h.svc == nil {
		h.svc = sla.NewService(s.DB, s.Audit)
	}
	s.api("GET /api/v1/calendars", "sla.read", h.listCalendars)
	s.api("POST /api/v1/calendars", "sla.update", h.saveCalendar)
	s.api("GET /api/v1/calendars/{id}", "sla.read", h.getCalendar)
	s.api("PUT /api/v1/calendars/{id}", "sla.update", h.saveCalendar)
	s.api("DELETE /api/v1/calendars/{id}", "sla.update", h.deleteCalendar)
	s.api("POST /api/v1/calendars/{id}/china-holidays", "sla.update", h.chinaHolidays)
	s.api("GET /api/v1/calendars/{id}/export.csv", "sla.read", h.exportCalendar)
	s.api("GET /api/v1/calendars/{id}/export.ics", "sla.read", h.exportCalendarICal)
	s.api("POST /api/v1/calendars/{id}/import", "sla.update", h.importCalendar)
	s.api("GET /api/v1/calendars/{id}/preview", "sla.read", h.preview)

	s.api("GET /api/v1/sla/policies", "sla.read", h.listPolicies)
	s.api("POST /api/v1/sla/policies", "sla.update", h.savePolicy)
	s.api("GET /api/v1/sla/policies/{id}", "sla.read", h.getPolicy)
	s.api("PUT /api/v1/sla/policies/{id}", "sla.update", h.savePolicy)
	s.api("DELETE /api/v1/sla/policies/{id}", "sla.update", h.deletePolicy)
	s.api("GET /api/v1/sla/match", "sla.read", h.match)
}

func (h *slaAPI) listCalendars(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	cals, err := h.svc.Calendars(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(cals, len(cals)))
	return nil
}

func (h *slaAPI) getCalendar(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Calendar(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// optionalID reads {id} on routes that have it (PUT) and answers 0 on those that do not (POST).
func optionalID(r *http.Request) (int64, error) {
	if r.PathValue("id") == "" {
		return 0, nil
	}
	return pathID(r)
}

func (h *slaAPI) saveCalendar(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := optionalID(r)
	if err != nil {
		return err
	}
	var in sla.CalendarInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := h.svc.SaveCalendar(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[id == 0], c)
	return nil
}

func (h *slaAPI) deleteCalendar(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteCalendar(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *slaAPI) chinaHolidays(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil {
		return apperr.Field("year", "请填写年份，如 year=2026", "give a year, e.g. year=2026")
	}
	c, err := h.svc.MergeChinaHolidays(r.Context(), id, year)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *slaAPI) exportCalendar(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	return h.downloadCalendar(w, r, sla.WriteCSV, "text/csv; charset=utf-8", ".csv")
}

// exportCalendarICal answers the calendar's marked dates as iCalendar: one
// all-day event per holiday and make-up working day (see sla.WriteICal).
func (h *slaAPI) exportCalendarICal(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	return h.downloadCalendar(w, r, sla.WriteICal, "text/calendar; charset=utf-8", ".ics")
}

// downloadCalendar writes the calendar of the path in one format as a file.
func (h *slaAPI) downloadCalendar(w http.ResponseWriter, r *http.Request, write func(io.Writer, *sla.Calendar) error, contentType, ext string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Calendar(r.Context(), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, c); err != nil {
		return err
	}
	downloadHeaders(w, contentType, "日历-"+c.Name+ext)
	_, _ = w.Write(buf.Bytes())
	return nil
}

func mediaType(r *http.Request) string {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct
}

// maxCalendarCSV bounds an imported calendar file (about 20,000 dates).
const maxCalendarCSV = 512 << 10

// importCalendar takes a CSV or iCalendar file as the request body (text/csv,
// text/calendar) or as the multipart field "file"; ?mode=replace drops the
// calendar's own marks first, ?unknown=holiday takes iCalendar events of no
// recognisable kind as holidays (a feed of days off).
func (h *slaAPI) importCalendar(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	mode := r.URL.Query().Get("mode")
	if mode != "" && mode != "merge" && mode != "replace" {
		return apperr.Field("mode", "mode 须为 merge 或 replace", "mode must be merge or replace")
	}
	format, unknown := r.URL.Query().Get("format"), r.URL.Query().Get("unknown")
	if format != "" && format != "csv" && format != "ics" {
		return apperr.Field("format", "format 须为 csv 或 ics", "format must be csv or ics")
	}
	if unknown != "" && unknown != "error" && unknown != "holiday" {
		return apperr.Field("unknown", "unknown 须为 error 或 holiday", "unknown must be error or holiday")
	}
	data, err := readCSVBody(w, r)
	if err != nil {
		return err
	}
	// iCalendar when asked for, sent as text/calendar or starting BEGIN:VCALENDAR; CSV otherwise
	var c *sla.Calendar
	if format == "ics" || (format == "" && (mediaType(r) == "text/calendar" || sla.IsICal(data))) {
		c, err = h.svc.ImportICal(r.Context(), id, data, mode == "replace", unknown == "holiday")
	} else {
		c, err = h.svc.ImportCSV(r.Context(), id, data, mode == "replace")
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func readCSVBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxCalendarCSV+64<<10)
	tooLarge := apperr.Field("file", "文件不能超过 512 KB", "the file must be at most 512 KB")
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var src io.Reader = r.Body
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				return nil, tooLarge
			}
			return nil, apperr.New(apperr.Invalid, "无法读取上传的文件", "cannot read the upload")
		}
		defer r.MultipartForm.RemoveAll()
		f, _, err := r.FormFile("file")
		if err != nil {
			return nil, apperr.Field("file", "必填", "required")
		}
		defer f.Close()
		src = f
	} else if ct != "text/csv" && ct != "text/calendar" && ct != "text/plain" && ct != "application/octet-stream" {
		return nil, apperr.New(apperr.UnsupportedMediaType, "请以 text/csv、text/calendar 或 multipart/form-data（字段 file）上传", "send text/csv, text/calendar or multipart/form-data (field file)")
	}
	data, err := io.ReadAll(io.LimitReader(src, maxCalendarCSV+1))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) || len(data) > maxCalendarCSV {
		return nil, tooLarge
	}
	return data, err
}

// calendarPreview answers a deadline (minutes) or the business minutes between
// two instants (end) on a calendar.
type calendarPreview struct {
	CalendarID      int64      `json:"calendar_id"`
	TimeZone        string     `json:"time_zone"`
	Start           time.Time  `json:"start"`
	ClockStart      time.Time  `json:"clock_start"`
	ClockStartLocal string     `json:"clock_start_local"`
	Minutes         *int       `json:"minutes,omitempty"`
	Deadline        *time.Time `json:"deadline,omitempty"`
	DeadlineLocal   string     `json:"deadline_local,omitempty"`
	End             *time.Time `json:"end,omitempty"`
	ElapsedMinutes  *int       `json:"elapsed_minutes,omitempty"`
}

// maxPreviewMinutes bounds a preview's minutes (ten years of 24×7 time).
const maxPreviewMinutes = 10 * sla.MaxTargetMinutes

func (h *slaAPI) preview(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v apperr.Validation
	start := queryTime(r, "start", &v)
	end := queryTime(r, "end", &v)
	minutes, hasMinutes := 0, q.Get("minutes") != ""
	if hasMinutes {
		if minutes, err = strconv.Atoi(q.Get("minutes")); err != nil || minutes < 0 || minutes > maxPreviewMinutes {
			v.Add("minutes", "须为 0–"+strconv.Itoa(maxPreviewMinutes)+" 之间的整数", "must be an integer from 0 to "+strconv.Itoa(maxPreviewMinutes))
		}
	} else if end.IsZero() {
		v.Add("minutes", "请给出 minutes（求截止时间）或 end（求工作分钟）", "give minutes (for a deadline) or end (for business minutes)")
	}
	if err := v.Err(); err != nil {
		return err
	}
	c, err := h.svc.Calendar(r.Context(), id)
	if err != nil {
		return err
	}
	if start.IsZero() {
		start = time.Now().Truncate(time.Second)
	}
	loc := c.Location()
	out := calendarPreview{CalendarID: c.ID, TimeZone: c.TimeZone, Start: start.UTC()}
	cs := sla.NextWorking(start, c)
	out.ClockStart, out.ClockStartLocal = cs.UTC(), cs.In(loc).Format(time.RFC3339)
	if hasMinutes {
		d := sla.Deadline(start, minutes, c).UTC()
		out.Minutes, out.Deadline, out.DeadlineLocal = &minutes, &d, d.In(loc).Format(time.RFC3339)
	}
	if !end.IsZero() {
		e := sla.Elapsed(start, end, c)
		endUTC := end.UTC()
		out.End, out.ElapsedMinutes = &endUTC, &e
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *slaAPI) listPolicies(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	ps, err := h.svc.Policies(r.Context(), r.URL.Query().Get("active") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(ps, len(ps)))
	return nil
}

func (h *slaAPI) getPolicy(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := h.svc.Policy(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (h *slaAPI) savePolicy(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := optionalID(r)
	if err != nil {
		return err
	}
	var in sla.PolicyInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := h.svc.SavePolicy(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[id == 0], p)
	return nil
}

func (h *slaAPI) deletePolicy(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.DeletePolicy(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// match answers which policy a ticket with the given facts would get.
func (h *slaAPI) match(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	q := r.URL.Query()
	var v apperr.Validation
	f := sla.TicketFacts{Type: strings.TrimSpace(q.Get("type")), Priority: strings.TrimSpace(q.Get("priority")), Grade: strings.TrimSpace(q.Get("grade")),
		OrgID: queryInt(r, "org_id", &v), ContractID: queryInt(r, "contract_id", &v)}
	if err := v.Err(); err != nil {
		return err
	}
	p, err := h.svc.MatchTicket(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"policy": p})
	return nil
}
