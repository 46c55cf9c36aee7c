package http

import (
	"net/http"
	"strconv"

	"github.com/backorder/backorder"
)

// handleAPIKeyCreate makes an API key (201). The reply is the only one that
// shows the key's secret, so the route takes no Idempotency-Key: a replay
// would have to keep the secret to show it again.
func handleAPIKeyCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.APIKeyRequest
		if err := decodeBody(w, r, &req); err != nil {
			return err
		}
		k, err := svc.CreateAPIKey(r.Context(), &req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, k)
		return nil
	}
}

// handleAPIKeyList lists API keys in ID order, without their secrets; the
// revoked ones too with include_revoked=true.
func handleAPIKeyList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, err := queryLimit(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		incl := q.Get("include_revoked")
		if incl != "" && incl != "true" && incl != "false" {
			return backorder.FieldErrorf(backorder.EINVALID, "include_revoked", "include_revoked must be true or false.")
		}
		ks, err := svc.APIKeys(r.Context(), backorder.APIKeyFilter{After: q.Get("after"), Limit: limit + 1, IncludeRevoked: incl == "true"})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ks, limit, func(k *backorder.APIKey) string { return k.ID }))
		return nil
	}
}

// handleAPIKeyRevoke revokes a key at once on this server (auth.go) and
// returns it.
func handleAPIKeyRevoke(svc *backorder.Service, auth *authenticator) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		k, err := svc.RevokeAPIKey(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if auth != nil {
			auth.forget(k.ID)
		}
		writeJSON(w, http.StatusOK, k)
		return nil
	}
}

// handleAuditLog lists the audit log newest first; the cursor is the last
// entry's ID, and actor filters by the key's ID or the user's.
func handleAuditLog(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		es, err := svc.AuditLog(r.Context(), backorder.AuditFilter{Before: after, ActorID: r.URL.Query().Get("actor"), Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(es, limit, func(e backorder.AuditEntry) string { return strconv.FormatInt(e.ID, 10) }))
		return nil
	}
}

// checkServerOwned refuses what only an admin may set in an order request:
// the customer flags that give an order priority in the queue.
func checkServerOwned(r *http.Request, req *backorder.OrderRequest) error {
	if principalFrom(r.Context()).admin() {
		return nil
	}
	switch {
	case req.Customer.VIP:
		return backorder.FieldErrorf(backorder.EFORBIDDEN, "customer.vip", "Only an admin key may mark a customer VIP: it gives the order priority in the queue.")
	case req.Customer.Wholesale:
		return backorder.FieldErrorf(backorder.EFORBIDDEN, "customer.wholesale", "Only an admin key may mark a customer wholesale: it gives the order priority in the queue.")
	}
	return nil
}
