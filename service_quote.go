package backorder

import (
	"context"
	"time"
)

// Quote is what an order would get if it were placed now: the same
// available-to-promise decision as PlaceOrder (PlanIntake, on the same
// stock, policies and the customer's waiting units), with nothing written.
type Quote struct {
	// Status is the status the order would have, or "refused".
	Status      string `json:"status"`
	SplitPolicy string `json:"split_policy,omitempty"`
	// Lines are the lines the order would have, with the units each would
	// take from stock (allocated) and put on backorder.
	Lines []QuoteLine `json:"lines"`
	// Refused are the lines that would be refused, each with its rule.
	Refused []Refusal `json:"refused"`
	// ETA is the date the order would ship by its split policy (OrderETA),
	// when any line would wait.
	ETA *ETA `json:"eta,omitempty"`
}

// QuoteLine is one line of a quote.
type QuoteLine struct {
	LineNo        int    `json:"line_no"`
	SKU           string `json:"sku"`
	Quantity      int64  `json:"quantity"`
	Allocated     int64  `json:"allocated"`
	Backordered   int64  `json:"backordered"`
	AvailableFrom string `json:"available_from,omitempty"`
	// ETA is the promise the backordered units would get now, in fill
	// order behind the lines waiting (as PlaceOrder dates them).
	ETA *ETA `json:"eta,omitempty"`
}

// QuoteRefused is the status of a quote whose order would be refused.
const QuoteRefused = "refused"

// Quote answers what the order in req would get right now, writing
// nothing. The order ID may be left out. Returns EINVALID for a bad field
// and ENOTFOUND for an unknown SKU, as PlaceOrder does; a refusal is an
// answer (Status "refused"), not an error.
func (s *Service) Quote(ctx context.Context, req *OrderRequest) (*Quote, error) {
	r := *req
	if r.ID == "" {
		r.ID = "quote"
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	skus := sortedUnique(r.Lines, func(l LineRequest) string { return l.SKU })
	return read(ctx, s, func(tx Tx, now time.Time) (*Quote, error) {
		settings, err := tx.Settings(ctx)
		if err != nil {
			return nil, err
		}
		products, err := tx.ProductsBySKU(ctx, skus)
		if err != nil {
			return nil, err
		}
		waiting, err := customerWaiting(ctx, tx, settings, products, &r, skus, nil)
		if err != nil {
			return nil, err
		}
		avoid, err := avoidFacts(ctx, tx, settings, products, now)
		if err != nil {
			return nil, err
		}
		plan, err := PlanIntake(IntakeInput{Request: &r, Products: products, Settings: settings, CustomerBackordered: waiting, Avoid: avoid, Now: now})
		if plan == nil {
			return nil, err
		}
		q := &Quote{Lines: []QuoteLine{}, Refused: plan.Refused}
		if q.Refused == nil {
			q.Refused = []Refusal{}
		}
		if len(plan.Accepted) == 0 {
			q.Status = QuoteRefused
			return q, nil
		}
		o := &Order{ID: r.ID, Customer: r.Customer, Shipping: r.Shipping, NeedBy: r.NeedBy, SplitPolicy: plan.SplitPolicy, AcceptedAt: now, Lines: plan.Accepted}
		dates := newIntakeDates(settings, now)
		dates.quote = true
		for _, l := range o.Lines {
			st := &products[l.SKU].Stock // read for this quote alone
			st.Allocated += l.Allocated
			st.Backordered += l.Backordered
			if err := dates.date(ctx, tx, o, l, products[l.SKU]); err != nil {
				return nil, err
			}
		}
		o.Derive()
		q.Status, q.SplitPolicy, q.ETA = o.Status, plan.SplitPolicy, o.ETA
		for _, l := range o.Lines {
			q.Lines = append(q.Lines, QuoteLine{LineNo: l.LineNo, SKU: l.SKU, Quantity: l.Quantity, Allocated: l.Allocated, Backordered: l.Backordered, AvailableFrom: l.AvailableFrom, ETA: l.ETA})
		}
		return q, nil
	})
}
