package backorder

import (
	"fmt"
	"time"
)

// CheckFIFO replays the history and checks fairness: every allocation from a
// queue went to the line first in fill order among those waiting at that
// moment, and no allocation at intake took stock while another line of the
// SKU was waiting. lines maps each line ID to its line and order header; rank
// gives an order's priority score at a time (return 0 for strict FIFO).
// Movements must be complete and in ID order.
func CheckFIFO(moves []Movement, lines map[int64]*QueueEntry, rank func(o *Order, at time.Time) int) []Violation {
	var r FairnessReplay
	return r.Apply(moves, lines, rank)
}

// FairnessReplay is CheckFIFO in steps: each Apply continues the replay
// where the previous one stopped, so a test can check each new stretch of
// history under the settings in force while it was written.
type FairnessReplay struct {
	waiting map[string]map[int64]int64 // SKU -> line -> units waiting
}

// Apply replays the next movements; see CheckFIFO.
func (r *FairnessReplay) Apply(moves []Movement, lines map[int64]*QueueEntry, rank func(o *Order, at time.Time) int) []Violation {
	var out []Violation
	if r.waiting == nil {
		r.waiting = map[string]map[int64]int64{}
	}
	waiting := r.waiting
	for i := range moves {
		m := &moves[i]
		w := waiting[m.SKU]
		if w == nil {
			w = map[int64]int64{}
			waiting[m.SKU] = w
		}
		switch m.Kind {
		case MoveBackorder:
			w[m.LineID] += m.Quantity
		case MoveCancel:
			w[m.LineID] -= m.Quantity
		case MoveAllocate:
			if m.Reason == ReasonInStock {
				for id, q := range w {
					if q > 0 {
						out = append(out, Violation{Invariant: "fairness", SKU: m.SKU, LineID: m.LineID,
							Detail: fmt.Sprintf("movement %d allocated %d from stock at intake while line %d waited for %d", m.ID, m.Quantity, id, q)})
						break
					}
				}
				continue
			}
			got := lines[m.LineID]
			if got == nil {
				out = append(out, Violation{Invariant: "fairness", SKU: m.SKU, LineID: m.LineID, Detail: fmt.Sprintf("movement %d names an unknown line", m.ID)})
				continue
			}
			gotRank := rank(got.Order, m.At)
			for id, q := range w {
				if q <= 0 || id == m.LineID {
					continue
				}
				other := lines[id]
				if other == nil {
					continue
				}
				r := rank(other.Order, m.At)
				if r > gotRank || (r == gotRank && acceptedEarlier(other, got)) {
					out = append(out, Violation{Invariant: "fairness", SKU: m.SKU, LineID: m.LineID,
						Detail: fmt.Sprintf("movement %d allocated to order %s (seq %d, rank %d) while order %s (seq %d, rank %d) waited ahead of it", m.ID, got.Order.ID, got.Order.Seq, gotRank, other.Order.ID, other.Order.Seq, r)})
					break
				}
			}
			w[m.LineID] -= m.Quantity
			if w[m.LineID] < 0 {
				out = append(out, Violation{Invariant: "conservation", SKU: m.SKU, LineID: m.LineID, Detail: fmt.Sprintf("movement %d allocated more than the line had waiting", m.ID)})
			}
		}
	}
	return out
}

// acceptedEarlier is the checker's own statement of FIFO: accepted earlier,
// or at the same instant with a lower sequence number. It is deliberately
// not shared with the fill order it checks, so a fault there cannot hide
// itself here.
func acceptedEarlier(a, b *QueueEntry) bool {
	if !a.Order.AcceptedAt.Equal(b.Order.AcceptedAt) {
		return a.Order.AcceptedAt.Before(b.Order.AcceptedAt)
	}
	if a.Order.Seq != b.Order.Seq {
		return a.Order.Seq < b.Order.Seq
	}
	return a.Line.ID < b.Line.ID
}
