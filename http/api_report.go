package http

import (
	"net/http"
	"time"

	"github.com/backorder/backorder"
)

// handleCancellationReport reports the cancellations of the window
// [from, to) by reason code and by SKU.
func handleCancellationReport(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		from, err := queryTime(r, "from")
		if err != nil {
			return err
		}
		to, err := queryTime(r, "to")
		if err != nil {
			return err
		}
		rep, err := svc.CancellationReport(r.Context(), from, to)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}

// queryTime reads a required time parameter: an RFC 3339 time, or a date
// (YYYY-MM-DD) meaning its start in UTC.
func queryTime(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, backorder.FieldErrorf(backorder.EINVALID, name, "%s is required: a date (YYYY-MM-DD) or an RFC 3339 time.", name)
	}
	if t, err := time.Parse(backorder.DateLayout, s); err == nil {
		return t, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return time.Time{}, backorder.FieldErrorf(backorder.EINVALID, name, "%s must be a date (YYYY-MM-DD) or an RFC 3339 time.", name)
	}
	return t.UTC(), nil
}
