package backorder_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestEmailMoments(t *testing.T) {
	waiting := []backorder.EventLine{{SKU: "A", Quantity: 3, Allocated: 1, Backordered: 2}}
	allStock := []backorder.EventLine{{SKU: "A", Quantity: 3, Allocated: 3}}
	onlyWaiting := []backorder.EventLine{{SKU: "A", Quantity: 3, Backordered: 3}}
	order := func(policy, choice string, lines ...*backorder.Line) *backorder.Order {
		return &backorder.Order{SplitPolicy: policy, SplitChoice: choice, Lines: lines}
	}
	open := order(backorder.SplitShipAvailable, "", &backorder.Line{Quantity: 2, Shipped: 1, Backordered: 1})
	done := order(backorder.SplitShipAvailable, "", &backorder.Line{Quantity: 2, Shipped: 1, Cancelled: 1})
	for _, tc := range []struct {
		name string
		p    backorder.Payload
		o    *backorder.Order
		want []string
	}{
		{"AcceptedWaiting", &backorder.OrderAcceptedPayload{Lines: waiting}, order(backorder.SplitShipAvailable, ""), []string{backorder.MomentBackorderConfirmation}},
		{"AcceptedFromStock", &backorder.OrderAcceptedPayload{Lines: allStock}, order(backorder.SplitShipAvailable, ""), nil},
		{"AcceptedChoice", &backorder.OrderAcceptedPayload{Lines: waiting}, order(backorder.SplitCustomerChoice, ""), []string{backorder.MomentBackorderConfirmation, backorder.MomentSplitChoice}},
		{"AcceptedChoiceNothingToShip", &backorder.OrderAcceptedPayload{Lines: onlyWaiting}, order(backorder.SplitCustomerChoice, ""), []string{backorder.MomentBackorderConfirmation}},
		{"AcceptedChoiceMade", &backorder.OrderAcceptedPayload{Lines: waiting}, order(backorder.SplitCustomerChoice, backorder.SplitShipComplete), []string{backorder.MomentBackorderConfirmation}},
		{"AllocatedReady", &backorder.OrderAllocatedPayload{Status: backorder.OrderAllocated, Units: 2}, nil, []string{backorder.MomentStockArrived}},
		{"AllocatedPartly", &backorder.OrderAllocatedPayload{Status: backorder.OrderPartiallyBackordered, Units: 1}, nil, nil},
		{"AllocatedUnknownStatus", &backorder.OrderAllocatedPayload{Units: 1}, nil, nil},
		{"ShippedAll", &backorder.OrderShippedPayload{}, done, []string{backorder.MomentShipped}},
		{"ShippedPart", &backorder.OrderShippedPayload{}, open, []string{backorder.MomentPartlyShipped}},
		{"Cancelled", &backorder.OrderCancelledPayload{Reason: "x"}, nil, []string{backorder.MomentCancelled}},
		{"DateKnown", &backorder.ETAChangedPayload{Old: backorder.ETA{Basis: "none"}, New: backorder.ETA{Date: "2026-02-20"}}, nil, []string{backorder.MomentPromiseDate}},
		{"DateMoved", &backorder.ETAChangedPayload{Old: backorder.ETA{Date: "2026-02-20"}, New: backorder.ETA{Date: "2026-02-27"}}, nil, []string{backorder.MomentPromiseDate}},
		{"DateLost", &backorder.ETAChangedPayload{Old: backorder.ETA{Date: "2026-02-20"}, New: backorder.ETA{Basis: "none"}}, nil, nil},
		{"DateSame", &backorder.ETAChangedPayload{Old: backorder.ETA{Date: "2026-02-20", Basis: "a"}, New: backorder.ETA{Date: "2026-02-20", Basis: "b"}}, nil, nil},
		{"SplitChosen", &backorder.OrderSplitChosenPayload{Choice: backorder.SplitShipComplete}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := backorder.EmailMoments(tc.p, tc.o); !slices.Equal(got, tc.want) {
				t.Fatalf("EmailMoments = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWebhookEventTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    backorder.Payload
		want []string
	}{
		{"AcceptedWaiting", &backorder.OrderAcceptedPayload{Lines: []backorder.EventLine{{Backordered: 1}}}, []string{"order.accepted", "order.backordered"}},
		{"AcceptedShipsNow", &backorder.OrderAcceptedPayload{Lines: []backorder.EventLine{{Allocated: 1}}, FulfillmentIDs: []int64{4}}, []string{"order.accepted", "fulfillment.ready"}},
		{"Allocated", &backorder.OrderAllocatedPayload{Units: 1}, []string{"order.allocated"}},
		{"AllocatedReady", &backorder.OrderAllocatedPayload{Units: 1, FulfillmentIDs: []int64{1}}, []string{"order.allocated", "fulfillment.ready"}},
		{"Shipped", &backorder.OrderShippedPayload{}, []string{"order.shipped"}},
		{"Cancelled", &backorder.OrderCancelledPayload{}, []string{"order.cancelled"}},
		{"CancelledFreesShipment", &backorder.OrderCancelledPayload{FulfillmentIDs: []int64{2}}, []string{"order.cancelled", "fulfillment.ready"}},
		{"SplitChosen", &backorder.OrderSplitChosenPayload{FulfillmentIDs: []int64{3}}, []string{"order.split_chosen", "fulfillment.ready"}},
		{"ETA", &backorder.ETAChangedPayload{}, []string{"eta.changed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := backorder.WebhookEventTypes(tc.p)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("WebhookEventTypes = %v, want %v", got, tc.want)
			}
			for _, typ := range got {
				if !slices.Contains(backorder.WebhookTypes, typ) {
					t.Fatalf("type %q not in WebhookTypes", typ)
				}
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {10, 512 * 30 * time.Second}, {11, 6 * time.Hour}, {21, 6 * time.Hour}, {100, 6 * time.Hour}} {
		if got := backorder.RetryDelay(tc.attempt); got != tc.want {
			t.Errorf("RetryDelay(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
	if span := backorder.RetrySpan(); span < 72*time.Hour || span > 96*time.Hour {
		t.Fatalf("RetrySpan = %v, want between 3 and 4 days", span)
	}
}

func TestDeliveryFailure(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		attempts  int
		permanent bool
		status    string
		next      time.Time
	}{
		{"FirstTry", 1, false, backorder.DeliveryPending, now.Add(30 * time.Second)},
		{"Permanent", 1, true, backorder.DeliveryDead, now},
		{"LastTry", backorder.MaxDeliveryAttempts, false, backorder.DeliveryDead, now},
		{"BeforeLast", backorder.MaxDeliveryAttempts - 1, false, backorder.DeliveryPending, now.Add(6 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, next := backorder.DeliveryFailure(tc.attempts, tc.permanent, now)
			if status != tc.status || !next.Equal(tc.next) {
				t.Fatalf("DeliveryFailure = %s %v, want %s %v", status, next, tc.status, tc.next)
			}
		})
	}
}

func TestPermanentHTTPStatus(t *testing.T) {
	for code, want := range map[int]bool{200: false, 301: false, 400: true, 401: true, 404: true, 410: true, 408: false, 429: false, 499: true, 500: false, 503: false} {
		if got := backorder.PermanentHTTPStatus(code); got != want {
			t.Errorf("PermanentHTTPStatus(%d) = %v, want %v", code, got, want)
		}
	}
}

func TestEndpointFailed(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	since, disable := backorder.EndpointFailed(nil, now)
	if !since.Equal(now) || disable {
		t.Fatalf("first failure = %v %v, want %v false", since, disable, now)
	}
	earlier := now.Add(-71 * time.Hour)
	if since, disable = backorder.EndpointFailed(&earlier, now); !since.Equal(earlier) || disable {
		t.Fatalf("after 71h = %v %v, want %v false", since, disable, earlier)
	}
	earlier = now.Add(-72 * time.Hour)
	if _, disable = backorder.EndpointFailed(&earlier, now); !disable {
		t.Fatal("after 72h: not disabled")
	}
}

func TestWebhookEndpointRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   backorder.WebhookEndpointRequest
		field string
	}{
		{"OK", backorder.WebhookEndpointRequest{URL: "https://shop.example/hooks", Events: []string{"order.shipped"}}, ""},
		{"All", backorder.WebhookEndpointRequest{URL: "http://127.0.0.1:9/x", Events: []string{"*"}}, ""},
		{"ErrScheme", backorder.WebhookEndpointRequest{URL: "ftp://x/y", Events: []string{"*"}}, "url"},
		{"ErrRelative", backorder.WebhookEndpointRequest{URL: "/hooks", Events: []string{"*"}}, "url"},
		{"ErrNoEvents", backorder.WebhookEndpointRequest{URL: "https://x/y"}, "events"},
		{"ErrUnknownEvent", backorder.WebhookEndpointRequest{URL: "https://x/y", Events: []string{"order.shipped", "order.lost"}}, "events[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			var e *backorder.Error
			if tc.field == "" && err != nil {
				t.Fatalf("Validate = %v", err)
			} else if tc.field != "" && (!errorAs(err, &e) || e.Field != tc.field || e.Code != backorder.EINVALID) {
				t.Fatalf("Validate = %v, want invalid %s", err, tc.field)
			}
		})
	}
}

func TestNotificationSettings(t *testing.T) {
	s := backorder.DefaultSettings()
	if got := s.Notifications; got.UpdateEveryDays != 7 || !slices.Equal(got.EmailMoments, backorder.Moments) {
		t.Fatalf("default notifications = %+v", got)
	}
	if !(backorder.NotificationSettings{}).Emails(backorder.MomentShipped) {
		t.Fatal("unset moments: shipped does not email")
	}
	if (backorder.NotificationSettings{EmailMoments: []string{}}).Emails(backorder.MomentShipped) {
		t.Fatal("no moments: shipped emails")
	}
	for _, tc := range []struct {
		name  string
		n     backorder.NotificationSettings
		field string
	}{
		{"OK", backorder.NotificationSettings{EmailMoments: []string{"shipped"}, UpdateEveryDays: 3}, ""},
		{"ErrMoment", backorder.NotificationSettings{EmailMoments: []string{"shipped", "birthday"}}, "notifications.email_moments[1]"},
		{"ErrDays", backorder.NotificationSettings{UpdateEveryDays: 400}, "notifications.update_every_days"},
		{"ErrNegativeDays", backorder.NotificationSettings{UpdateEveryDays: -1}, "notifications.update_every_days"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := backorder.DefaultSettings()
			s.Notifications = tc.n
			err := s.Validate()
			var e *backorder.Error
			if tc.field == "" && err != nil {
				t.Fatalf("Validate = %v", err)
			} else if tc.field != "" && (!errorAs(err, &e) || e.Field != tc.field) {
				t.Fatalf("Validate = %v, want field %s", err, tc.field)
			}
		})
	}
}

func TestNewWebhookEvent(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	e, err := backorder.NewEvent(at, "o1", "", &backorder.OrderShippedPayload{FulfillmentID: 3, Carrier: "UPS", Tracking: "1Z"})
	if err != nil {
		t.Fatal(err)
	}
	e.ID = 42
	w, err := backorder.NewWebhookEvent(e, backorder.WebhookOrderShipped)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := w.Data.Object.(*backorder.OrderShippedPayload)
	if w.ID != "evt_42.order.shipped" || w.Type != "order.shipped" || w.Created != at.Unix() || w.Data.OrderID != "o1" || !ok || p.Tracking != "1Z" {
		t.Fatalf("NewWebhookEvent = %+v", w)
	}
}

func errorAs(err error, e **backorder.Error) bool { return errors.As(err, e) }
