package http

import (
	"net/http"
	"strconv"

	"github.com/backorder/backorder"
)

// handleProjection reports the share of current backorders expected within
// days (7 unless given), shop-wide and per SKU.
func handleProjection(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		days := 7
		if s := r.URL.Query().Get("days"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return backorder.FieldErrorf(backorder.EINVALID, "days", "days must be a whole number of days, such as 7.")
			}
			days = n
		}
		rep, err := svc.Project(r.Context(), days)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}
