package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handlePOCreate records a purchase order (201).
func handlePOCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.PurchaseOrderRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		po, err := svc.CreatePurchaseOrder(r.Context(), &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, po)
		return nil
	}
}

// handlePOGet shows one purchase order with its lines and date changes.
func handlePOGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Purchase order")
		if err != nil {
			return err
		}
		po, err := svc.PurchaseOrder(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, po)
		return nil
	}
}

// handlePOList lists purchase orders in ID order, by supplier and status.
func handlePOList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		status, err := queryEnum(r, "status", backorder.POOpen, backorder.POReceived, backorder.POCancelled)
		if err != nil {
			return err
		}
		pos, err := svc.PurchaseOrders(r.Context(), backorder.POFilter{SupplierID: r.URL.Query().Get("supplier_id"), Status: status, After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(pos, limit, func(po *backorder.PurchaseOrder) string { return itoa(po.ID) }))
		return nil
	}
}

// poPatch is the body of PATCH /v1/purchase-orders/{id}.
type poPatch struct {
	ExpectedAt *string `json:"expected_at"`
}

// handlePOPatch moves a purchase order's expected date (200).
func handlePOPatch(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Purchase order")
		if err != nil {
			return err
		}
		var body poPatch
		if err := decodeBody(w, r, &body); err != nil {
			return err
		}
		if body.ExpectedAt == nil {
			return backorder.FieldErrorf(backorder.EINVALID, "expected_at", "Expected date is required: it is what a purchase order's change moves.")
		}
		po, err := svc.ReschedulePurchaseOrder(r.Context(), id, *body.ExpectedAt)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, po)
		return nil
	}
}

// handlePOReceipt records a delivery against a purchase order (201).
func handlePOReceipt(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Purchase order")
		if err != nil {
			return err
		}
		var req backorder.POReceiptRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		res, err := svc.ReceivePurchaseOrder(r.Context(), id, &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		reply := poReceiptReply{PurchaseOrder: res.PurchaseOrder, Receipts: make([]stockReply, len(res.Receipts))}
		for i, rc := range res.Receipts {
			reply.Receipts[i] = newStockReply(rc)
		}
		writeJSON(w, http.StatusCreated, reply)
		return nil
	}
}

// poReceiptReply is a delivery's reply: each receipt as POST /v1/receipts
// answers it.
type poReceiptReply struct {
	PurchaseOrder *backorder.PurchaseOrder `json:"purchase_order"`
	Receipts      []stockReply             `json:"receipts"`
}

// handlePOCancel cancels what is still open on a purchase order (200).
func handlePOCancel(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Purchase order")
		if err != nil {
			return err
		}
		// The body may be empty, or an empty object.
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		idem, err := idempotency(r, body)
		if err != nil {
			return err
		}
		if err := decodeOptional(body, &struct{}{}); err != nil {
			return err
		}
		po, err := svc.CancelPurchaseOrder(r.Context(), id, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, po)
		return nil
	}
}
