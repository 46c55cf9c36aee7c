package backorder

import (
	"net/mail"
	"strings"
	"time"
)

// MaxLeadTimeDays bounds a supplier's default lead time.
const MaxLeadTimeDays = 365

// Supplier is who a shop buys stock from: where inbound supply comes from,
// with the lead time it usually takes to deliver.
type Supplier struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	ContactEmail string    `json:"contact_email,omitempty"`
	LeadTimeDays int       `json:"lead_time_days"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Reliability is measured from the supplier's purchase orders
	// (SupplierReliability) when the supplier is read.
	Reliability *Reliability `json:"reliability,omitempty"`
}

// SupplierInput is the body of PUT /v1/suppliers/{id}; the ID comes from
// the path.
type SupplierInput struct {
	ID           string `json:"-"`
	Name         string `json:"name"`
	ContactEmail string `json:"contact_email,omitempty"`
	LeadTimeDays int    `json:"lead_time_days"`
}

// Validate checks a supplier.
func (in *SupplierInput) Validate() error {
	if err := validateID("id", in.ID); err != nil {
		return err
	}
	if strings.TrimSpace(in.Name) == "" {
		return FieldErrorf(EINVALID, "name", "Name is required.")
	} else if len(in.Name) > MaxTextLength {
		return FieldErrorf(EINVALID, "name", "Name must be at most %d bytes.", MaxTextLength)
	}
	if e := in.ContactEmail; e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > 254 {
			return FieldErrorf(EINVALID, "contact_email", "Contact email must be a plain address such as orders@supplier.example.")
		}
	}
	if in.LeadTimeDays < 0 || in.LeadTimeDays > MaxLeadTimeDays {
		return FieldErrorf(EINVALID, "lead_time_days", "Lead time must be between 0 and %d days.", MaxLeadTimeDays)
	}
	return nil
}

// SupplierFilter selects suppliers for a listing, in ID order after the
// cursor After (the last ID of the previous page).
type SupplierFilter struct {
	After string
	Limit int
}
