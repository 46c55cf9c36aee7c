package backorder

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Allocation reasons, recorded with every allocation.
const (
	ReasonInStock = "in_stock" // allocated at intake from available stock
	ReasonFIFO    = "fifo"     // filled from the queue in order of acceptance
	// A queue fill lifted by a priority rule is recorded as "priority:" followed by
	// the rules it met, joined by "+", e.g. "priority:vip+expedited".
	reasonPriorityPrefix = "priority:"
)

// Allocation is one allocation of units to an order line, as kept in the ledger.
type Allocation struct {
	OrderID  string    `json:"order_id"`
	LineID   int64     `json:"line_id"`
	SKU      string    `json:"sku"`
	Quantity int64     `json:"quantity"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at,omitzero"`
}

// QueueEntry is a waiting (backordered) order line with its order's header
// (the order without its lines), which the fill order ranks by.
type QueueEntry struct {
	Order *Order
	Line  *Line
	// IntakeBackordered is the units the line put on backorder at intake,
	// which the metrics follow (MetricLine); Tx.WaitingLines sets it.
	IntakeBackordered int64
}

// Priority is the rank of a waiting line: its score (the sum of the weights of
// the priority rules it meets) and the names of those rules.
type Priority struct {
	Score int      `json:"score"`
	Rules []string `json:"rules,omitempty"`
}

// Reason is the allocation reason for a fill at this priority.
func (p Priority) Reason() string {
	if len(p.Rules) == 0 {
		return ReasonFIFO
	}
	return reasonPriorityPrefix + strings.Join(p.Rules, "+")
}

// PriorityOf ranks a waiting line under the settings at now. With every rule
// off (the default) all lines score 0 and the fill order is strict FIFO.
func (s *Settings) PriorityOf(e *QueueEntry, now time.Time) Priority {
	var p Priority
	r, o := s.Priority, e.Order
	if r.VIP.Enabled && o.Customer.VIP {
		p.Score += r.VIP.Weight
		p.Rules = append(p.Rules, "vip")
	}
	if r.Expedited.Enabled && o.Shipping == ShippingExpedited {
		p.Score += r.Expedited.Weight
		p.Rules = append(p.Rules, "expedited")
	}
	if r.Wholesale.Enabled && (o.Customer.Wholesale || (r.Wholesale.MinUnits > 0 && o.Units > r.Wholesale.MinUnits)) {
		p.Score += r.Wholesale.Weight
		p.Rules = append(p.Rules, "wholesale")
	}
	if r.NeedBy.Enabled && o.NeedBy != "" {
		if d, err := time.Parse(DateLayout, o.NeedBy); err == nil && d.Before(now.AddDate(0, 0, r.NeedBy.WithinDays+1)) {
			p.Score += r.NeedBy.Weight
			p.Rules = append(p.Rules, "need_by")
		}
	}
	if r.Manual.Enabled && e.Line != nil && e.Line.Raised {
		p.Score += r.Manual.Weight
		p.Rules = append(p.Rules, RuleManual)
	}
	return p
}

// RankedEntry is a queue entry with its priority and place in the fill order.
type RankedEntry struct {
	QueueEntry
	Priority Priority
	Position int
}

// FillOrder sorts waiting lines into the order in which stock fills them:
// higher priority score first, then earlier acceptance, then earlier sequence
// (the order's acceptance number), then line ID. Positions start at 1.
func FillOrder(queue []QueueEntry, s *Settings, now time.Time) []RankedEntry {
	ranked := make([]RankedEntry, len(queue))
	for i := range queue {
		ranked[i] = RankedEntry{QueueEntry: queue[i], Priority: s.PriorityOf(&queue[i], now)}
	}
	slices.SortFunc(ranked, func(a, b RankedEntry) int {
		if a.Priority.Score != b.Priority.Score {
			return b.Priority.Score - a.Priority.Score
		}
		return compareFIFO(&a.QueueEntry, &b.QueueEntry)
	})
	for i := range ranked {
		ranked[i].Position = i + 1
	}
	return ranked
}

// compareFIFO orders two lines by acceptance: time, then sequence, then line.
func compareFIFO(a, b *QueueEntry) int {
	if c := a.Order.AcceptedAt.Compare(b.Order.AcceptedAt); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Order.Seq, b.Order.Seq); c != 0 {
		return c
	}
	return cmp.Compare(a.Line.ID, b.Line.ID)
}

// Allocate fills waiting lines from available units in fill order, oldest first
// within a priority class, partial fills allowed. It returns one allocation per
// line that receives units; the rest of the queue keeps waiting.
func Allocate(available int64, queue []QueueEntry, s *Settings, now time.Time) []Allocation {
	out, _ := allocate(available, queue, s, now)
	return out
}

// allocate is Allocate that also returns, for each allocation, the queue
// entry it went to, so the fill need not look the lines up again.
func allocate(available int64, queue []QueueEntry, s *Settings, now time.Time) ([]Allocation, []QueueEntry) {
	if available <= 0 || len(queue) == 0 {
		return nil, nil
	}
	var out []Allocation
	var to []QueueEntry
	for _, e := range FillOrder(queue, s, now) {
		if available == 0 {
			break
		}
		q := min(e.Line.Backordered, available)
		if q <= 0 {
			continue
		}
		available -= q
		if out == nil {
			// Each allocation takes at least one unit.
			n := int(min(int64(len(queue)), available+q))
			out = make([]Allocation, 0, n)
			to = make([]QueueEntry, 0, n)
		}
		out = append(out, Allocation{OrderID: e.Order.ID, LineID: e.Line.ID, SKU: e.Line.SKU, Quantity: q, Reason: e.Priority.Reason(), At: now})
		to = append(to, e.QueueEntry)
	}
	return out, to
}
