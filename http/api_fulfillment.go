package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleFulfillmentList lists fulfillment requests in ID order; status=ready
// is what the warehouse may ship now. The cursor is the last ID.
func handleFulfillmentList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		fs, err := svc.Fulfillments(r.Context(), backorder.FulfillmentFilter{Status: q.Get("status"), OrderID: q.Get("order_id"), After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(fs, limit, func(f *backorder.Fulfillment) string { return itoa(f.ID) }))
		return nil
	}
}

// handleFulfillmentGet shows one fulfillment request. An {id} that is not a
// positive integer is a 404, like an unknown one.
func handleFulfillmentGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Fulfillment")
		if err != nil {
			return err
		}
		f, err := svc.Fulfillment(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, f)
		return nil
	}
}

// handleFulfillmentShip marks a ready fulfillment request shipped.
func handleFulfillmentShip(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var sh backorder.Shipment
		idem, err := decodePost(w, r, &sh)
		if err != nil {
			return err
		}
		id, err := pathID(r, "id", "Fulfillment")
		if err != nil {
			return err
		}
		f, err := svc.ShipFulfillment(r.Context(), id, &sh, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, f)
		return nil
	}
}
