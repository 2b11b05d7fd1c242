package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/customer"
)

func (s *Server) customerRoutes() {
	s.api("GET /api/v1/customers", "customer.read", s.listCustomers)
	s.api("POST /api/v1/customers", "customer.create", s.createCustomer)
	s.api("POST /api/v1/customers/bulk", "customer.update", s.bulkCustomers)
	s.api("POST /api/v1/customers/merge", "customer.merge", s.mergeCustomers)
	s.api("GET /api/v1/customers/{id}", "customer.read", s.getCustomer)
	s.api("PATCH /api/v1/customers/{id}", "customer.update", s.updateCustomer)
	s.api("DELETE /api/v1/customers/{id}", "customer.delete", s.deleteCustomer)
	s.api("POST /api/v1/customers/{id}/reveal", "customer.read", s.revealCustomer)
	s.api("GET /api/v1/customers/{id}/contacts", "customer.read", s.listContacts)
	s.api("POST /api/v1/customers/{id}/contacts", "customer.update", s.createContact)
	s.api("PATCH /api/v1/customers/{id}/contacts/{contact_id}", "customer.update", s.updateContact)
	s.api("DELETE /api/v1/customers/{id}/contacts/{contact_id}", "customer.update", s.deleteContact)
	s.api("GET /api/v1/customers/{id}/interactions", "customer.read", s.listInteractions)
	s.api("POST /api/v1/customers/{id}/interactions", "customer.update", s.createInteraction)
	s.api("GET /api/v1/customer-grades", "customer.read", s.listGrades)
	s.api("PUT /api/v1/customer-grades", "settings.update", s.setGrades)
	s.api("GET /api/v1/customer-fields", "customer.read", s.listFields)
	s.api("POST /api/v1/customer-fields", "settings.update", s.createField)
	s.api("PATCH /api/v1/customer-fields/{id}", "settings.update", s.updateField)
	s.api("DELETE /api/v1/customer-fields/{id}", "settings.update", s.deleteField)
	s.api("GET /api/v1/access-requests", "customer.read", s.listAccess)
	s.api("POST /api/v1/access-requests", "customer.read", s.requestAccess)
	s.api("POST /api/v1/access-requests/{id}/approve", "customer.access.approve", s.decideAccess(true))
	s.api("POST /api/v1/access-requests/{id}/reject", "customer.access.approve", s.decideAccess(false))
	s.api("POST /api/v1/imports", "import.create", s.startImport)
	s.api("GET /api/v1/imports", authed, s.listImports)
	s.api("GET /api/v1/imports/templates/customers.xlsx", authed, s.importTemplate)
	s.api("GET /api/v1/imports/templates/assets.xlsx", authed, s.assetImportTemplate)
	s.api("GET /api/v1/imports/{id}", authed, s.getImport)
	s.api("GET /api/v1/imports/{id}/rejected.xlsx", authed, s.rejectedReport)
	s.api("POST /api/v1/imports/{id}/apply", "import.create", s.applyImport)
	s.api("POST /api/v1/imports/{id}/approve", "import.approve", s.reviewImport(true))
	s.api("POST /api/v1/imports/{id}/reject", "import.approve", s.reviewImport(false))
	s.api("GET /api/v1/exports/customers.xlsx", "export.customers", s.exportCustomers("xlsx"))
	s.api("GET /api/v1/exports/customers.csv", "export.customers", s.exportCustomers("csv"))
}

func customerFilter(r *http.Request, pg page) (customer.Filter, error) {
	q := r.URL.Query()
	var v apperr.Validation
	f := customer.Filter{Q: q.Get("q"), Grade: q.Get("grade"), OrgID: queryInt(r, "org_id", &v), Tag: q.Get("tag"),
		ManagerID: queryInt(r, "manager_id", &v), Status: q.Get("status"), Kind: q.Get("kind"), Sort: q.Get("sort"),
		Limit: pg.Size, Offset: pg.offset(), Custom: map[string]string{}}
	for key, vals := range q {
		if code, ok := strings.CutPrefix(key, "cf."); ok && len(vals) > 0 {
			f.Custom[code] = vals[0]
		}
	}
	if !customer.ValidSort(f.Sort) {
		v.Add("sort", "排序只能是 updated_at、name、created_at（可加 - 表示倒序）", "sort must be updated_at, name or created_at, optionally with -")
	}
	if len([]rune(f.Q)) > 64 {
		v.Add("q", "搜索词不能超过 64 个字", "the search text must be at most 64 characters")
	}
	return f, v.Err()
}

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	f, err := customerFilter(r, pg)
	if err != nil {
		return err
	}
	res, err := s.Customers.ListPage(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, customerList{Items: res.Items, Total: res.Total, TotalExact: res.Exact})
	return nil
}

// customerList is the list envelope with the capped total's flag.
type customerList struct {
	Items      []*customer.Customer `json:"items"`
	Total      int                  `json:"total"`
	TotalExact bool                 `json:"total_exact"`
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in customer.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Customers.Create(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.Customers.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := requireJSON(r); err != nil {
		return err
	}
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return jsonError(err)
	}
	c, err := s.Customers.Update(r.Context(), id, raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Customers.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type revealRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) revealCustomer(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in revealRequest
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	out, err := s.Customers.Reveal(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) bulkCustomers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in customer.BulkInput
	if err := decode(r, &in); err != nil {
		return err
	}
	n, err := s.Customers.Bulk(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"updated": n})
	return nil
}

func (s *Server) mergeCustomers(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in customer.MergeInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Customers.Merge(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.Customers.Contacts(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	return s.saveContact(w, r, 0)
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	cid, err := strconv.ParseInt(r.PathValue("contact_id"), 10, 64)
	if err != nil || cid < 1 {
		return apperr.NotFoundf("联系人", "contact")
	}
	return s.saveContact(w, r, cid)
}

func (s *Server) saveContact(w http.ResponseWriter, r *http.Request, contactID int64) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in customer.ContactInput
	if err := decode(r, &in); err != nil {
		return err
	}
	c, err := s.Customers.SaveContact(r.Context(), id, contactID, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if contactID == 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, c)
	return nil
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(r.PathValue("contact_id"), 10, 64)
	if err != nil || cid < 1 {
		return apperr.NotFoundf("联系人", "contact")
	}
	if err := s.Customers.DeleteContact(r.Context(), id, cid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listInteractions(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.Customers.Interactions(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) createInteraction(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in customer.InteractionInput
	if err := decode(r, &in); err != nil {
		return err
	}
	it, err := s.Customers.AddInteraction(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, it)
	return nil
}

func (s *Server) listGrades(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Customers.Grades(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

type gradesRequest struct {
	Items []customer.Grade `json:"items"`
}

func (s *Server) setGrades(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in gradesRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	items, err := s.Customers.SetGrades(r.Context(), in.Items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) listFields(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	items, err := s.Customers.Fields(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) createField(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in customer.FieldInput
	if err := decode(r, &in); err != nil {
		return err
	}
	f, err := s.Customers.CreateField(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, f)
	return nil
}

func (s *Server) updateField(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in customer.FieldInput
	if err := decode(r, &in); err != nil {
		return err
	}
	f, err := s.Customers.UpdateField(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (s *Server) deleteField(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.Customers.DeleteField(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAccess(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := customer.GrantFilter{Mine: q.Get("mine") == "true", Status: q.Get("status"), Limit: pg.Size, Offset: pg.offset()}
	items, total, err := s.Customers.ListGrants(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) requestAccess(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in customer.GrantInput
	if err := decode(r, &in); err != nil {
		return err
	}
	g, err := s.Customers.RequestAccess(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, g)
	return nil
}

type decisionRequest struct {
	Note string `json:"note"`
}

// decision reads the id of an approve/reject call and its optional note.
func decision(r *http.Request) (int64, string, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", err
	}
	var in decisionRequest
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return 0, "", err
		}
	}
	return id, in.Note, nil
}

func (s *Server) decideAccess(approve bool) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
		id, note, err := decision(r)
		if err != nil {
			return err
		}
		g, err := s.Customers.DecideAccess(r.Context(), id, approve, note)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, g)
		return nil
	}
}
