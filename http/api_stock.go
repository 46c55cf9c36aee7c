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
		writeJSON(w, http.StatusCreated, newStockReply(res))
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
		writeJSON(w, http.StatusCreated, newStockReply(res))
		return nil
	}
}

// handleBackorderQueue shows a SKU's waiting lines in fill order; without
// sku, or with any filter of the shop-wide listing, it lists the waiting
// lines of every SKU (handleBackorderList).
func handleBackorderQueue(svc *backorder.Service) apiFunc {
	list := handleBackorderList(svc)
	return func(w http.ResponseWriter, r *http.Request) error {
		sku := r.URL.Query().Get("sku")
		if sku == "" || shopWideListing(r) {
			return list(w, r)
		}
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		q, err := svc.Queue(r.Context(), backorder.QueueFilter{SKU: sku, After: r.URL.Query().Get("after"), Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(q, limit, backorder.QueuePosition.Cursor))
		return nil
	}
}

// stockReply is the reply to a receipt or an adjustment: the result, which
// lists only the first allocations, and where to list all of them.
type stockReply struct {
	*backorder.StockResult
	AllocationsURL string `json:"allocations_url"`
}

func newStockReply(res *backorder.StockResult) stockReply {
	return stockReply{StockResult: res, AllocationsURL: "/v1/receipts/" + itoa(res.Movement.ID) + "/allocations"}
}

// handleReceiptAllocations lists every allocation a receipt or an
// adjustment made, from the history, a page at a time.
func handleReceiptAllocations(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Receipt")
		if err != nil {
			return err
		}
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		ms, err := svc.Allocations(r.Context(), id, after, limit+1)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ms, limit, func(m backorder.Movement) string { return itoa(m.ID) }))
		return nil
	}
}
