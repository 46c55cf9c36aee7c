package http

import (
	"net/http"
	"time"

	"github.com/backorder/backorder"
)

// movementKinds are the values of the kind filter of /v1/movements.
var movementKinds = []string{
	backorder.MoveReceipt, backorder.MoveAdjustment, backorder.MoveAllocate, backorder.MoveRelease,
	backorder.MoveShip, backorder.MoveBackorder, backorder.MoveCancel,
}

// handleMovementList lists the append-only history in ID order.
func handleMovementList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		kind, err := queryEnum(r, "kind", movementKinds...)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		ms, err := svc.Movements(r.Context(), backorder.MovementFilter{SKU: q.Get("sku"), OrderID: q.Get("order_id"), Kind: kind, After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ms, limit, func(m backorder.Movement) string { return itoa(m.ID) }))
		return nil
	}
}

// handleEventList lists outbox events in ID order.
func handleEventList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		es, err := svc.Events(r.Context(), after, limit+1)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(es, limit, func(e backorder.Event) string { return itoa(e.ID) }))
		return nil
	}
}

// handleLostDemandList lists refused demand recorded at or after since
// (RFC 3339; everything when absent).
func handleLostDemandList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var since time.Time
		if s := r.URL.Query().Get("since"); s != "" {
			t, err := parseTime(s)
			if err != nil {
				return backorder.FieldErrorf(backorder.EINVALID, "since", "since must be a time as RFC 3339, such as 2024-05-01T00:00:00Z.")
			}
			since = t
		}
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		ls, err := svc.LostDemand(r.Context(), backorder.LostDemandFilter{Since: since, After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ls, limit, func(l backorder.LostDemand) string { return itoa(l.ID) }))
		return nil
	}
}

// handleCheck recomputes every quantity from the history and reports the
// broken invariants; 200 either way, the ok field tells.
func handleCheck(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rep, err := svc.Check(r.Context())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}
