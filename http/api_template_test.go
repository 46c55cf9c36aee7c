package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/mail"
)

// template is a template as the API shows it.
type template struct {
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Text      string `json:"text"`
	HTML      string `json:"html"`
	Edited    bool   `json:"edited"`
	UpdatedAt string `json:"updated_at"`
}

func TestAPI_Templates(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	def, _ := mail.Default(mail.Shipped)

	var list Page[template]
	s.MustDo(t, http.StatusOK, "GET", "/v1/templates", nil, &list)
	if got, want := len(list.Data), len(mail.Moments); got != want {
		t.Fatalf("listed %d templates, want %d", got, want)
	}
	for i, tm := range list.Data {
		if tm.Name != mail.Moments[i] || tm.Edited || tm.Subject == "" || tm.Text == "" || tm.HTML == "" {
			t.Fatalf("template %d: %+v", i, tm)
		}
	}

	t.Run("Edit", func(t *testing.T) {
		body := map[string]string{"subject": "On its way, {{.CustomerName}}!", "text": def.Text, "html": def.HTML}
		var got template
		s.MustDo(t, http.StatusOK, "PUT", "/v1/templates/shipped", body, &got)
		if !got.Edited || got.Subject != body["subject"] || got.UpdatedAt == "" {
			t.Fatalf("PUT: %+v", got)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/templates/shipped", nil, &got)
		if !got.Edited || got.Subject != body["subject"] {
			t.Fatalf("GET after PUT: %+v", got)
		}
		var r mail.Rendered
		s.MustDo(t, http.StatusOK, "POST", "/v1/templates/shipped/preview", nil, &r)
		if got, want := r.Subject, "On its way, Alex Doe!"; got != want {
			t.Fatalf("preview Subject=%q, want %q: the edit does not override the default", got, want)
		}
		// DELETE restores the default.
		got = template{}
		s.MustDo(t, http.StatusOK, "DELETE", "/v1/templates/shipped", nil, &got)
		if got.Edited || got.Subject != def.Subject {
			t.Fatalf("DELETE: %+v", got)
		}
		s.MustDo(t, http.StatusOK, "POST", "/v1/templates/shipped/preview", map[string]string{}, &r)
		if got, want := r.Subject, "Great News - Your Backordered Item Has Shipped!"; got != want {
			t.Fatalf("preview after DELETE: Subject=%q, want %q", got, want)
		}
	})
	t.Run("PutDefaultRestores", func(t *testing.T) {
		c, _ := mail.Default(mail.Cancelled)
		var got template
		s.MustDo(t, http.StatusOK, "PUT", "/v1/templates/cancelled", map[string]string{"subject": "x {{.OrderID}}", "text": c.Text, "html": c.HTML}, &got)
		if !got.Edited {
			t.Fatalf("PUT: %+v", got)
		}
		got = template{}
		s.MustDo(t, http.StatusOK, "PUT", "/v1/templates/cancelled", map[string]string{"subject": c.Subject, "text": c.Text, "html": c.HTML}, &got)
		if got.Edited || got.UpdatedAt != "" {
			t.Fatalf("PUT of the default: %+v, want the default restored", got)
		}
		if ts, err := s.Service.Templates(t.Context()); err != nil || len(ts) != 0 {
			t.Fatalf("stored templates: %v, %v; want none", ts, err)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tt := range []struct {
			name, field, text, html, subject, msg string
		}{
			{"ErrHTMLParse", "html", def.Text, "<html>\n<body>\n{{end}}<p>{{.Name}}</p>\n</body>", def.Subject, "line 3: "},
			{"ErrTextRender", "text", "Hello\n{{.CustomerName}}\n\n{{.Tracking}}", def.HTML, def.Subject, "line 4: "},
			{"ErrSubjectFunction", "subject", def.Text, def.HTML, "{{upper .OrderID}}", "line 1: "},
			{"ErrHTMLMissing", "html", def.Text, "", def.Subject, "The html is required."},
		} {
			t.Run(tt.name, func(t *testing.T) {
				resp := s.Do(t, "PUT", "/v1/templates/shipped", map[string]string{"subject": tt.subject, "text": tt.text, "html": tt.html})
				if resp.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status=%d, want 422; body %s", resp.Status, resp.Body)
				}
				e := resp.Error(t)
				if e.Field != tt.field || !strings.HasPrefix(e.Message, tt.msg) || e.Code != backorder.EINVALID {
					t.Fatalf("error=%+v, want field %q message %q...", e, tt.field, tt.msg)
				}
			})
		}
		var got template
		s.MustDo(t, http.StatusOK, "GET", "/v1/templates/shipped", nil, &got)
		if got.Edited {
			t.Fatalf("a refused edit was stored: %+v", got)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		for _, r := range []struct{ method, path string }{
			{"GET", "/v1/templates/birthday"}, {"PUT", "/v1/templates/birthday"}, {"DELETE", "/v1/templates/birthday"}, {"POST", "/v1/templates/birthday/preview"},
		} {
			resp := s.Do(t, r.method, r.path, map[string]string{"subject": "s", "text": "t", "html": "h"})
			if resp.Status != http.StatusNotFound {
				t.Errorf("%s %s: status=%d, want 404", r.method, r.path, resp.Status)
			}
		}
	})
	t.Run("PreviewOrder", func(t *testing.T) {
		s.MustPutProduct(t, "WIDGET-BLUE", "name", "Widget Pro - Blue")
		req := order("A-100", "C-1", "WIDGET-BLUE", 2)
		req.Customer.Name = "Ann <Admin>"
		s.MustPlaceOrder(t, req)
		var r mail.Rendered
		s.MustDo(t, http.StatusOK, "POST", "/v1/templates/backorder_confirmation/preview", map[string]string{"order_id": "A-100"}, &r)
		for _, want := range []string{"Hi Ann <Admin>", "Widget Pro - Blue (quantity 2)", "Status: On backorder", "we will email you the date as soon as we know it", "order A-100"} {
			if !strings.Contains(r.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, r.Text)
			}
		}
		if !strings.Contains(r.HTML, "Hi Ann &lt;Admin&gt;") {
			t.Errorf("HTML does not escape the customer's name:\n%s", r.HTML)
		}
		var sh mail.Rendered
		s.MustDo(t, http.StatusOK, "POST", "/v1/templates/cancelled/preview", map[string]string{"order_id": "A-100"}, &sh)
		if !strings.Contains(sh.Subject, "A-100") {
			t.Errorf("cancelled preview Subject=%q", sh.Subject)
		}
		resp := s.Do(t, "POST", "/v1/templates/shipped/preview", map[string]string{"order_id": "nope"})
		if e := resp.Error(t); resp.Status != http.StatusNotFound || e.Field != "order_id" {
			t.Fatalf("preview of an unknown order: %d %+v", resp.Status, e)
		}
		resp = s.Do(t, "POST", "/v1/templates/shipped/preview", map[string]any{"order": 1})
		if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "order" {
			t.Fatalf("preview with an unknown field: %d %+v, want 422 naming it", resp.Status, e)
		}
	})
}
