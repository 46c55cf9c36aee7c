package backorder

import (
	"slices"
	"time"
)

// QueueCursor is a place in a SKU's queue in FIFO order (compareFIFO):
// after the line LineID of the order accepted at AcceptedAt with Seq. The
// zero cursor is before the first line.
type QueueCursor struct {
	AcceptedAt time.Time
	Seq        int64
	LineID     int64
}

// CursorOf is the cursor just after e.
func CursorOf(e *QueueEntry) QueueCursor {
	return QueueCursor{AcceptedAt: e.Order.AcceptedAt, Seq: e.Order.Seq, LineID: e.Line.ID}
}

// QueuePage reads up to limit waiting lines of one SKU after a cursor, in
// FIFO order; fewer than limit means the queue ends there.
type QueuePage func(after QueueCursor, limit int) ([]QueueEntry, error)

// ClassBudget is the units a priority class (the waiting lines of one score)
// receives from a fill.
type ClassBudget struct {
	Score int
	Units int64
}

// ClassBudgets splits available units among priority classes by the units
// each has waiting (by score): the highest score first, each class filled
// whole before the next gets any. Classes that receive nothing are left out.
// With every priority rule off there is one class, score 0.
func ClassBudgets(available int64, waiting map[int]int64) []ClassBudget {
	scores := make([]int, 0, len(waiting))
	for s := range waiting {
		scores = append(scores, s)
	}
	slices.Sort(scores)
	slices.Reverse(scores)
	var out []ClassBudget
	for _, s := range scores {
		if available <= 0 {
			break
		}
		if n := min(waiting[s], available); n > 0 {
			out = append(out, ClassBudget{Score: s, Units: n})
			available -= n
		}
	}
	return out
}

// FillQueue is Allocate over a queue read page by page, so that a fill of any
// size needs memory for one page only. It allocates available units in fill
// order (FillOrder: higher priority score first, FIFO within a score) and
// hands each page's allocations, with the entries they went to, to sink in
// that order. The result is exactly Allocate's on the whole queue.
//
// With a priority rule on, it first reads the whole queue once to learn how
// many units wait in each class (ClassBudgets), then reads it once more per
// class that receives units. With every rule off it reads only as far as the
// units go. It returns the units allocated.
func FillQueue(available int64, s *Settings, now time.Time, pageSize int, page QueuePage, sink func([]Allocation, []QueueEntry) error) (int64, error) {
	if available <= 0 {
		return 0, nil
	}
	budgets := []ClassBudget{{Score: 0, Units: available}}
	if s.Priority.Any() {
		waiting := map[int]int64{}
		if err := eachPage(pageSize, page, func(es []QueueEntry) (bool, error) {
			for i := range es {
				waiting[s.PriorityOf(&es[i], now).Score] += es[i].Line.Backordered
			}
			return true, nil
		}); err != nil {
			return 0, err
		}
		budgets = ClassBudgets(available, waiting)
	}
	var total int64
	for _, b := range budgets {
		left := b.Units
		err := eachPage(pageSize, page, func(es []QueueEntry) (bool, error) {
			var allocs []Allocation
			var to []QueueEntry
			for i := range es {
				if left == 0 {
					break
				}
				e := &es[i]
				p := s.PriorityOf(e, now)
				q := min(e.Line.Backordered, left)
				if p.Score != b.Score || q <= 0 {
					continue
				}
				left -= q
				allocs = append(allocs, Allocation{OrderID: e.Order.ID, LineID: e.Line.ID, SKU: e.Line.SKU, Quantity: q, Reason: p.Reason(), At: now})
				to = append(to, *e)
			}
			if len(allocs) > 0 {
				if err := sink(allocs, to); err != nil {
					return false, err
				}
			}
			return left > 0, nil
		})
		if err != nil {
			return total, err
		}
		total += b.Units - left
	}
	return total, nil
}

// eachPage reads a queue page by page and gives each to fn until fn says
// stop, or the queue ends.
func eachPage(size int, page QueuePage, fn func([]QueueEntry) (more bool, err error)) error {
	var after QueueCursor
	for {
		es, err := page(after, size)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		more, err := fn(es)
		if err != nil || !more || len(es) < size {
			return err
		}
		after = CursorOf(&es[len(es)-1])
	}
}
