package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleOrderCreate places an order (201). A refused order is a 409 naming
// the line and rule; it is kept only as lost demand.
func handleOrderCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.OrderRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		if err := checkServerOwned(r, &req); err != nil {
			return err
		}
		o, err := svc.PlaceOrder(r.Context(), &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, o)
		return nil
	}
}

// handleOrderList lists orders in acceptance order; the cursor is the last
// order's seq.
func handleOrderList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		os, err := svc.Orders(r.Context(), backorder.OrderFilter{CustomerID: q.Get("customer_id"), SKU: q.Get("sku"), Status: q.Get("status"), After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(os, limit, func(o *backorder.Order) string { return itoa(o.Seq) }))
		return nil
	}
}

// handleOrderGet shows an order with its lines and allocations.
func handleOrderGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, err := svc.Order(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	}
}

// handleOrderCancel cancels an order, or some units of some lines.
func handleOrderCancel(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.CancelRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		o, err := svc.CancelOrder(r.Context(), r.PathValue("id"), &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	}
}

// splitChoice is the body of POST /v1/orders/{id}/split-choice.
type splitChoice struct {
	Choice string `json:"choice"`
}

// handleOrderSplitChoice records how a customer_choice order ships.
func handleOrderSplitChoice(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req splitChoice
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		o, err := svc.ChooseSplit(r.Context(), r.PathValue("id"), req.Choice, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, o)
		return nil
	}
}

// handleLinePriority raises a waiting line or lowers it back; the admin
// token's changes are recorded as by "api".
func handleLinePriority(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		lineID, err := pathID(r, "line_id", "Line")
		if err != nil {
			return err
		}
		var req backorder.PriorityRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		c, err := svc.SetLinePriority(r.Context(), r.PathValue("id"), lineID, &req, "api", idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}
