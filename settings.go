package backorder

// Settings are the shop-wide defaults, the priority rules, the margins of
// promise dates and the avoid rules.
type Settings struct {
	Defaults Defaults        `json:"defaults"`
	Priority PriorityRules   `json:"priority"`
	Promises PromiseSettings `json:"promises"`
	// AvoidRules are the avoid rules on for every product (avoid.go); a
	// product's own entries override them. Empty by default.
	AvoidRules AvoidRules `json:"avoid_rules"`
	// Notifications say which moments email the customer (delivery.go).
	Notifications NotificationSettings `json:"notifications"`
	// AutoSplit are the thresholds of the auto split policy (autosplit.go).
	AutoSplit AutoSplitSettings `json:"auto_split"`
	// Stale is the stale backorder policy (stale.go); off by default.
	Stale StaleSettings `json:"stale"`
	// CancelReasons are the reason codes a cancellation may take
	// (cancel_reason.go); empty: DefaultCancelReasons.
	CancelReasons []string `json:"cancel_reasons,omitempty"`
	// Payments are the payment settings (payment.go).
	Payments PaymentSettings `json:"payments"`
	// Metrics are the targets of the backorder metrics (metrics.go).
	Metrics MetricTargets `json:"metric_targets"`
}

// Defaults is the backorder policy of every product that does not say otherwise.
type Defaults struct {
	AcceptBackorders        bool   `json:"accept_backorders"`
	MaxBackorderPerCustomer *int64 `json:"max_backorder_per_customer"`
	BackorderLimit          *int64 `json:"backorder_limit"`
	SplitPolicy             string `json:"split_policy"`
	PaymentTiming           string `json:"payment_timing"`
}

// PriorityRules are the configurable exceptions to strict FIFO. Each is off by
// default. An order's priority score is the sum of the weights of the rules it
// meets; a higher score fills first, and FIFO orders each score class.
type PriorityRules struct {
	VIP       PriorityRule `json:"vip"`
	Expedited PriorityRule `json:"expedited"`
	Wholesale PriorityRule `json:"wholesale"`
	NeedBy    PriorityRule `json:"need_by"`
	// Manual ranks the lines an operator raised (Service.SetLinePriority).
	Manual PriorityRule `json:"manual"`
}

// Any reports whether a priority rule is on; with none, the fill order is
// strict FIFO.
func (r PriorityRules) Any() bool {
	return r.VIP.Enabled || r.Expedited.Enabled || r.Wholesale.Enabled || r.NeedBy.Enabled || r.Manual.Enabled
}

// PriorityRule is one priority exception. MinUnits applies to the wholesale
// rule (an order of more than MinUnits units counts as large; 0 means only the
// customer's wholesale flag counts); WithinDays applies to the need-by rule.
type PriorityRule struct {
	Enabled    bool  `json:"enabled"`
	Weight     int   `json:"weight"`
	MinUnits   int64 `json:"min_units,omitempty"`
	WithinDays int   `json:"within_days,omitempty"`
}

// MaxPriorityWeight bounds each rule's weight.
const MaxPriorityWeight = 1000

// DefaultSettings are the settings of a new shop: accept backorders, ship
// what is available, charge at order, strict FIFO.
func DefaultSettings() Settings {
	return Settings{
		Defaults: Defaults{
			AcceptBackorders: true,
			SplitPolicy:      SplitShipAvailable,
			PaymentTiming:    PaymentAtOrder,
		},
		Priority: PriorityRules{
			VIP:       PriorityRule{Weight: 10},
			Expedited: PriorityRule{Weight: 5},
			Wholesale: PriorityRule{Weight: 3, MinUnits: 100},
			NeedBy:    PriorityRule{Weight: 8, WithinDays: 7},
			Manual:    PriorityRule{Weight: 20},
		},
		Promises:      PromiseSettings{}.Filled(),
		Notifications: NotificationSettings{}.Filled(),
		AutoSplit:     AutoSplitSettings{}.Filled(),
		Stale:         StaleSettings{Action: StaleReview},
		CancelReasons: DefaultCancelReasons(),
		Payments:      PaymentSettings{AuthorizationValidityDays: DefaultAuthorizationValidityDays},
		Metrics:       DefaultMetricTargets(),
	}
}

// Validate checks the settings.
func (s *Settings) Validate() error {
	d := Policy{
		MaxBackorderPerCustomer: s.Defaults.MaxBackorderPerCustomer,
		BackorderLimit:          s.Defaults.BackorderLimit,
		SplitPolicy:             s.Defaults.SplitPolicy,
		PaymentTiming:           s.Defaults.PaymentTiming,
	}
	if s.Defaults.SplitPolicy == "" {
		return FieldErrorf(EINVALID, "defaults.split_policy", "Split policy is required: ship_available, ship_complete, customer_choice or auto.")
	}
	if s.Defaults.PaymentTiming == "" {
		return FieldErrorf(EINVALID, "defaults.payment_timing", "Payment timing is required: at_order or at_ship.")
	}
	if err := d.validate("defaults."); err != nil {
		return err
	}
	for _, r := range []struct {
		name string
		rule PriorityRule
	}{{"vip", s.Priority.VIP}, {"expedited", s.Priority.Expedited}, {"wholesale", s.Priority.Wholesale}, {"need_by", s.Priority.NeedBy}, {"manual", s.Priority.Manual}} {
		if r.rule.Weight < 0 || r.rule.Weight > MaxPriorityWeight {
			return FieldErrorf(EINVALID, "priority."+r.name+".weight", "Weight must be between 0 and %d.", MaxPriorityWeight)
		}
	}
	if s.Priority.Wholesale.MinUnits < 0 || s.Priority.Wholesale.MinUnits > MaxStockQuantity {
		return FieldErrorf(EINVALID, "priority.wholesale.min_units", "Min units must be between 0 and %d.", MaxStockQuantity)
	}
	if err := s.AvoidRules.Validate("avoid_rules"); err != nil {
		return err
	}
	if err := s.Metrics.Validate("metric_targets."); err != nil {
		return err
	}
	if s.Priority.NeedBy.WithinDays < 0 || s.Priority.NeedBy.WithinDays > 3650 {
		return FieldErrorf(EINVALID, "priority.need_by.within_days", "Within days must be between 0 and 3650.")
	}
	if err := s.Notifications.validate(); err != nil {
		return err
	}
	if err := s.AutoSplit.validate(); err != nil {
		return err
	}
	if err := s.Stale.validate(); err != nil {
		return err
	}
	if err := s.validateCancelReasons(); err != nil {
		return err
	}
	if err := s.Payments.validate(); err != nil {
		return err
	}
	return s.Promises.validate()
}

// Effective resolves a product policy against the defaults.
func (s *Settings) Effective(p Policy) EffectivePolicy {
	e := EffectivePolicy{
		AcceptBackorders:        s.Defaults.AcceptBackorders,
		MaxBackorderPerCustomer: s.Defaults.MaxBackorderPerCustomer,
		BackorderLimit:          s.Defaults.BackorderLimit,
		SplitPolicy:             s.Defaults.SplitPolicy,
		PaymentTiming:           s.Defaults.PaymentTiming,
		AvoidRules:              EffectiveAvoidRules(s.AvoidRules, p.AvoidRules),
	}
	if p.AcceptBackorders != nil {
		e.AcceptBackorders = *p.AcceptBackorders
	}
	if p.MaxBackorderPerCustomer != nil {
		e.MaxBackorderPerCustomer = p.MaxBackorderPerCustomer
	}
	if p.BackorderLimit != nil {
		e.BackorderLimit = p.BackorderLimit
	}
	if p.SplitPolicy != "" {
		e.SplitPolicy = p.SplitPolicy
	}
	if p.PaymentTiming != "" {
		e.PaymentTiming = p.PaymentTiming
	}
	return e
}
