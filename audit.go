package backorder

import (
	"context"
	"time"
)

// Kinds of actor: who a change is recorded as made by. Wire API.
const (
	ActorAdminToken = "admin_token" // the server's admin bearer token
	ActorAPIKey     = "api_key"     // an API key (ID: the key's ID)
	ActorUser       = "user"        // an operations user signed in to the dashboard
	ActorSystem     = "system"      // the service itself, e.g. a scheduled policy
	ActorCLI        = "cli"         // the backorder command, run by someone with the database
	ActorCustomer   = "customer"    // the customer, through a signed link (ID: the order's)
)

// Actor is who makes a change, and through which request, as the audit log
// records it.
type Actor struct {
	Kind string `json:"kind"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Action is what was asked, e.g. "POST /v1/orders/{id}/cancel".
	Action string `json:"-"`
	// Path is the request's path, with the IDs it names.
	Path string `json:"-"`
}

type actorKey struct{}

// WithActor returns a context whose writes the audit log records as a's.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// AuditEntry is one change in the audit log: who made it, what was asked,
// and what it changed. It is written in the transaction of the change, so
// the log holds exactly the changes that committed.
type AuditEntry struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Actor Actor     `json:"actor"`
	// Action is the request, e.g. "POST /v1/orders/{id}/cancel".
	Action string `json:"action"`
	// Path is the request's path, with the IDs it names.
	Path string `json:"path,omitempty"`
	// Subject is what the change is about, where the service knows it
	// better than the path does (the ID of the order placed).
	Subject string `json:"subject,omitempty"`
	// IdempotencyKey is the key the request carried, if any.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// NewAuditEntry is the entry for a change made by a at now, about subject
// (empty: the path says what).
func NewAuditEntry(a Actor, now time.Time, subject string, idem *Idempotency) AuditEntry {
	e := AuditEntry{At: now, Actor: a, Action: a.Action, Path: a.Path, Subject: subject}
	if idem != nil {
		e.IdempotencyKey = idem.Key
	}
	return e
}

// AuditFilter selects audit entries, newest first: those with an ID below
// Before (0: from the newest), of one actor ID if ActorID is set.
type AuditFilter struct {
	Before  int64
	ActorID string
	Limit   int
}
