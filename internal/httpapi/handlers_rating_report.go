package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/rating"
	"lingting/internal/reportjob"
)

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// baseURL is the scheme and host the caller reached us on, for links printed
// in QR codes.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || (s.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) listRatingLinks(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	orgID := queryInt(r, "org_id", &v)
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Ratings.Links(r.Context(), orgID, pg.Size, pg.offset())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) createRatingLink(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in rating.LinkInput
	if err := decode(r, &in); err != nil {
		return err
	}
	l, err := s.Ratings.CreateLink(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, l)
	return nil
}

func (s *Server) linkQR(r *http.Request) (*rating.Link, []byte, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	l, err := s.Ratings.VisibleLink(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	png, err := qrcode.Encode(s.baseURL(r)+l.URL, qrcode.Medium, 512)
	return l, png, err
}

func (s *Server) ratingLinkQR(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	_, png, err := s.linkQR(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, err = w.Write(png)
	return err
}

// cardPage is a printable A6 card with the QR code.
var cardPage = template.Must(template.New("card").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
@page { size: A6; margin: 8mm; }
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 0; }
.card { width: 105mm; height: 148mm; box-sizing: border-box; padding: 8mm; text-align: center; border: 1px dashed #ccc; }
h1 { font-size: 18pt; margin: 4mm 0 2mm; }
h2 { font-size: 12pt; font-weight: normal; color: #555; margin: 0 0 4mm; }
img { width: 70mm; height: 70mm; }
p { font-size: 13pt; margin: 4mm 0 0; }
@media print { .card { border: none; } }
</style></head>
<body><div class="card">
<h1>{{.Title}}</h1><h2>{{.Org}}</h2>
<img alt="QR" src="data:image/png;base64,{{.PNG}}">
<p>请扫码评价我的服务</p><p style="font-size:9pt;color:#888">Scan to rate our service</p>
</div></body></html>`))

func (s *Server) ratingLinkCard(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	l, png, err := s.linkQR(r)
	if err != nil {
		return err
	}
	title := "服务评价"
	if l.CounterName != nil {
		title = *l.CounterName
	} else if l.StaffName != nil {
		title = *l.StaffName
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return cardPage.Execute(w, map[string]any{"Title": title, "Org": l.OrgName, "PNG": base64.StdEncoding.EncodeToString(png)})
}

func (s *Server) ticketSurveyLink(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := s.Ratings.SurveyLink(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (s *Server) reportFilter(r *http.Request) (rating.ReportFilter, error) {
	var v apperr.Validation
	q := r.URL.Query()
	f := rating.ReportFilter{From: queryDay(r, "from", &v), To: queryDay(r, "to", &v), OrgID: queryInt(r, "org_id", &v),
		StaffID: s.staffParam(r, &v), CounterID: queryInt(r, "counter_id", &v), BusinessTypeID: queryInt(r, "business_type_id", &v),
		VendorOrgID: queryInt(r, "vendor_org_id", &v), Channel: q.Get("channel"), GroupBy: q.Get("group_by"), Compare: q.Get("compare"),
		MinN: int(queryInt(r, "min_n", &v)), Lang: lang(r)}
	if f.OrgID != 0 {
		if _, err := s.Orgs.GetOrg(r.Context(), f.OrgID); err != nil {
			return f, err
		}
	}
	if format := q.Get("format"); format != "" && format != "json" && format != "xlsx" {
		v.Add("format", "格式只能是 json 或 xlsx", "format must be json or xlsx")
	}
	return f, v.Err()
}

func pct(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }

func optNum(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', 0, 64)
}

func optPct(p *float64) string {
	if p == nil {
		return ""
	}
	return pct(*p)
}

// satisfactionReport answers the satisfaction report as JSON or .xlsx
// (audited; over the background threshold an export job).
func (s *Server) satisfactionReport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rep, doc, err := s.satisfactionDoc(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "xlsx" {
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	return s.sendExport(w, r, p, "satisfaction", doc, audit.Entry{Action: "export", Entity: "report", OrgID: p.User.OrgID,
		Summary: "导出报表：满意度分析", After: map[string]any{"filter": r.URL.RawQuery}})
}

func (s *Server) satisfactionDoc(r *http.Request) (any, *reportjob.Doc, error) {
	f, err := s.reportFilter(r)
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.Ratings.Satisfaction(r.Context(), f)
	if err != nil {
		return nil, nil, err
	}
	row := func(key, label string, sm rating.Summary) []string {
		return []string{key, label, itoa(sm.N), itoa(sm.Satisfied), pct(sm.Rate), pct(sm.WilsonLower), pct(sm.WilsonUpper),
			strconv.FormatFloat(sm.Mean, 'f', 2, 64), itoa(sm.Sessions), optPct(sm.Participation), optNum(sm.AvgHandleSeconds), optNum(sm.AvgWaitSeconds)}
	}
	total := len(rep.Items) + 1
	if rep.Compare != nil {
		total += 2
	}
	return rep, &reportjob.Doc{Name: "满意度分析", Header: []string{"满意度分析", rep.From + " ~ " + rep.To, filterLine(r)},
		Columns: []string{"分组", "名称", "评价数", "满意数", "满意率", "置信下限", "置信上限", "平均分", "服务人次", "参评率", "平均办理秒数", "平均等候秒数"}, Total: total,
		Rows: func(emit func([]string) error) error {
			for _, it := range rep.Items {
				if err := emit(row(it.Key, it.Label, it.Summary)); err != nil {
					return err
				}
			}
			if err := emit(row("合计", "", rep.Totals)); err != nil {
				return err
			}
			if rep.Compare != nil {
				if err := emit(row("对比期 "+rep.Compare.From+" ~ "+rep.Compare.To, "", rep.Compare.Totals)); err != nil {
					return err
				}
				return emit([]string{"差异检验", rep.Compare.Test.Sentence})
			}
			return nil
		}}, nil
}

// rankingsReport answers the rankings as JSON or .xlsx (audited; over the
// background threshold an export job).
func (s *Server) rankingsReport(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	rk, doc, err := s.rankingsDoc(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "xlsx" {
		writeJSON(w, http.StatusOK, rk)
		return nil
	}
	return s.sendExport(w, r, p, "rankings", doc, audit.Entry{Action: "export", Entity: "report", OrgID: p.User.OrgID,
		Summary: "导出报表：满意度排名", After: map[string]any{"filter": r.URL.RawQuery}})
}

func (s *Server) rankingsDoc(r *http.Request) (any, *reportjob.Doc, error) {
	f, err := s.reportFilter(r)
	if err != nil {
		return nil, nil, err
	}
	by := r.URL.Query().Get("by")
	if by == "" {
		by = "staff"
	}
	rk, err := s.Ratings.Rankings(r.Context(), by, f)
	if err != nil {
		return nil, nil, err
	}
	return rk, &reportjob.Doc{Name: "满意度排名", Header: []string{"满意度排名（按 95% 置信下限）", rk.From + " ~ " + rk.To, filterLine(r), fmt.Sprintf("最少评价数 %d", rk.MinN)},
		Columns: []string{"名次", "名称", "评价数", "满意数", "满意率", "置信下限", "置信上限"}, Total: len(rk.Items),
		Rows: func(emit func([]string) error) error {
			for _, it := range rk.Items {
				rank := "样本不足"
				if it.Rank != nil {
					rank = strconv.Itoa(*it.Rank)
				}
				if err := emit([]string{rank, it.Name, itoa(it.N), itoa(it.Satisfied), pct(it.Rate), pct(it.WilsonLower), pct(it.WilsonUpper)}); err != nil {
					return err
				}
			}
			return nil
		}}, nil
}

// filterLine repeats a report's filters in the header of its export.
func filterLine(r *http.Request) string {
	q := r.URL.Query()
	q.Del("format")
	if len(q) == 0 {
		return "筛选：无"
	}
	return "筛选：" + q.Encode()
}
