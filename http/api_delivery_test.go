package http_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/backorder/backorder"
)

func TestWebhookEndpoints(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	var a, b backorder.WebhookEndpoint
	s.MustDo(t, http.StatusCreated, "POST", "/v1/webhook-endpoints", map[string]any{"url": "https://shop.example/hooks", "events": []string{"order.shipped", "eta.changed"}}, &a)
	if a.ID == 0 || len(a.Secret) < 20 || a.Status != backorder.EndpointEnabled {
		t.Fatalf("created=%+v", a)
	}
	s.MustDo(t, http.StatusCreated, "POST", "/v1/webhook-endpoints", map[string]any{"url": "http://127.0.0.1:9/in", "events": []string{"*"}}, &b)
	var got backorder.WebhookEndpoint
	s.MustDo(t, http.StatusOK, "GET", "/v1/webhook-endpoints/"+strconv.FormatInt(a.ID, 10), nil, &got)
	if got.Secret != "" || got.URL != a.URL {
		t.Fatalf("GET=%+v: want it without its secret", got)
	}
	var first, second Page[backorder.WebhookEndpoint]
	s.MustDo(t, http.StatusOK, "GET", "/v1/webhook-endpoints?limit=1", nil, &first)
	if len(first.Data) != 1 || first.Data[0].Secret != "" || first.NextCursor == "" {
		t.Fatalf("first page=%+v", first)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/webhook-endpoints?limit=1&after="+first.NextCursor, nil, &second)
	if len(second.Data) != 1 || second.Data[0].ID != b.ID || second.NextCursor != "" {
		t.Fatalf("second page=%+v", second)
	}
	var log Page[backorder.Delivery]
	s.MustDo(t, http.StatusOK, "GET", "/v1/webhook-endpoints/"+strconv.FormatInt(a.ID, 10)+"/deliveries", nil, &log)
	if len(log.Data) != 0 {
		t.Fatalf("log=%+v", log)
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"ErrURL", map[string]any{"url": "ftp://x/y", "events": []string{"*"}}, "url"},
		{"ErrNoEvents", map[string]any{"url": "https://x.example/"}, "events"},
		{"ErrEvent", map[string]any{"url": "https://x.example/", "events": []string{"order.shipped", "order.teleported"}}, "events[1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := s.Do(t, "POST", "/v1/webhook-endpoints", c.body)
			if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != c.field {
				t.Fatalf("%d %s, want 422 on %s", resp.Status, resp.Body, c.field)
			}
		})
	}
	if resp := s.Do(t, "DELETE", "/v1/webhook-endpoints/"+strconv.FormatInt(a.ID, 10), nil); resp.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", resp.Status, resp.Body)
	}
	for _, p := range []string{"/v1/webhook-endpoints/" + strconv.FormatInt(a.ID, 10), "/v1/webhook-endpoints/x", "/v1/webhook-endpoints/" + strconv.FormatInt(a.ID, 10) + "/deliveries"} {
		if resp := s.Do(t, "GET", p, nil); resp.Status != http.StatusNotFound {
			t.Fatalf("GET %s after delete: %d", p, resp.Status)
		}
	}
	if resp := s.Do(t, "DELETE", "/v1/webhook-endpoints/"+strconv.FormatInt(a.ID, 10), nil); resp.Status != http.StatusNotFound {
		t.Fatalf("DELETE twice: %d", resp.Status)
	}
}

func TestDeliveries(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	ctx := context.Background()
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/products/MUG", product("Mug"), nil)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/webhook-endpoints", map[string]any{"url": "https://shop.example/hooks", "events": []string{"order.backordered"}}, nil)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/orders", map[string]any{"id": "A1", "customer": map[string]any{"id": "c1", "email": "ann@example.com", "name": "Ann"},
		"lines": []map[string]any{{"sku": "MUG", "quantity": 2}}}, nil)
	if _, err := s.Service.Fanout(ctx, 0); err != nil {
		t.Fatal(err)
	}
	claims, err := s.Service.ClaimDeliveries(ctx, 10, time.Minute)
	if err != nil || len(claims) != 2 {
		t.Fatalf("claims=%d, %v", len(claims), err)
	}
	for _, c := range claims {
		r := backorder.DeliveryResult{Kept: true, Subject: "Confirmed", Text: "t", HTML: "<p>h</p>"}
		if c.Delivery.Channel == backorder.ChannelWebhook {
			r = backorder.DeliveryResult{Err: errGone, Permanent: true, Code: 410}
		}
		if err := s.Service.FinishDelivery(ctx, c, r); err != nil {
			t.Fatal(err)
		}
	}
	var msgs Page[backorder.Delivery]
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/A1/messages", nil, &msgs)
	if len(msgs.Data) != 1 || msgs.Data[0].Status != backorder.DeliveryKept || msgs.Data[0].Recipient != "ann@example.com" ||
		msgs.Data[0].Moment != backorder.MomentBackorderConfirmation || msgs.Data[0].Subject != "Confirmed" {
		t.Fatalf("messages=%+v", msgs)
	}
	if resp := s.Do(t, "GET", "/v1/orders/NOPE/messages", nil); resp.Status != http.StatusNotFound {
		t.Fatalf("messages of an unknown order: %d", resp.Status)
	}
	var dead Page[backorder.Delivery]
	s.MustDo(t, http.StatusOK, "GET", "/v1/deliveries?status=dead", nil, &dead)
	if len(dead.Data) != 1 || dead.Data[0].Type != backorder.WebhookOrderBackordered || dead.Data[0].Code != 410 {
		t.Fatalf("dead=%+v", dead)
	}
	var all Page[backorder.Delivery]
	s.MustDo(t, http.StatusOK, "GET", "/v1/deliveries?limit=1", nil, &all)
	if len(all.Data) != 1 || all.NextCursor == "" {
		t.Fatalf("page=%+v", all)
	}
	if resp := s.Do(t, "GET", "/v1/deliveries?status=lost", nil); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "status" {
		t.Fatalf("bad status: %d %s", resp.Status, resp.Body)
	}
	id := strconv.FormatInt(dead.Data[0].ID, 10)
	var retried backorder.Delivery
	s.MustDo(t, http.StatusOK, "POST", "/v1/deliveries/"+id+"/retry", nil, &retried)
	if retried.Status != backorder.DeliveryPending || retried.Attempts != 0 {
		t.Fatalf("retried=%+v", retried)
	}
	if resp := s.Do(t, "POST", "/v1/deliveries/"+id+"/retry", nil); resp.Status != http.StatusConflict {
		t.Fatalf("retry of a pending delivery: %d %s", resp.Status, resp.Body)
	}
	if resp := s.Do(t, "POST", "/v1/deliveries/999/retry", nil); resp.Status != http.StatusNotFound {
		t.Fatalf("retry of an unknown delivery: %d", resp.Status)
	}
}

func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	var set map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &set)
	n := set["notifications"].(map[string]any)
	if n["update_every_days"] != float64(7) || len(n["email_moments"].([]any)) != len(backorder.Moments) {
		t.Fatalf("notifications=%v", n)
	}
	set["notifications"] = map[string]any{"email_moments": []string{"shipped", "holiday"}}
	if resp := s.Do(t, "PUT", "/v1/settings", set); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "notifications.email_moments[1]" {
		t.Fatalf("bad moment: %d %s", resp.Status, resp.Body)
	}
	set["notifications"] = map[string]any{"email_moments": []string{"shipped"}, "update_every_days": 3}
	s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", set, &set)
	if n := set["notifications"].(map[string]any); n["update_every_days"] != float64(3) || len(n["email_moments"].([]any)) != 1 {
		t.Fatalf("notifications after PUT=%v", n)
	}
}

var errGone = &gone{}

type gone struct{}

func (*gone) Error() string { return "410 Gone" }
