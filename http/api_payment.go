package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handlePaymentList shows an order's payment ledger with its balances.
func handlePaymentList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := svc.Payments(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}

// handlePaymentRecord records an outcome the payment system reports, once
// per reference, and answers with the ledger.
func handlePaymentRecord(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in backorder.PaymentOutcome
		idem, err := decodePost(w, r, &in)
		if err != nil {
			return err
		}
		l, err := svc.RecordPayment(r.Context(), r.PathValue("id"), &in, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}
