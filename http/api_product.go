package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// productBody is the body of PUT /v1/products/{sku}. The SKU comes from the
// path; a body may repeat it, but only unchanged.
type productBody struct {
	backorder.ProductInput
	SKU *string `json:"sku,omitempty"`
}

// handleProductPut creates (201) or replaces (200) a product.
func handleProductPut(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body productBody
		if err := decodeBody(w, r, &body); err != nil {
			return err
		}
		in := body.ProductInput
		in.SKU = r.PathValue("sku")
		if body.SKU != nil && *body.SKU != in.SKU {
			return backorder.FieldErrorf(backorder.EINVALID, "sku", "SKU in the body (%q) differs from the SKU in the path (%q).", *body.SKU, in.SKU)
		}
		p, created, err := svc.PutProduct(r.Context(), &in)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeJSON(w, status, p)
		return nil
	}
}

// handleProductGet shows a product with its effective policy and live quantities.
func handleProductGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := svc.Product(r.Context(), r.PathValue("sku"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

// handleProductList lists products in SKU order; the cursor is the last SKU.
func handleProductList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		status, err := queryEnum(r, "status", backorder.StatusActive, backorder.StatusPreorder, backorder.StatusDiscontinued)
		if err != nil {
			return err
		}
		ps, err := svc.Products(r.Context(), backorder.ProductFilter{Status: status, After: r.URL.Query().Get("after"), Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ps, limit, func(p *backorder.Product) string { return p.SKU }))
		return nil
	}
}

// handleSettingsGet shows the shop-wide defaults and priority rules.
func handleSettingsGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := svc.Settings(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s)
		return nil
	}
}

// handleSettingsPut replaces the settings.
func handleSettingsPut(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in backorder.Settings
		if err := decodeBody(w, r, &in); err != nil {
			return err
		}
		s, err := svc.PutSettings(r.Context(), &in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s)
		return nil
	}
}
