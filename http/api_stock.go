package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleReceiptCreate records received units (201); the reply lists the
// allocations the workflow made from them.
func handleReceiptCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.ReceiptRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		res, err := svc.Receive(r.Context(), &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, res)
		return nil
	}
}

// handleAdjustmentCreate records a signed change to on_hand (201).
func handleAdjustmentCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.AdjustmentRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		res, err := svc.Adjust(r.Context(), &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, res)
		return nil
	}
}

// handleBackorderQueue shows a SKU's waiting lines in fill order.
func handleBackorderQueue(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sku := r.URL.Query().Get("sku")
		if sku == "" {
			return backorder.FieldErrorf(backorder.EINVALID, "sku", "The sku parameter is required.")
		}
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		q, err := svc.Queue(r.Context(), sku, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(q, 0, nil))
		return nil
	}
}
