package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleQuote answers what an order would get right now (200), writing
// nothing: it takes the body of POST /v1/orders, whose id may be left out.
// A refusal is an answer here (status "refused"), not a 409.
func handleQuote(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.OrderRequest
		if err := decodeBody(w, r, &req); err != nil {
			return err
		}
		if err := checkServerOwned(r, &req); err != nil {
			return err
		}
		q, err := svc.Quote(r.Context(), &req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, q)
		return nil
	}
}
