package http_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	var u backorder.User
	resp := s.Do(t, "POST", "/v1/users", map[string]any{"email": "Ops@Example.com", "name": "Ops", "password": "correct horse"})
	if resp.Status != http.StatusCreated {
		t.Fatalf("status=%d: %s", resp.Status, resp.Body)
	}
	if strings.Contains(string(resp.Body), "password") || strings.Contains(string(resp.Body), "$2a$") {
		t.Fatalf("the response shows the password or its hash: %s", resp.Body)
	}
	s.MustDo(t, http.StatusConflict, "POST", "/v1/users", map[string]any{"email": "ops@example.com", "password": "another one!"}, nil)
	s.MustDo(t, http.StatusCreated, "POST", "/v1/users", map[string]any{"email": "second@example.com", "password": "another one!"}, &u)
	if u.Email != "second@example.com" || u.Name != "second@example.com" || u.ID == 0 {
		t.Fatalf("user=%+v", u)
	}
	for _, tt := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"ErrEmail", map[string]any{"email": "not an address", "password": "correct horse"}, "email"},
		{"ErrPasswordShort", map[string]any{"email": "a@example.com", "password": "short"}, "password"},
		{"ErrPasswordMissing", map[string]any{"email": "a@example.com"}, "password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "POST", "/v1/users", tt.body)
			if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != tt.field {
				t.Fatalf("status=%d error=%+v, want 422 on %s", resp.Status, e, tt.field)
			}
		})
	}
}

func TestLinePriority(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustPutProduct(t, "P")
	s.MustPlaceOrder(t, order("p1", "c", "P", 2))
	var o backorder.Order
	s.MustDo(t, http.StatusOK, "GET", "/v1/orders/p1", nil, &o)
	path := "/v1/orders/p1/lines/" + strconv.FormatInt(o.Lines[0].ID, 10) + "/priority"
	raise := map[string]any{"raised": true, "why": "a gift"}
	if resp := s.Do(t, "POST", path, raise); resp.Status != http.StatusConflict || resp.Error(t).Field != "raised" {
		t.Fatalf("manual rule off: status=%d %s, want 409 on raised", resp.Status, resp.Body)
	}
	var settings map[string]any
	s.MustDo(t, http.StatusOK, "GET", "/v1/settings", nil, &settings)
	settings["priority"].(map[string]any)["manual"] = map[string]any{"enabled": true, "weight": 20}
	s.MustDo(t, http.StatusOK, "PUT", "/v1/settings", settings, nil)
	var c backorder.PriorityChange
	s.MustDo(t, http.StatusOK, "POST", path, raise, &c)
	if !c.Raised || c.By != "api" || c.Why != "a gift" || c.LineID != o.Lines[0].ID {
		t.Fatalf("change=%+v", c)
	}
	if resp := s.Do(t, "POST", path, map[string]any{"raised": false}); resp.Status != http.StatusUnprocessableEntity || resp.Error(t).Field != "why" {
		t.Fatalf("no why: status=%d %s, want 422 on why", resp.Status, resp.Body)
	}
	if resp := s.Do(t, "POST", "/v1/orders/p1/lines/x/priority", raise); resp.Status != http.StatusUnprocessableEntity && resp.Status != http.StatusNotFound {
		t.Fatalf("bad line id: status=%d", resp.Status)
	}
	if resp := s.Do(t, "POST", "/v1/orders/p1/lines/999/priority", raise); resp.Status != http.StatusNotFound || resp.Error(t).Field != "line_id" {
		t.Fatalf("unknown line: status=%d %s", resp.Status, resp.Body)
	}
}
