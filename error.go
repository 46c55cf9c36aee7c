package backorder

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. They are part of the wire API: never rename or reuse one.
const (
	ECONFLICT     = "conflict"           // the request clashes with the current state
	EINTERNAL     = "internal"           // a fault on our side; details are logged, not shown
	EINVALID      = "invalid"            // a field breaks a validation rule
	EMALFORMED    = "malformed"          // the body is not the JSON the route expects
	ENOTFOUND     = "not_found"          // the named thing does not exist
	EREFUSED      = "refused"            // an order line cannot be promised under the policy
	ETOOLARGE     = "too_large"          // the request body is over the size limit
	EUNAUTHORIZED = "unauthorized"       // missing or wrong credentials
	EIDEMPOTENCY  = "idempotency"        // an Idempotency-Key was reused with another request
	EUNAVAILABLE  = "unavailable"        // the feature is switched off on this server
	EMETHOD       = "method_not_allowed" // the path exists, but not with this method
	EFORBIDDEN    = "forbidden"          // the credentials are good, but their scopes do not allow this
	ERATELIMITED  = "rate_limited"       // the key made more requests than its rate limit allows
	EOVERLOADED   = "overloaded"         // the server is past capacity; retry after a moment
)

// Refusal rules: why an order line could not be promised. Wire API, like the codes.
const (
	RuleNotBackorderable = "not_backorderable"
	RuleDiscontinued     = "discontinued"
	RuleCustomerLimit    = "customer_limit"
	RuleBackorderLimit   = "backorder_limit"
	RuleOrderRefused     = "order_refused" // a promisable line refused with the rest of its order

	// Avoid rules (avoid.go), each off until named in avoid_rules.
	RuleNoRestockDate       = "no_restock_date"      // no open inbound and no lead time
	RuleLeadTime            = "lead_time"            // promise date more than max_days away
	RuleSupplierReliability = "supplier_reliability" // supplier's on-time share below a minimum
	RuleCancelRisk          = "cancel_risk"          // the SKU's backorder cancel rate above a maximum
)

// Error is an application error: a code for programs, a sentence for people, and
// where it applies the request field and the policy rule involved.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("backorder error: code=%s message=%s field=%s", e.Code, e.Message, e.Field)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error about one request field.
func FieldErrorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, or EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an application error, or "Internal error."
// for any other error: a disk or driver fault is never shown to a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// AsError returns err as an application error, or an EINTERNAL one.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINTERNAL, Message: "Internal error."}
}

// NotFound is the error of a record that does not exist. subject names it as
// a phrase, such as `order "A-1"` or "fulfillment 7"; the stores report every
// missing record with it, so the wording is the same on every store.
func NotFound(subject string) *Error {
	return Errorf(ENOTFOUND, "%s not found.", sentenceCase(subject))
}

// Exists is the error of a record whose key is taken (see NotFound).
func Exists(subject string) *Error {
	return Errorf(ECONFLICT, "%s already exists.", sentenceCase(subject))
}

// sentenceCase starts a subject with a capital letter; "" is "Record".
func sentenceCase(s string) string {
	if s == "" {
		return "Record"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
