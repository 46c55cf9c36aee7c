package dashboard

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backorder/backorder"
)

// Panel sizes.
const (
	queueRows     = 50
	productRows   = 100
	poRows        = 100
	atRiskRows    = 20
	lostDays      = 90
	lostPageLimit = 500
	lostMaxPages  = 40
	forecastDays  = 28
	trendDays     = 30
	reviewRows    = 20
)

type dashboardPage struct {
	Title      string
	User       string
	CSRF       string
	Flash      string
	FlashError string
	Tracking   *backorder.Tracking
	Metrics    []MetricRow
	Aging      chart
	Trend      chart
	TrendDays  int
	Review     []backorder.ReviewItem
	ReviewMore bool
	StaleOn    bool
	Projection *backorder.ProjectionReport
	SKU        string
	SKUTabs    []skuTab
	Queue      []backorder.QueuePosition
	ManualOn   bool
	QueueMore  bool
	Forecast   *backorder.Forecast
	Lost       []lostRow
	LostDays   int
	LostCapped bool
	LostRead   int
	Products   []*backorder.Product
	POs        []*backorder.PurchaseOrder
	AtRisk     []backorder.AtRiskPO
}

type skuTab struct {
	SKU     string
	Lines   int64
	Current bool
}

// lostRow is the refused demand of one SKU.
type lostRow struct {
	SKU   string
	Count int
	Units int64
	Value []backorder.Money
	Rules string
	rules map[string]bool
}

// handleIndex shows the dashboard to a signed-in user and the sign-in form
// to anyone else.
func (h *Handler) handleIndex(w http.ResponseWriter, r *http.Request) {
	s, err := h.currentSession(r)
	if err != nil {
		h.fail(w, err)
		return
	} else if s == nil {
		h.render(w, http.StatusOK, "signin", signinPage{Title: "Sign in"})
		return
	}
	q := r.URL.Query()
	var flash string
	switch q.Get("done") {
	case "cancelled":
		flash = "Cancelled the waiting units of order " + q.Get("order") + "."
	case "raised", "lowered":
		flash = "The priority of order " + q.Get("order") + " was " + q.Get("done") + "."
	case "moved":
		flash = "Moved the expected date of purchase order " + q.Get("po") + " to " + q.Get("date") + "."
	}
	h.renderDashboard(w, r, s, q.Get("sku"), http.StatusOK, flash, "")
}

// renderDashboard reads every panel and renders the page.
func (h *Handler) renderDashboard(w http.ResponseWriter, r *http.Request, s *backorder.Session, sku string, status int, flash, flashErr string) {
	ctx := r.Context()
	svc := h.cfg.Service
	p := dashboardPage{Title: "Dashboard", User: s.Email, CSRF: s.CSRF, Flash: flash, FlashError: flashErr, LostDays: lostDays}
	var err error
	if p.Tracking, err = svc.Tracking(ctx); err != nil {
		h.fail(w, err)
		return
	}
	p.Aging = agingChart(p.Tracking.Aging)
	if h.cfg.MetricsFunc != nil {
		if p.Metrics, err = h.cfg.MetricsFunc(ctx); err != nil {
			h.fail(w, err)
			return
		}
	}
	settings, err := svc.Settings(ctx)
	if err != nil {
		h.fail(w, err)
		return
	}
	p.ManualOn = settings.Priority.Manual.Enabled
	p.TrendDays = trendDays
	trend, err := svc.BackorderTrend(ctx, trendDays)
	if err != nil {
		h.fail(w, err)
		return
	}
	p.Trend = trendChart(trend)
	p.StaleOn = settings.Stale.On()
	if p.Review, err = svc.Review(ctx, backorder.ReviewFilter{Limit: reviewRows + 1}); err != nil {
		h.fail(w, err)
		return
	}
	if len(p.Review) > reviewRows {
		p.Review, p.ReviewMore = p.Review[:reviewRows], true
	}
	if p.Projection, err = svc.Project(ctx, backorder.TrackingDays); err != nil {
		h.fail(w, err)
		return
	}
	if sku == "" && len(p.Tracking.SKUs) > 0 {
		sku = p.Tracking.SKUs[0].SKU
	}
	p.SKU = sku
	for _, b := range p.Tracking.SKUs {
		p.SKUTabs = append(p.SKUTabs, skuTab{SKU: b.SKU, Lines: b.Lines, Current: b.SKU == sku})
	}
	if sku != "" {
		p.Queue, err = svc.Queue(ctx, backorder.QueueFilter{SKU: sku, Limit: queueRows + 1})
		if backorder.ErrorCode(err) == backorder.ENOTFOUND {
			p.FlashError, p.SKU, err = backorder.ErrorMessage(err), "", nil
		} else if err != nil {
			h.fail(w, err)
			return
		}
		if len(p.Queue) > queueRows {
			p.Queue, p.QueueMore = p.Queue[:queueRows], true
		}
		if p.SKU != "" {
			if p.Forecast, err = svc.Forecast(ctx, sku, forecastDays); err != nil {
				h.fail(w, err)
				return
			}
		}
	}
	if p.Lost, p.LostRead, p.LostCapped, err = h.lostBySKU(r, time.Duration(lostDays)*24*time.Hour); err != nil {
		h.fail(w, err)
		return
	}
	if p.Products, err = svc.Products(ctx, backorder.ProductFilter{Limit: productRows}); err != nil {
		h.fail(w, err)
		return
	}
	if p.POs, err = svc.PurchaseOrders(ctx, backorder.POFilter{Status: backorder.POOpen, Limit: poRows}); err != nil {
		h.fail(w, err)
		return
	}
	if p.AtRisk, _, err = svc.AtRiskPurchaseOrders(ctx, nil, atRiskRows); err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, status, "dashboard", p)
}

// lostBySKU sums the refused demand of the window per SKU, most value
// first, reading at most lostMaxPages pages.
func (h *Handler) lostBySKU(r *http.Request, window time.Duration) ([]lostRow, int, bool, error) {
	since := h.cfg.Service.Now().Add(-window)
	by := map[string]*lostRow{}
	var after int64
	read := 0
	for page := 0; ; page++ {
		if page == lostMaxPages {
			return sortLost(by), read, true, nil
		}
		ls, err := h.cfg.Service.LostDemand(r.Context(), backorder.LostDemandFilter{Since: since, After: after, Limit: lostPageLimit})
		if err != nil {
			return nil, 0, false, err
		}
		for _, l := range ls {
			row := by[l.SKU]
			if row == nil {
				row = &lostRow{SKU: l.SKU, rules: map[string]bool{}}
				by[l.SKU] = row
			}
			row.Count++
			row.Units += l.Quantity
			row.Value = addMoney(row.Value, backorder.Money{Amount: l.ValueCents, Currency: l.Currency})
			row.rules[l.Rule] = true
			after = l.ID
		}
		read += len(ls)
		if len(ls) < lostPageLimit {
			return sortLost(by), read, false, nil
		}
	}
}

func sortLost(by map[string]*lostRow) []lostRow {
	out := make([]lostRow, 0, len(by))
	for _, row := range by {
		rules := make([]string, 0, len(row.rules))
		for r := range row.rules {
			rules = append(rules, r)
		}
		slices.Sort(rules)
		row.Rules = strings.Join(rules, ", ")
		out = append(out, *row)
	}
	slices.SortFunc(out, func(a, b lostRow) int {
		if a.Units != b.Units {
			return int(b.Units - a.Units)
		}
		return strings.Compare(a.SKU, b.SKU)
	})
	return out
}

// addMoney adds m to its currency's sum, keeping currencies in order.
func addMoney(sums []backorder.Money, m backorder.Money) []backorder.Money {
	for i := range sums {
		if sums[i].Currency == m.Currency {
			sums[i].Amount += m.Amount
			return sums
		}
	}
	sums = append(sums, m)
	slices.SortFunc(sums, func(a, b backorder.Money) int { return strings.Compare(a.Currency, b.Currency) })
	return sums
}

// handleCancel cancels the waiting units of one order line with the
// operator's reason, through the service's cancellation flow (the units go
// nowhere else: only backordered units are named).
func (h *Handler) handleCancel(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	f := r.PostForm
	sku := f.Get("sku")
	lineID, err1 := strconv.ParseInt(f.Get("line_id"), 10, 64)
	units, err2 := strconv.ParseInt(f.Get("units"), 10, 64)
	if err1 != nil || err2 != nil || lineID < 1 || units < 1 {
		h.renderDashboard(w, r, s, sku, http.StatusUnprocessableEntity, "", "The cancellation names no waiting line.")
		return
	}
	reason := strings.TrimSpace(f.Get("reason"))
	if reason != "" {
		reason += " (by " + s.Email + ")"
	}
	order := f.Get("order_id")
	_, err := h.cfg.Service.CancelOrder(r.Context(), order, &backorder.CancelRequest{
		Reason: reason, Lines: []backorder.CancelLine{{LineID: lineID, Quantity: units}},
	}, nil)
	if err != nil {
		if backorder.ErrorCode(err) == backorder.EINTERNAL {
			h.fail(w, err)
			return
		}
		h.renderDashboard(w, r, s, sku, statusOf(err), "", "Order "+order+" was not cancelled: "+backorder.ErrorMessage(err))
		return
	}
	http.Redirect(w, r, "/?"+url.Values{"sku": {sku}, "done": {"cancelled"}, "order": {order}}.Encode(), http.StatusSeeOther)
}

// handlePriority raises a waiting line or lowers it back, recorded with
// the signed-in user and their reason.
func (h *Handler) handlePriority(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	f := r.PostForm
	sku, order := f.Get("sku"), f.Get("order_id")
	lineID, err := strconv.ParseInt(f.Get("line_id"), 10, 64)
	if err != nil || lineID < 1 {
		h.renderDashboard(w, r, s, sku, http.StatusUnprocessableEntity, "", "The change names no waiting line.")
		return
	}
	req := &backorder.PriorityRequest{Raised: f.Get("raised") == "true", Why: f.Get("why")}
	c, err := h.cfg.Service.SetLinePriority(r.Context(), order, lineID, req, s.Email, nil)
	if err != nil {
		if backorder.ErrorCode(err) == backorder.EINTERNAL {
			h.fail(w, err)
			return
		}
		h.renderDashboard(w, r, s, sku, statusOf(err), "", "The priority of order "+order+" was not changed: "+backorder.ErrorMessage(err))
		return
	}
	done := "lowered"
	if c.Raised {
		done = "raised"
	}
	http.Redirect(w, r, "/?"+url.Values{"sku": {sku}, "done": {done}, "order": {order}}.Encode(), http.StatusSeeOther)
}

// handlePODate moves a purchase order's expected date.
func (h *Handler) handlePODate(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r.Context())
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		http.NotFound(w, r)
		return
	}
	date := strings.TrimSpace(r.PostForm.Get("expected_at"))
	po, err := h.cfg.Service.ReschedulePurchaseOrder(r.Context(), id, date)
	if err != nil {
		if backorder.ErrorCode(err) == backorder.EINTERNAL {
			h.fail(w, err)
			return
		}
		h.renderDashboard(w, r, s, "", statusOf(err), "", "The expected date was not moved: "+backorder.ErrorMessage(err))
		return
	}
	http.Redirect(w, r, "/?"+url.Values{"done": {"moved"}, "po": {po.Reference}, "date": {po.ExpectedAt}}.Encode(), http.StatusSeeOther)
}

func statusOf(err error) int {
	switch backorder.ErrorCode(err) {
	case backorder.ENOTFOUND:
		return http.StatusNotFound
	case backorder.ECONFLICT, backorder.EREFUSED:
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}
