package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleUserCreate creates a dashboard user (201).
func handleUserCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body backorder.UserRequest
		idem, err := decodePost(w, r, &body)
		if err != nil {
			return err
		}
		u, err := svc.CreateUser(r.Context(), &body, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, u)
		return nil
	}
}
