package http

import (
	"net/http"
	"strconv"

	"github.com/backorder/backorder"
)

// handleAtRisk lists the open purchase orders at risk (overdue, or late by
// their supplier's record), ranked by the value of the backorders waiting on
// them, with the orders affected. The cursor is the last entry's place in
// the ranking (backorder.AtRiskCursor).
func handleAtRisk(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		var after *backorder.AtRiskCursor
		if s := r.URL.Query().Get("after"); s != "" {
			c, err := backorder.ParseAtRiskCursor(s)
			if err != nil {
				return err
			}
			after = &c
		}
		as, next, err := svc.AtRiskPurchaseOrders(r.Context(), after, limit)
		if err != nil {
			return err
		}
		p := page[backorder.AtRiskPO]{Data: as}
		if p.Data == nil {
			p.Data = []backorder.AtRiskPO{}
		}
		if next != nil {
			p.NextCursor = next.String()
		}
		writeJSON(w, http.StatusOK, p)
		return nil
	}
}

// handleForecast reports a SKU's demand over the last days (28 unless
// given), its cover, projected stock-out and suggested order.
func handleForecast(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		days := backorder.DefaultForecastDays
		if s := r.URL.Query().Get("days"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return backorder.FieldErrorf(backorder.EINVALID, "days", "days must be a whole number of days between 1 and %d, such as 28.", backorder.MaxForecastDays)
			}
			days = n
		}
		f, err := svc.Forecast(r.Context(), r.PathValue("sku"), days)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, f)
		return nil
	}
}
