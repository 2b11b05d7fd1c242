package httpapi

import (
	"net/http"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/contract"
)

func (s *Server) contractRoutes() {
	s.api("GET /api/v1/contracts", "contract.read", s.listContracts)
	s.api("POST /api/v1/contracts", "contract.create", s.createContract)
	s.api("GET /api/v1/contracts/{id}", "contract.read", s.getContract)
	s.api("PUT /api/v1/contracts/{id}", "contract.update", s.updateContract)
	s.api("GET /api/v1/contracts/{id}/assets", "contract.read", s.contractDevices)
	s.api("PUT /api/v1/contracts/{id}/assets", "contract.update", s.coverDevices)
}

func (s *Server) listContracts(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	pg, err := parsePage(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	q := r.URL.Query()
	f := contract.Filter{ClientOrgID: queryInt(r, "client_org_id", &v), VendorOrgID: queryInt(r, "vendor_org_id", &v),
		ExpiringWithin: int(queryInt(r, "expiring_within", &v)), Status: q.Get("status"), Q: q.Get("q"), Limit: pg.Size, Offset: pg.offset()}
	if f.ExpiringWithin < 0 || f.ExpiringWithin > 3650 {
		v.Add("expiring_within", "须在 1 到 3650 天之间", "must be between 1 and 3650 days")
	}
	if err := v.Err(); err != nil {
		return err
	}
	items, total, err := s.Contracts.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}

func (s *Server) createContract(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	var in contract.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := s.Contracts.Create(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, k)
	return nil
}

func (s *Server) getContract(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	k, err := s.Contracts.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) updateContract(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in contract.Input
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := s.Contracts.Update(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

func (s *Server) contractDevices(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := s.Contracts.Devices(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, len(items)))
	return nil
}

func (s *Server) coverDevices(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		AssetIDs []int64 `json:"asset_ids"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	k, err := s.Contracts.Cover(r.Context(), id, in.AssetIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}
