package backorder_test

import (
	"strings"
	"testing"

	"github.com/backorder/backorder"
)

func TestSupplierInput_Validate(t *testing.T) {
	good := func() *backorder.SupplierInput {
		return &backorder.SupplierInput{ID: "ACME", Name: "Acme", ContactEmail: "orders@acme.example", LeadTimeDays: 21}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("good supplier: %v", err)
	}
	for _, tt := range []struct {
		name  string
		edit  func(s *backorder.SupplierInput)
		field string
	}{
		{"ErrID", func(s *backorder.SupplierInput) { s.ID = "a/b" }, "id"},
		{"ErrNameRequired", func(s *backorder.SupplierInput) { s.Name = "  " }, "name"},
		{"ErrNameLong", func(s *backorder.SupplierInput) { s.Name = strings.Repeat("x", backorder.MaxTextLength+1) }, "name"},
		{"ErrEmail", func(s *backorder.SupplierInput) { s.ContactEmail = "Acme <orders@acme.example>" }, "contact_email"},
		{"ErrLeadTimeNegative", func(s *backorder.SupplierInput) { s.LeadTimeDays = -1 }, "lead_time_days"},
		{"ErrLeadTimeLong", func(s *backorder.SupplierInput) { s.LeadTimeDays = backorder.MaxLeadTimeDays + 1 }, "lead_time_days"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.edit(s)
			if e := backorder.AsError(s.Validate()); e.Code != backorder.EINVALID || e.Field != tt.field {
				t.Fatalf("err=%+v, want invalid %s", e, tt.field)
			}
		})
	}
	s := good()
	s.ContactEmail, s.LeadTimeDays = "", 0 // both optional
	if err := s.Validate(); err != nil {
		t.Fatalf("no email, no lead time: %v", err)
	}
}
