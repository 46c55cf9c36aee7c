package backorder

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEventKinds(t *testing.T) {
	for _, kind := range EventKinds {
		p, ok := NewPayload(kind)
		if !ok {
			t.Fatalf("%s: no payload type", kind)
		} else if got := p.EventKind(); got != kind {
			t.Fatalf("%s: payload %T is of kind %s", kind, p, got)
		}
		e, err := NewEvent(time.Unix(0, 0), "O-1", "", p)
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ Version int }
		if err := json.Unmarshal(e.Payload, &head); err != nil {
			t.Fatal(err)
		} else if head.Version != PayloadVersion {
			t.Fatalf("%s: version=%d, want %d", kind, head.Version, PayloadVersion)
		} else if e.Kind != kind || e.OrderID != "O-1" {
			t.Fatalf("event=%+v", e)
		}
		if _, err := DecodePayload(e); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := NewPayload("order.unknown"); ok {
		t.Fatal("NewPayload(order.unknown): ok")
	}
	if _, err := DecodePayload(Event{ID: 7, Kind: "order.unknown"}); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Fatalf("err=%v, want unknown kind", err)
	}
	if !slices.IsSorted(EventKinds) {
		t.Fatalf("EventKinds=%v, want sorted", EventKinds)
	}
}

// unencodable is a payload json cannot encode.
type unencodable struct {
	Versioned
	C chan int `json:"c"`
}

func (*unencodable) EventKind() string { return "test.unencodable" }

func TestNewEvent_ErrEncode(t *testing.T) {
	if _, err := NewEvent(time.Unix(0, 0), "O-1", "", &unencodable{}); err == nil || !strings.Contains(err.Error(), "encode test.unencodable event") {
		t.Fatalf("err=%v, want the encoding error", err)
	}
}
