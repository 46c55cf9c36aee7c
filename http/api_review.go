package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleBackorderReview lists the waiting lines the stale policy finds
// stale, oldest first, a page at a time.
func handleBackorderReview(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		items, err := svc.Review(r.Context(), backorder.ReviewFilter{After: r.URL.Query().Get("after"), Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(items, limit, backorder.ReviewItem.Cursor))
		return nil
	}
}
