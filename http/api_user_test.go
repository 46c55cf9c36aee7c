package http_test

import (
	"net/http"
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
