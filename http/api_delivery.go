package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

func deliveryCursor(d *backorder.Delivery) string { return itoa(d.ID) }

// handleDeliveryList lists deliveries in ID order, by status
// (GET /v1/deliveries?status=dead lists the dead ones).
func handleDeliveryList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		status, err := queryEnum(r, "status", backorder.DeliveryStatuses...)
		if err != nil {
			return err
		}
		channel, err := queryEnum(r, "channel", backorder.ChannelEmail, backorder.ChannelWebhook)
		if err != nil {
			return err
		}
		ds, err := svc.Deliveries(r.Context(), backorder.DeliveryFilter{Status: status, Channel: channel, After: after, Limit: limit + 1})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ds, limit, deliveryCursor))
		return nil
	}
}

// handleDeliveryRetry requeues a dead delivery (200).
func handleDeliveryRetry(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Delivery")
		if err != nil {
			return err
		}
		// The body may be empty, or an empty object.
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		idem, err := idempotency(r, body)
		if err != nil {
			return err
		}
		if err := decodeOptional(body, &struct{}{}); err != nil {
			return err
		}
		d, err := svc.RetryDelivery(r.Context(), id, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, d)
		return nil
	}
}

// handleOrderMessages lists the emails of an order, sent, kept or due.
func handleOrderMessages(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		ds, err := svc.OrderMessages(r.Context(), r.PathValue("id"), after, limit+1)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ds, limit, deliveryCursor))
		return nil
	}
}

// handleWebhookEndpointCreate registers an endpoint (201); the reply shows
// its secret, this once.
func handleWebhookEndpointCreate(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req backorder.WebhookEndpointRequest
		idem, err := decodePost(w, r, &req)
		if err != nil {
			return err
		}
		e, err := svc.CreateWebhookEndpoint(r.Context(), &req, idem)
		markReplayed(w, idem)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, e)
		return nil
	}
}

// handleWebhookEndpointList lists endpoints, without secrets.
func handleWebhookEndpointList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		es, err := svc.WebhookEndpoints(r.Context(), after, limit+1)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(es, limit, func(e *backorder.WebhookEndpoint) string { return itoa(e.ID) }))
		return nil
	}
}

// handleWebhookEndpointGet shows one endpoint, without its secret.
func handleWebhookEndpointGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Webhook endpoint")
		if err != nil {
			return err
		}
		e, err := svc.WebhookEndpoint(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, e)
		return nil
	}
}

// handleWebhookEndpointDelete removes an endpoint (204).
func handleWebhookEndpointDelete(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Webhook endpoint")
		if err != nil {
			return err
		}
		if err := svc.DeleteWebhookEndpoint(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// handleWebhookEndpointDeliveries lists an endpoint's delivery log.
func handleWebhookEndpointDeliveries(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id", "Webhook endpoint")
		if err != nil {
			return err
		}
		limit, after, err := queryPage(r)
		if err != nil {
			return err
		}
		ds, err := svc.EndpointDeliveries(r.Context(), id, after, limit+1)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newPage(ds, limit, deliveryCursor))
		return nil
	}
}
