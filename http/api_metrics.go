package http

import (
	"net/http"
	"strconv"

	"github.com/backorder/backorder"
)

// metricsReply is the reply of GET /v1/metrics/backorders: the metrics, and
// the cursor of the next page of the per-SKU breakdown.
type metricsReply struct {
	*backorder.BackorderMetrics
	NextCursor string `json:"next_cursor,omitempty"`
}

// metricsQuery reads the query of the metrics routes: from, to, sku, sort,
// order (asc or desc), limit and after (the next_cursor of the last page).
func metricsQuery(r *http.Request) (backorder.MetricsQuery, error) {
	v := r.URL.Query()
	q := backorder.MetricsQuery{From: v.Get("from"), To: v.Get("to"), SKU: v.Get("sku"), Sort: v.Get("sort")}
	order, err := queryEnum(r, "order", "asc", "desc")
	if err != nil {
		return q, err
	}
	q.Desc = order == "desc"
	if q.Limit, err = queryLimit(r); err != nil {
		return q, err
	}
	after, err := queryInt64(r, "after")
	if err != nil {
		return q, err
	}
	if after > int64(backorder.MaxMetricSKUs) {
		return q, backorder.FieldErrorf(backorder.EINVALID, "after", "after must be a cursor from next_cursor.")
	}
	q.Offset = int(after)
	return q, nil
}

// handleBackorderMetrics reports the backorder metrics against their
// targets, read from the aggregates, with a page of the per-SKU breakdown.
func handleBackorderMetrics(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := metricsQuery(r)
		if err != nil {
			return err
		}
		m, err := svc.BackorderMetrics(r.Context(), q)
		if err != nil {
			return err
		}
		reply := metricsReply{BackorderMetrics: m}
		if m.NextOffset > 0 {
			reply.NextCursor = strconv.Itoa(m.NextOffset)
		}
		writeJSON(w, http.StatusOK, reply)
		return nil
	}
}

// handleMetrics serves the Prometheus exposition, behind its own bearer
// token when one is set (the admin token does not open it).
func handleMetrics(h http.Handler, tokenHash *[32]byte) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if h == nil {
			return backorder.Errorf(backorder.ENOTFOUND, "Metrics are not served by this server.")
		}
		if tokenHash != nil {
			if err := checkToken(r, *tokenHash); err != nil {
				return err
			}
		}
		h.ServeHTTP(w, r)
		return nil
	}
}
