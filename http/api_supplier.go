package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// supplierBody is the body of PUT /v1/suppliers/{id}. The ID comes from the
// path; a body may repeat it, but only unchanged.
type supplierBody struct {
	backorder.SupplierInput
	ID *string `json:"id,omitempty"`
}

// handleSupplierPut creates (201) or replaces (200) a supplier.
func handleSupplierPut(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body supplierBody
		if err := decodeBody(w, r, &body); err != nil {
			return err
		}
		in := body.SupplierInput
		in.ID = r.PathValue("id")
		if body.ID != nil && *body.ID != in.ID {
			return backorder.FieldErrorf(backorder.EINVALID, "id", "ID in the body (%q) differs from the ID in the path (%q).", *body.ID, in.ID)
		}
		s, created, err := svc.PutSupplier(r.Context(), &in)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeJSON(w, status, s)
		return nil
	}
}

// handleSupplierGet shows one supplier.
func handleSupplierGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := svc.Supplier(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s)
		return nil
	}
}

// handleSupplierList lists suppliers in ID order; the cursor is the last ID.
func handleSupplierList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		ss, err := svc.Suppliers(r.Context(), backorder.SupplierFilter{After: r.URL.Query().Get("after"), Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ss, limit, func(s *backorder.Supplier) string { return s.ID }))
		return nil
	}
}
