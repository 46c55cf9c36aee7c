package backorder

import (
	"strings"
	"time"
)

// Product statuses.
const (
	StatusActive       = "active"
	StatusPreorder     = "preorder"
	StatusDiscontinued = "discontinued"
)

// Split policies: what ships when only part of an order is allocated.
const (
	SplitShipAvailable  = "ship_available"  // ship what is allocated now, the rest later
	SplitShipComplete   = "ship_complete"   // wait and ship the whole order together
	SplitCustomerChoice = "customer_choice" // wait until the customer chooses one of the above
	// SplitAuto (autosplit.go) decides between the first two by cost and wait.
)

// Payment timings.
const (
	PaymentAtOrder = "at_order"
	PaymentAtShip  = "at_ship"
)

// Bounds on quantities and money. A request past one is refused with EINVALID,
// and the message states the bound.
const (
	MaxLineQuantity  = 1_000_000     // units on one order line
	MaxOrderLines    = 100           // lines in one order
	MaxStockQuantity = 1_000_000_000 // units in one receipt or adjustment
	// MaxPriceCents keeps every line value (up to MaxOrderLines lines of
	// MaxLineQuantity units) within int64: 100 × 1e6 × 1e9 = 1e17.
	MaxPriceCents = 1_000_000_000
	MaxIDLength   = 128
	MaxTextLength = 1000
)

// DateLayout is the layout of calendar dates on the wire: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Policy is a product's own backorder policy. A nil or empty field means the
// shop-wide default from Settings applies.
type Policy struct {
	AcceptBackorders        *bool  `json:"accept_backorders"`
	MaxBackorderPerCustomer *int64 `json:"max_backorder_per_customer"`
	BackorderLimit          *int64 `json:"backorder_limit"`
	SplitPolicy             string `json:"split_policy,omitempty"`
	PaymentTiming           string `json:"payment_timing,omitempty"`
	// AvoidRules are the product's avoid rules (avoid.go): each entry
	// overrides the shop's entry of its rule, or turns it off.
	AvoidRules AvoidRules `json:"avoid_rules"`
}

// EffectivePolicy is a product's policy with the shop defaults filled in.
// A nil limit means no limit.
type EffectivePolicy struct {
	AcceptBackorders        bool   `json:"accept_backorders"`
	MaxBackorderPerCustomer *int64 `json:"max_backorder_per_customer"`
	BackorderLimit          *int64 `json:"backorder_limit"`
	SplitPolicy             string `json:"split_policy"`
	PaymentTiming           string `json:"payment_timing"`
	// AvoidRules are the avoid rules on for the product, thresholds filled
	// in (EffectiveAvoidRules).
	AvoidRules AvoidRules `json:"avoid_rules"`
}

// Stock holds the live quantities of one SKU.
type Stock struct {
	SKU         string `json:"-"`
	OnHand      int64  `json:"on_hand"`
	Allocated   int64  `json:"allocated"`
	Backordered int64  `json:"backordered"`
}

// Available is the part of on_hand not reserved to any order line.
func (s Stock) Available() int64 { return s.OnHand - s.Allocated }

// Product is a sellable SKU with its policy and live quantities.
type Product struct {
	SKU         string `json:"sku"`
	Name        string `json:"name"`
	PriceCents  int64  `json:"price_cents"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
	ReleaseDate string `json:"release_date,omitempty"`
	Policy
	Supply

	Stock
	AvailableQty int64           `json:"available"`
	Effective    EffectivePolicy `json:"effective_policy"`
	// Inbound, NextETA and Availability are read with the product's open
	// purchase orders (Service.Product, Service.Products): the units on them,
	// the promise date one more unit ordered now would get, and what a
	// storefront shows.
	Inbound      int64         `json:"inbound"`
	NextETA      *ETA          `json:"next_eta,omitempty"`
	Availability *Availability `json:"availability,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// Supply is where a product's stock comes from: its supplier, and the
// days a replenishment takes (nil: the supplier's default lead time).
type Supply struct {
	SupplierID   string `json:"supplier_id,omitempty"`
	LeadTimeDays *int   `json:"lead_time_days,omitempty"`
}

// validate checks a product's supply fields.
func (s Supply) validate() error {
	if s.SupplierID != "" {
		if err := validateID("supplier_id", s.SupplierID); err != nil {
			return err
		}
	}
	if d := s.LeadTimeDays; d != nil && (*d < 0 || *d > MaxLeadTimeDays) {
		return FieldErrorf(EINVALID, "lead_time_days", "Lead time must be between 0 and %d days.", MaxLeadTimeDays)
	}
	return nil
}

// ProductInput is the body of a product create-or-replace.
type ProductInput struct {
	SKU         string `json:"-"`
	Name        string `json:"name"`
	PriceCents  int64  `json:"price_cents"`
	Currency    string `json:"currency"`
	Status      string `json:"status"`
	ReleaseDate string `json:"release_date,omitempty"`
	Policy
	Supply
}

// Validate checks a product input and returns the first rule it breaks.
func (p *ProductInput) Validate() error {
	if err := validateID("sku", p.SKU); err != nil {
		return err
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldErrorf(EINVALID, "name", "Name is required.")
	} else if len(p.Name) > MaxTextLength {
		return FieldErrorf(EINVALID, "name", "Name must be at most %d bytes.", MaxTextLength)
	}
	if p.PriceCents < 0 || p.PriceCents > MaxPriceCents {
		return FieldErrorf(EINVALID, "price_cents", "Price must be between 0 and %d minor units.", int64(MaxPriceCents))
	}
	if !validCurrency(p.Currency) {
		return FieldErrorf(EINVALID, "currency", "Currency must be a three-letter ISO 4217 code such as USD.")
	}
	switch p.Status {
	case StatusActive, StatusDiscontinued:
		if p.ReleaseDate != "" {
			if _, err := time.Parse(DateLayout, p.ReleaseDate); err != nil {
				return FieldErrorf(EINVALID, "release_date", "Release date must be a date as YYYY-MM-DD.")
			}
		}
	case StatusPreorder:
		if p.ReleaseDate == "" {
			return FieldErrorf(EINVALID, "release_date", "Release date is required for a pre-order product.")
		} else if _, err := time.Parse(DateLayout, p.ReleaseDate); err != nil {
			return FieldErrorf(EINVALID, "release_date", "Release date must be a date as YYYY-MM-DD.")
		}
	case "":
		return FieldErrorf(EINVALID, "status", "Status is required: active, preorder or discontinued.")
	default:
		return FieldErrorf(EINVALID, "status", "Status must be active, preorder or discontinued.")
	}
	if err := p.Supply.validate(); err != nil {
		return err
	}
	return p.Policy.validate("")
}

func (p Policy) validate(prefix string) error {
	if p.MaxBackorderPerCustomer != nil && (*p.MaxBackorderPerCustomer < 1 || *p.MaxBackorderPerCustomer > MaxStockQuantity) {
		return FieldErrorf(EINVALID, prefix+"max_backorder_per_customer", "Max backorder per customer must be between 1 and %d, or null for no limit.", MaxStockQuantity)
	}
	if p.BackorderLimit != nil && (*p.BackorderLimit < 0 || *p.BackorderLimit > MaxStockQuantity) {
		return FieldErrorf(EINVALID, prefix+"backorder_limit", "Backorder limit must be between 0 and %d, or null for no limit.", MaxStockQuantity)
	}
	switch p.SplitPolicy {
	case "", SplitShipAvailable, SplitShipComplete, SplitCustomerChoice, SplitAuto:
	default:
		return FieldErrorf(EINVALID, prefix+"split_policy", "Split policy must be ship_available, ship_complete, customer_choice or auto.")
	}
	switch p.PaymentTiming {
	case "", PaymentAtOrder, PaymentAtShip:
	default:
		return FieldErrorf(EINVALID, prefix+"payment_timing", "Payment timing must be at_order or at_ship.")
	}
	return p.AvoidRules.Validate(prefix + "avoid_rules")
}

// Released reports whether a product's release date has passed at now. A
// product without a release date is released.
func (p *Product) Released(now time.Time) bool {
	if p.ReleaseDate == "" {
		return true
	}
	d, err := time.Parse(DateLayout, p.ReleaseDate)
	if err != nil {
		return true
	}
	return !now.Before(d)
}

// IsPreorder reports whether the product takes pre-orders at now: status
// preorder and the release date not reached.
func (p *Product) IsPreorder(now time.Time) bool {
	return p.Status == StatusPreorder && !p.Released(now)
}

// Resolve fills in the derived fields of a product: its effective policy under
// the settings, and its available quantity.
func (p *Product) Resolve(s *Settings) {
	p.Effective = s.Effective(p.Policy)
	p.AvailableQty = p.Stock.Available()
}

func validID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '/' || r == '?' || r == '#' || r == '%' {
			return false
		}
	}
	return true
}

func validateID(field, s string) error {
	if s == "" {
		return FieldErrorf(EINVALID, field, "%s is required.", fieldTitle(field))
	} else if !validID(s) {
		return FieldErrorf(EINVALID, field, "%s must be 1 to %d printable characters without spaces, '/', '?', '#' or '%%'.", fieldTitle(field), MaxIDLength)
	}
	return nil
}

func fieldTitle(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	switch field {
	case "sku":
		return "SKU"
	case "id":
		return "ID"
	}
	field = strings.ReplaceAll(field, "_", " ")
	return strings.ToUpper(field[:1]) + field[1:]
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}
