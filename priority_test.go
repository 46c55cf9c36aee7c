package backorder_test

import (
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestPlanPriority(t *testing.T) {
	on := backorder.DefaultSettings()
	on.Priority.Manual.Enabled = true
	off := backorder.DefaultSettings()
	waiting := &backorder.Line{ID: 7, Backordered: 3}
	filled := &backorder.Line{ID: 8, Allocated: 3}
	raise := &backorder.PriorityRequest{Raised: true, Why: "x"}
	lower := &backorder.PriorityRequest{Raised: false, Why: "x"}
	for _, tc := range []struct {
		name     string
		s        *backorder.Settings
		l        *backorder.Line
		raised   bool
		req      *backorder.PriorityRequest
		code     string
		field    string
		contains string
	}{
		{"OKRaise", &on, waiting, false, raise, "", "", ""},
		{"OKLower", &on, waiting, true, lower, "", "", ""},
		{"ErrRuleOff", &off, waiting, false, raise, backorder.ECONFLICT, "raised", "Manual priority is off"},
		{"ErrNothingWaiting", &on, filled, false, raise, backorder.ECONFLICT, "line_id", "no units waiting"},
		{"ErrRaisedAlready", &on, waiting, true, raise, backorder.ECONFLICT, "raised", "raised already"},
		{"ErrNotRaised", &on, waiting, false, lower, backorder.ECONFLICT, "raised", "not raised"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := backorder.PlanPriority(tc.s, tc.l, tc.raised, tc.req)
			if got := backorder.ErrorCode(err); got != tc.code {
				t.Fatalf("PlanPriority() code = %q (%v), want %q", got, err, tc.code)
			}
			if err != nil {
				if e := backorder.AsError(err); e.Field != tc.field || !strings.Contains(e.Message, tc.contains) {
					t.Fatalf("PlanPriority() = %+v, want field %q and %q", e, tc.field, tc.contains)
				}
			}
		})
	}
}

func TestPriorityRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		why  string
		code string
	}{
		{" urgent ", ""},
		{"", backorder.EINVALID},
		{"   ", backorder.EINVALID},
		{strings.Repeat("w", backorder.MaxTextLength+1), backorder.EINVALID},
	} {
		r := backorder.PriorityRequest{Raised: true, Why: tc.why}
		if got := backorder.ErrorCode(r.Validate()); got != tc.code {
			t.Errorf("Validate(why=%.10q) = %q, want %q", tc.why, got, tc.code)
		}
	}
}

func TestPriorityOfManual(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	o := &backorder.Order{Customer: backorder.Customer{VIP: true}}
	raised := &backorder.Line{Raised: true}
	for _, tc := range []struct {
		name        string
		manual, vip bool
		line        *backorder.Line
		score       int
		reason      string
	}{
		{"Off", false, false, raised, 0, "fifo"},
		{"On", true, false, raised, 20, "priority:manual"},
		{"OnNotRaised", true, false, &backorder.Line{}, 0, "fifo"},
		{"WithVIP", true, true, raised, 30, "priority:vip+manual"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := backorder.DefaultSettings()
			s.Priority.Manual.Enabled, s.Priority.VIP.Enabled = tc.manual, tc.vip
			if got := s.Priority.Any(); got != (tc.manual || tc.vip) {
				t.Fatalf("Any() = %v", got)
			}
			p := s.PriorityOf(&backorder.QueueEntry{Order: o, Line: tc.line}, now)
			if p.Score != tc.score || p.Reason() != tc.reason {
				t.Fatalf("PriorityOf = %d %s, want %d %s", p.Score, p.Reason(), tc.score, tc.reason)
			}
		})
	}
}
