package backorder

import (
	"context"
	"strings"
	"time"
)

// RuleManual names the priority rule of the lines an operator raised
// (PriorityRules.Manual): it shows in a line's Priority.Rules and in the
// reason of an allocation it decided ("priority:manual").
const RuleManual = "manual"

// PriorityRequest raises a waiting line (Raised) or lowers it back to the
// rules' rank, saying why.
type PriorityRequest struct {
	Raised bool   `json:"raised"`
	Why    string `json:"why"`
}

// Validate checks a priority change's shape.
func (r *PriorityRequest) Validate() error {
	r.Why = strings.TrimSpace(r.Why)
	if r.Why == "" {
		return FieldErrorf(EINVALID, "why", "Why is required: the history keeps who changed a line's priority and why.")
	} else if len(r.Why) > MaxTextLength {
		return FieldErrorf(EINVALID, "why", "Why must be at most %d bytes.", MaxTextLength)
	}
	return nil
}

// PriorityChange is one change of a line's priority in the history: who
// raised or lowered it, when and why.
type PriorityChange struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	OrderID string    `json:"order_id"`
	LineID  int64     `json:"line_id"`
	SKU     string    `json:"sku"`
	Raised  bool      `json:"raised"`
	By      string    `json:"by"`
	Why     string    `json:"why"`
}

// PlanPriority checks that a priority change may apply to the line: the
// manual rule is on, the line waits, and the change changes something
// (raised is whether the line is raised now). Returns ECONFLICT naming the
// field otherwise.
func PlanPriority(s *Settings, l *Line, raised bool, req *PriorityRequest) error {
	switch {
	case !s.Priority.Manual.Enabled:
		return FieldErrorf(ECONFLICT, "raised", "Manual priority is off: turn on settings priority.manual to raise lines.")
	case l.Backordered == 0:
		return FieldErrorf(ECONFLICT, "line_id", "Line %d has no units waiting.", l.ID)
	case raised == req.Raised && raised:
		return FieldErrorf(ECONFLICT, "raised", "Line %d is raised already.", l.ID)
	case raised == req.Raised:
		return FieldErrorf(ECONFLICT, "raised", "Line %d is not raised.", l.ID)
	}
	return nil
}

// LinePriorityTx is what a store keeps of raised lines.
type LinePriorityTx interface {
	// InsertPriorityChange appends a change to the history, setting its
	// ID, and marks the line raised or not as the change says.
	InsertPriorityChange(ctx context.Context, c *PriorityChange) error
	// RaisedLines returns which of the given lines are raised.
	RaisedLines(ctx context.Context, lineIDs []int64) (map[int64]bool, error)
	// PriorityChanges returns the history of an order's lines' priority,
	// oldest first.
	PriorityChanges(ctx context.Context, orderID string) ([]PriorityChange, error)
}

// LinePriorityChangedPayload (line.priority_changed): an operator raised a
// waiting line above the lines of its rank, or lowered it back.
type LinePriorityChangedPayload struct {
	Versioned
	LineID int64  `json:"line_id"`
	Raised bool   `json:"raised"`
	By     string `json:"by"`
	Why    string `json:"why"`
}

func (*LinePriorityChangedPayload) EventKind() string { return EventLinePriorityChanged }
