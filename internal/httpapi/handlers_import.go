package httpapi

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/customer"
	"lingting/internal/importer"
	"lingting/internal/xlsxstream"
)

func (s *Server) startImport(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	r.Body = http.MaxBytesReader(w, r.Body, customer.MaxImportBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return apperr.Field("file", "文件不能超过 50 MB", "the file must be at most 50 MB")
		}
		return apperr.New(apperr.Invalid, "请以 multipart/form-data 上传文件（字段 file）", "upload the file as multipart/form-data (field file)")
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return apperr.Field("file", "必填", "required")
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, customer.MaxImportBytes+1))
	if err != nil {
		return err
	}
	imp, err := s.Customers.StartImport(r.Context(), r.FormValue("kind"), hdr.Filename, r.FormValue("duplicate_policy"), content)
	if err != nil {
		return err
	}
	s.kickImports()
	writeJSON(w, http.StatusAccepted, imp)
	return nil
}

// kickImports starts validation now instead of at the next poll of the worker.
func (s *Server) kickImports() {
	if s.ImportKick != nil {
		s.ImportKick()
	}
}

func (s *Server) listImports(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	if !p.Can("import.create") && !p.Can("import.approve") {
		return apperr.New(apperr.Forbidden, "没有权限：import.create", "permission denied: import.create")
	}
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	items, total, err := s.Customers.ListImports(r.Context(), r.URL.Query().Get("status"), pg.Size, pg.offset())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) getImport(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	imp, err := s.Customers.GetImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeImport(w, r, imp)
	return nil
}

// writeImport answers an import with its row errors in the request's language.
func writeImport(w http.ResponseWriter, r *http.Request, imp *customer.Import) {
	l := lang(r)
	for i := range imp.Errors {
		imp.Errors[i].Text = imp.Errors[i].Message.In(l)
	}
	writeJSON(w, http.StatusOK, imp)
}

func (s *Server) applyImport(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	imp, err := s.Customers.ApplyImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeImport(w, r, imp)
	return nil
}

func (s *Server) reviewImport(approve bool) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		id, note, err := decision(r)
		if err != nil {
			return err
		}
		imp, err := s.Customers.ReviewImport(r.Context(), id, approve, note)
		if err != nil {
			return err
		}
		writeImport(w, r, imp)
		return nil
	}
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func downloadHeaders(w http.ResponseWriter, contentType, name string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
}

func (s *Server) importTemplate(w http.ResponseWriter, _ *http.Request, _ *auth.Principal) error {
	downloadHeaders(w, xlsxType, "客户导入模板.xlsx")
	return importer.CustomerTemplate(w)
}

func (s *Server) assetImportTemplate(w http.ResponseWriter, _ *http.Request, _ *auth.Principal) error {
	downloadHeaders(w, xlsxType, "机具导入模板.xlsx")
	return s.Customers.KindTemplate("assets", w)
}

func (s *Server) rejectedReport(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.Customers.GetImport(r.Context(), id); err != nil {
		return err
	}
	downloadHeaders(w, xlsxType, fmt.Sprintf("导入%d-未通过行.xlsx", id))
	return s.Customers.RejectedReport(r.Context(), id, w)
}

var exportHeader = []string{"客户编号", "客户名称", "客户类型", "手机号码", "证件类型", "证件号码", "电子邮箱", "地址", "所属机构", "客户经理", "客户等级", "标签", "状态", "生日", "创建时间"}

// exportCustomers streams the filtered, scoped list as .xlsx or .csv. Numbers
// are masked unless the caller may reveal them; every export is audited.
func (s *Server) exportCustomers(format string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		f, err := customerFilter(r, page{Page: 1, Size: 1})
		if err != nil {
			return err
		}
		reveal := p.Can("customer.pii.reveal")
		zone, _ := time.LoadLocation("Asia/Shanghai")
		row := func(c *customer.Customer) []string {
			phone, id := c.Phone, c.IDNumber
			if !reveal {
				phone, id = customer.MaskPhone(phone), customer.MaskID(id)
			}
			manager, grade, birthday := "", c.Grade, ""
			if c.ManagerName != nil {
				manager = *c.ManagerName
			}
			if c.GradeName != nil {
				grade = *c.GradeName
			}
			if c.Birthday != nil {
				birthday = *c.Birthday
			}
			return []string{c.Code, c.Name, map[string]string{"individual": "个人", "organization": "企业"}[c.Kind], phone, c.IDType, id, c.Email,
				c.Address, c.OrgName, manager, grade, strings.Join(c.Tags, "，"), map[string]string{"potential": "潜在", "formal": "正式", "lost": "流失"}[c.Status],
				birthday, c.CreatedAt.In(zone).Format("2006-01-02 15:04")}
		}
		stamp := time.Now().In(zone).Format("20060102-1504")
		// Audited before the first byte leaves, so no export goes unrecorded.
		if err := s.Audit.Record(r.Context(), audit.Entry{Action: "export", Entity: "customer", OrgID: p.User.OrgID,
			Summary: "导出客户（" + format + "）", After: map[string]any{"filter": r.URL.RawQuery, "masked": !reveal}}); err != nil {
			return err
		}
		if format == "csv" {
			downloadHeaders(w, "text/csv; charset=utf-8", "客户-"+stamp+".csv")
			_, _ = w.Write([]byte("\xEF\xBB\xBF")) // a BOM makes Excel read UTF-8
			cw := csv.NewWriter(w)
			_ = cw.Write(exportHeader)
			err = s.Customers.Each(r.Context(), f, func(c *customer.Customer) error {
				return cw.Write(row(c))
			})
			cw.Flush()
		} else {
			// Streamed as it is read (xlsxstream): excelize's StreamWriter sent
			// nothing until the whole workbook was assembled.
			downloadHeaders(w, xlsxType, "客户-"+stamp+".xlsx")
			var x *xlsxstream.Writer
			if x, err = xlsxstream.New(w, "Sheet1"); err == nil {
				if err = x.Row(exportHeader); err == nil {
					err = s.Customers.Each(r.Context(), f, func(c *customer.Customer) error {
						return x.Row(row(c))
					})
				}
				if err == nil {
					err = x.Close()
				}
			}
		}
		return err
	}
}
