package backorder

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// QueueQuery selects a page of a SKU's waiting lines: Limit of them after
// the cursor After, in FIFO order (Tx.WaitingLines).
type QueueQuery struct {
	SKU   string
	After QueueCursor
	Limit int
}

// QueuePage reads up to limit waiting lines of one SKU after a cursor, in
// FIFO order; an empty page means the queue ends there.
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
		if err := eachPage(QueueCursor{}, pageSize, page, func(es []QueueEntry) (bool, error) {
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
		err := eachPage(QueueCursor{}, pageSize, page, func(es []QueueEntry) (bool, error) {
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

// eachPage reads a queue page by page from after and gives each to fn until
// fn says stop, or the queue ends.
func eachPage(after QueueCursor, size int, page QueuePage, fn func([]QueueEntry) (more bool, err error)) error {
	for {
		es, err := page(after, size)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return nil
		}
		more, err := fn(es)
		if err != nil || !more {
			return err
		}
		after = CursorOf(&es[len(es)-1])
	}
}

// QueueListCursor is where a listing of a queue in fill order stopped: the
// position of the last line listed, its priority score, its place in FIFO
// order, and the units waiting up to and including it (Units), which the
// promise dates of the next page start from.
type QueueListCursor struct {
	Position int
	Score    int
	At       QueueCursor
	Units    int64
}

// String encodes the cursor for a next_cursor.
func (c QueueListCursor) String() string {
	return fmt.Sprintf("%d.%d.%d.%d.%d.%d", c.Position, c.Score, c.At.AcceptedAt.UnixMicro(), c.At.Seq, c.At.LineID, c.Units)
}

// ParseQueueListCursor decodes a cursor made by String. Returns EINVALID
// (field "after") for anything else.
func ParseQueueListCursor(s string) (QueueListCursor, error) {
	var c QueueListCursor
	parts := strings.Split(s, ".")
	bad := FieldErrorf(EINVALID, "after", "after must be a next_cursor of this listing.")
	if len(parts) != 6 {
		return c, bad
	}
	var err error
	n := make([]int64, 6)
	for i, p := range parts {
		if n[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return c, bad
		}
	}
	if n[0] < 1 || n[3] < 0 || n[4] < 1 || n[5] < 0 {
		return c, bad
	}
	c.Position, c.Score, c.Units = int(n[0]), int(n[1]), n[5]
	c.At = QueueCursor{AcceptedAt: time.UnixMicro(n[2]).UTC(), Seq: n[3], LineID: n[4]}
	return c, nil
}

// ListQueue lists up to limit waiting lines of a SKU in fill order
// (WalkFillOrder), after the cursor after (nil: from the first).
func ListQueue(s *Settings, now time.Time, pageSize int, page QueuePage, after *QueueListCursor, limit int) ([]RankedEntry, error) {
	var out []RankedEntry
	if limit <= 0 {
		return out, nil
	}
	err := WalkFillOrder(s, now, pageSize, page, after, func(e RankedEntry) (bool, error) {
		out = append(out, e)
		return len(out) < limit, nil
	})
	return out, err
}

// WalkFillOrder gives the waiting lines of a SKU to fn one by one in fill
// order (FillOrder), each with its position, after the cursor after (nil:
// from the first), until fn says stop or the queue ends. It reads the queue
// page by page, so a walk of any queue needs memory for one page. With a
// priority rule on it reads the whole queue once to learn which classes
// wait, then each class in turn from where the walk stands.
func WalkFillOrder(s *Settings, now time.Time, pageSize int, page QueuePage, after *QueueListCursor, fn func(RankedEntry) (bool, error)) error {
	scores := []int{0}
	if s.Priority.Any() {
		seen := map[int]bool{}
		if err := eachPage(QueueCursor{}, pageSize, page, func(es []QueueEntry) (bool, error) {
			for i := range es {
				seen[s.PriorityOf(&es[i], now).Score] = true
			}
			return true, nil
		}); err != nil {
			return err
		}
		scores = scores[:0]
		for sc := range seen {
			scores = append(scores, sc)
		}
		slices.Sort(scores)
		slices.Reverse(scores)
	}
	pos := 0
	if after != nil {
		pos = after.Position
	}
	stopped := false
	for _, class := range scores {
		if stopped {
			break
		}
		var from QueueCursor
		switch {
		case after != nil && class > after.Score:
			continue // walked already
		case after != nil && class == after.Score:
			from = after.At
		}
		err := eachPage(from, pageSize, page, func(es []QueueEntry) (bool, error) {
			for _, e := range es {
				p := s.PriorityOf(&e, now)
				if p.Score != class {
					continue
				}
				pos++
				more, err := fn(RankedEntry{QueueEntry: e, Priority: p, Position: pos})
				if err != nil || !more {
					stopped = true
					return false, err
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
