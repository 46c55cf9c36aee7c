package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/dashboard"
)

// dashboardMetrics feeds the dashboard's metrics panel from the service's
// backorder metrics (the last 30 days, shop-wide), each with its target and
// status.
func dashboardMetrics(svc *backorder.Service) func(ctx context.Context) ([]dashboard.MetricRow, error) {
	return func(ctx context.Context) ([]dashboard.MetricRow, error) {
		m, err := svc.BackorderMetrics(ctx, backorder.MetricsQuery{Limit: 1})
		if err != nil {
			return nil, err
		}
		pct := func(v *float64) string {
			if v == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f%%", *v*100)
		}
		days := func(v *float64) string {
			if v == nil {
				return "–"
			}
			return fmt.Sprintf("%.1f days", *v)
		}
		row := func(name string, mt backorder.Metric, f func(*float64) string, op string) dashboard.MetricRow {
			target := "–"
			if mt.Target != nil {
				target = op + " " + f(mt.Target)
			}
			return dashboard.MetricRow{Name: name, Value: f(mt.Value), Target: target, Status: mt.Status}
		}
		c := m.Current
		var value []string
		for _, v := range c.Value.Values {
			value = append(value, backorder.FormatMajor(v.Amount, v.Currency)+" "+v.Currency)
		}
		if len(value) == 0 {
			value = []string{"0"}
		}
		return []dashboard.MetricRow{
			row("Backorder rate", m.BackorderRate, pct, "<"),
			row("Fill time (mean, to allocation)", m.FillTime, days, "<"),
			row("Cancel rate", m.CancelRate, pct, "<"),
			row("Expected within 7 days", c.ExpectedWithin7Days, pct, "≥"),
			row("Sales saved", m.SalesSaved.Metric, pct, "≥"),
			row("Oldest backorder", c.OldestAgeDays, days, "≤"),
			{Name: "Value on backorder", Value: strings.Join(value, ", "), Target: "–", Status: c.Value.Status},
		}, nil
	}
}
