package http_test

import (
	"net/http"
	"testing"

	"github.com/backorder/backorder"
)

func TestSuppliers(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	var created, replaced, got backorder.Supplier
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme Widgets", "contact_email": "orders@acme.example", "lead_time_days": 21}, &created)
	if created.ID != "ACME" || created.LeadTimeDays != 21 || created.ContactEmail != "orders@acme.example" {
		t.Fatalf("created=%+v", created)
	}
	s.MustDo(t, http.StatusOK, "PUT", "/v1/suppliers/ACME", map[string]any{"id": "ACME", "name": "Acme", "lead_time_days": 14}, &replaced)
	if replaced.Name != "Acme" || replaced.LeadTimeDays != 14 || replaced.ContactEmail != "" || !replaced.CreatedAt.Equal(created.CreatedAt) {
		t.Fatalf("replaced=%+v, want the new fields and the first creation time", replaced)
	}
	s.MustDo(t, http.StatusOK, "GET", "/v1/suppliers/ACME", nil, &got)
	if got.Reliability == nil || got.Reliability.Sample != 0 || got.Reliability.OnTimeShare != nil {
		t.Fatalf("reliability=%+v, want an empty sample", got.Reliability)
	}
	got.Reliability = nil
	if got != replaced {
		t.Fatalf("got=%+v, want %+v", got, replaced)
	}
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/BOLT", map[string]any{"name": "Bolt & Co"}, nil)
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/CRANE", map[string]any{"name": "Crane"}, nil)

	t.Run("List", func(t *testing.T) {
		var first, second Page[backorder.Supplier]
		s.MustDo(t, http.StatusOK, "GET", "/v1/suppliers?limit=2", nil, &first)
		if len(first.Data) != 2 || first.Data[0].ID != "ACME" || first.NextCursor != "BOLT" {
			t.Fatalf("first page=%+v", first)
		}
		s.MustDo(t, http.StatusOK, "GET", "/v1/suppliers?limit=2&after="+first.NextCursor, nil, &second)
		if len(second.Data) != 1 || second.Data[0].ID != "CRANE" || second.NextCursor != "" {
			t.Fatalf("second page=%+v", second)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if resp := s.Do(t, "GET", "/v1/suppliers/NOPE", nil); resp.Status != http.StatusNotFound {
			t.Fatalf("status=%d: %s", resp.Status, resp.Body)
		}
	})
	for _, tt := range []struct {
		name, path string
		body       map[string]any
		field      string
	}{
		{"ErrNameRequired", "/v1/suppliers/X", map[string]any{"lead_time_days": 3}, "name"},
		{"ErrEmail", "/v1/suppliers/X", map[string]any{"name": "X", "contact_email": "not an address"}, "contact_email"},
		{"ErrLeadTime", "/v1/suppliers/X", map[string]any{"name": "X", "lead_time_days": 400}, "lead_time_days"},
		{"ErrNegativeLeadTime", "/v1/suppliers/X", map[string]any{"name": "X", "lead_time_days": -1}, "lead_time_days"},
		{"ErrIDDiffers", "/v1/suppliers/X", map[string]any{"id": "Y", "name": "X"}, "id"},
		{"ErrID", "/v1/suppliers/a%20b", map[string]any{"name": "X"}, "id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := s.Do(t, "PUT", tt.path, tt.body)
			if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != tt.field {
				t.Fatalf("status=%d error=%+v, want 422 on %s", resp.Status, e, tt.field)
			}
		})
	}
}

// TestProductSupply: a product names its supplier and may set its own lead
// time; a supplier that does not exist is refused, naming the field.
func TestProductSupply(t *testing.T) {
	t.Parallel()
	s := MustOpenServer(t)
	s.MustDo(t, http.StatusCreated, "PUT", "/v1/suppliers/ACME", map[string]any{"name": "Acme", "lead_time_days": 21}, nil)
	p := s.MustPutProduct(t, "W", "supplier_id", "ACME", "lead_time_days", 10)
	if p.SupplierID != "ACME" || p.LeadTimeDays == nil || *p.LeadTimeDays != 10 {
		t.Fatalf("product supply=%+v", p.Supply)
	}
	var got backorder.Product
	s.MustDo(t, http.StatusOK, "GET", "/v1/products/W", nil, &got)
	if got.SupplierID != "ACME" || got.LeadTimeDays == nil || *got.LeadTimeDays != 10 {
		t.Fatalf("read back supply=%+v", got.Supply)
	}
	// Replaced without them: the product has none.
	p = new(backorder.Product)
	s.MustDo(t, http.StatusOK, "PUT", "/v1/products/W", product("Product W"), p)
	if p.SupplierID != "" || p.LeadTimeDays != nil {
		t.Fatalf("supply after replace=%+v, want none", p.Supply)
	}
	resp := s.Do(t, "PUT", "/v1/products/X", product("X", "supplier_id", "NOPE"))
	if e := resp.Error(t); resp.Status != http.StatusNotFound || e.Field != "supplier_id" {
		t.Fatalf("unknown supplier: status=%d error=%+v", resp.Status, e)
	}
	resp = s.Do(t, "PUT", "/v1/products/X", product("X", "lead_time_days", 999))
	if e := resp.Error(t); resp.Status != http.StatusUnprocessableEntity || e.Field != "lead_time_days" {
		t.Fatalf("bad lead time: status=%d error=%+v", resp.Status, e)
	}
}
