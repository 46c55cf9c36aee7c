package http

import (
	"net/http"
	"strconv"

	"github.com/backorder/backorder"
)

// backorderListParams are the filters of the shop-wide listing of waiting
// lines beside sku.
var backorderListParams = []string{"customer_id", "min_age_days", "max_age_days", "priority", "promised_from", "promised_by"}

// shopWideListing reports whether a request of /v1/backorders uses a
// filter of the shop-wide listing.
func shopWideListing(r *http.Request) bool {
	q := r.URL.Query()
	for _, p := range backorderListParams {
		if q.Has(p) {
			return true
		}
	}
	return false
}

// backorderFilter reads the filter of the shop-wide listing from the query.
func backorderFilter(r *http.Request) (backorder.BackorderFilter, error) {
	q := r.URL.Query()
	f := backorder.BackorderFilter{SKU: q.Get("sku"), CustomerID: q.Get("customer_id"), Priority: q.Get("priority"),
		PromisedFrom: q.Get("promised_from"), PromisedBy: q.Get("promised_by"), After: q.Get("after")}
	for _, p := range []struct {
		name string
		v    *int
	}{{"min_age_days", &f.MinAgeDays}, {"max_age_days", &f.MaxAgeDays}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return f, backorder.FieldErrorf(backorder.EINVALID, p.name, "%s must be a whole number of days.", p.name)
			}
			*p.v = n
		}
	}
	return f, nil
}

// handleBackorderList lists the waiting lines of every SKU, oldest first,
// filtered by SKU, customer, age, priority class and promise date.
func handleBackorderList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := backorderFilter(r)
		if err != nil {
			return err
		}
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		f.Limit = limit + 1
		ls, err := svc.Backorders(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ls, limit, backorder.BackorderLine.Cursor))
		return nil
	}
}
