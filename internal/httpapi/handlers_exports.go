package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/reportjob"
)

// exportDoc builds a report's JSON answer and its export from a request;
// the synchronous download and the background job (and a subscription's
// run) call the same function, so they hold the same rows.
type exportDoc func(r *http.Request) (any, *reportjob.Doc, error)

// exportable registers a report's document builder under its key.
func (s *Server) exportable(key string, build exportDoc) {
	if s.exports == nil {
		s.exports = map[string]exportDoc{}
	}
	s.exports[key] = build
}

// exportRoutes serves background export jobs and report subscriptions
// (R-ANA-11), and registers the reports that live with other handlers.
func (s *Server) exportRoutes() {
	s.exportable("tickets", func(r *http.Request) (any, *reportjob.Doc, error) {
		doc, err := s.ticketHistoryDoc(r)
		return nil, doc, err
	})
	s.exportable("satisfaction", s.satisfactionDoc)
	s.exportable("rankings", s.rankingsDoc)
	if s.ReportJobs == nil {
		return
	}
	s.ReportJobs.SetRenderer(renderer{s})

	s.api("GET /api/v1/export-reports", authed, s.listExportReports)
	s.api("GET /api/v1/export-jobs", authed, s.listExportJobs)
	s.api("POST /api/v1/export-jobs", authed, s.createExportJob)
	s.api("GET /api/v1/export-jobs/{id}", authed, s.getExportJob)
	s.api("GET /api/v1/export-jobs/{id}/file", authed, s.downloadExportJob)

	s.api("GET /api/v1/report-subscriptions", authed, s.listSubscriptions)
	s.api("POST /api/v1/report-subscriptions", authed, s.createSubscription)
	s.api("GET /api/v1/report-subscriptions/{id}", authed, s.getSubscription)
	s.api("PATCH /api/v1/report-subscriptions/{id}", authed, s.updateSubscription)
	s.api("DELETE /api/v1/report-subscriptions/{id}", authed, s.deleteSubscription)
	s.api("GET /api/v1/report-subscriptions/{id}/runs", authed, s.listSubscriptionRuns)
	s.api("POST /api/v1/report-subscriptions/{id}/run", authed, s.runSubscription)
}

// renderer opens a report's export for a background job: a GET request on
// the report's own path with the stored query, in the job's context (its
// principal, scope and permissions), through the report's own builder.
type renderer struct{ s *Server }

func (rd renderer) Open(ctx context.Context, report, query string) (*reportjob.Doc, error) {
	rep, ok := reportjob.ReportByKey(report)
	build := rd.s.exports[report]
	if !ok || build == nil {
		return nil, apperr.Field("report", "未知报表", "unknown report")
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, rep.Path+"?"+query, nil)
	if err != nil {
		return nil, apperr.Field("query", "筛选条件格式有误", "the query is malformed")
	}
	_, doc, err := build(r)
	return doc, err
}

// jobQuery is the request's query without what only the download needs.
func jobQuery(r *http.Request) string {
	q := r.URL.Query()
	q.Del("format")
	q.Del("async")
	return q.Encode()
}

// sendExport answers an export: over the background threshold (or with
// async=true) it queues a job and answers 202 with it (the job audits the
// request); otherwise it audits the export and streams the .xlsx.
func (s *Server) sendExport(w http.ResponseWriter, r *http.Request, p *auth.Principal, key string, doc *reportjob.Doc, entry audit.Entry) error {
	if s.ReportJobs != nil {
		rep, _ := reportjob.ReportByKey(key)
		if async := r.URL.Query().Get("async"); async == "true" || async == "1" || doc.Total > s.ReportJobs.Threshold() {
			job, err := s.ReportJobs.Enqueue(r.Context(), p, rep, doc.Header[0], jobQuery(r), doc.Total)
			if err != nil {
				return err
			}
			w.Header().Set("Location", fmt.Sprintf("/api/v1/export-jobs/%d", job.ID))
			writeJSON(w, http.StatusAccepted, job)
			return nil
		}
	}
	// Audited before the first byte leaves, so no export goes unrecorded.
	if err := s.Audit.Record(r.Context(), entry); err != nil {
		return err
	}
	downloadHeaders(w, xlsxType, doc.Name+".xlsx")
	_, err := reportjob.WriteXLSX(w, doc, nil)
	return err
}

type exportReportsBody struct {
	Items     []reportjob.Report `json:"items"`
	Total     int                `json:"total"`
	Threshold int                `json:"threshold"`
}

func (s *Server) listExportReports(w http.ResponseWriter, _ *http.Request, p *auth.Principal) error {
	items := []reportjob.Report{}
	for _, rep := range reportjob.Reports {
		if p.Can(rep.Permission) {
			items = append(items, rep)
		}
	}
	writeJSON(w, http.StatusOK, exportReportsBody{Items: items, Total: len(items), Threshold: s.ReportJobs.Threshold()})
	return nil
}

func (s *Server) listExportJobs(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	q := r.URL.Query()
	f := reportjob.JobFilter{All: q.Get("all") == "true", SubscriptionID: queryInt(r, "subscription_id", &v), Status: q.Get("status"), Limit: pg.Size, Offset: pg.offset()}
	switch f.Status {
	case "", reportjob.StatusQueued, reportjob.StatusRunning, reportjob.StatusDone, reportjob.StatusFailed, reportjob.StatusExpired:
	default:
		v.Add("status", "状态只能是 queued、running、done、failed 或 expired", "status must be queued, running, done, failed or expired")
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.ReportJobs.Jobs(r.Context(), p, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

type exportJobInput struct {
	Report string `json:"report"`
	Query  string `json:"query"`
}

// createExportJob queues an export in the background whatever its size.
func (s *Server) createExportJob(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in exportJobInput
	if err := decode(r, &in); err != nil {
		return err
	}
	rep, ok := reportjob.ReportByKey(in.Report)
	if !ok {
		return apperr.Field("report", "未知报表", "unknown report")
	}
	if !p.Can(rep.Permission) {
		return apperr.New(apperr.Forbidden, "没有权限："+rep.Permission, "permission denied: "+rep.Permission)
	}
	vals, err := url.ParseQuery(in.Query)
	if err != nil || len(in.Query) > 2000 {
		return apperr.Field("query", "筛选条件格式有误（应为报表页面的查询串）", "query must be the report page's query string")
	}
	vals.Del("format")
	vals.Del("async")
	query := vals.Encode()
	doc, err := renderer{s}.Open(r.Context(), rep.Key, query)
	if err != nil {
		return err
	}
	job, err := s.ReportJobs.Enqueue(r.Context(), p, rep, doc.Header[0], query, doc.Total)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/export-jobs/%d", job.ID))
	writeJSON(w, http.StatusAccepted, job)
	return nil
}

func (s *Server) getExportJob(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := s.ReportJobs.Job(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}

// downloadExportJob serves a finished job's file to its owner or an
// export.admin (audited); anybody else gets not_found.
func (s *Server) downloadExportJob(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, f, err := s.ReportJobs.Open(r.Context(), p, id)
	if err != nil {
		return err
	}
	defer f.Close()
	downloadHeaders(w, xlsxType, j.FileName)
	w.Header().Set("Content-Length", strconv.FormatInt(j.FileSize, 10))
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = io.Copy(w, f)
	return err
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	items, total, err := s.ReportJobs.Subscriptions(r.Context(), p, r.URL.Query().Get("all") == "true", pg.Size, pg.offset())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	var in reportjob.SubscriptionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	sub, err := s.ReportJobs.CreateSubscription(r.Context(), p, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sub)
	return nil
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sub, err := s.ReportJobs.Subscription(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Server) updateSubscription(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in reportjob.SubscriptionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	sub, err := s.ReportJobs.UpdateSubscription(r.Context(), p, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sub)
	return nil
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.ReportJobs.DeleteSubscription(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listSubscriptionRuns(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	if _, err := s.ReportJobs.Subscription(r.Context(), p, id); err != nil {
		return err
	}
	items, total, err := s.ReportJobs.Jobs(r.Context(), p, reportjob.JobFilter{All: true, SubscriptionID: id, Limit: pg.Size, Offset: pg.offset()})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) runSubscription(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := s.ReportJobs.RunNow(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, j)
	return nil
}
