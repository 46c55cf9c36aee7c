package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/backorder/backorder"
)

// EMETHOD is the code of a request whose path exists but not with its method.
// The root package has no code for it because no service method returns it.
const EMETHOD = backorder.EMETHOD

// codes is the single map from application error code to HTTP status.
var codes = map[string]int{
	backorder.EINVALID:      http.StatusUnprocessableEntity,
	backorder.EIDEMPOTENCY:  http.StatusUnprocessableEntity,
	backorder.EMALFORMED:    http.StatusBadRequest,
	backorder.ENOTFOUND:     http.StatusNotFound,
	backorder.ECONFLICT:     http.StatusConflict,
	backorder.EREFUSED:      http.StatusConflict,
	backorder.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	backorder.EUNAUTHORIZED: http.StatusUnauthorized,
	backorder.EFORBIDDEN:    http.StatusForbidden,
	backorder.ERATELIMITED:  http.StatusTooManyRequests,
	backorder.EUNAVAILABLE:  http.StatusNotFound,
	backorder.EINTERNAL:     http.StatusInternalServerError,
	EMETHOD:                 http.StatusMethodNotAllowed,
	backorder.EOVERLOADED:   http.StatusTooManyRequests,
}

// retryAfter is the Retry-After of an overloaded reply, in seconds: long
// enough for a full group commit queue to drain several times over.
const retryAfter = "1"

// errorResponse is the body of every error reply.
type errorResponse struct {
	Error *backorder.Error `json:"error"`
}

// writeError replies with err as JSON. An internal error, or an error with a
// code the map does not know, is logged with the request and shown only as
// "Internal error.".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away before its write was taken into a batch:
		// nothing was written, and nobody is left to answer.
		log.Info("request abandoned by the client", "method", r.Method, "path", r.URL.Path)
		return
	}
	e := backorder.AsError(err)
	status, known := codes[e.Code]
	if !known || e.Code == backorder.EINTERNAL {
		log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e, status = &backorder.Error{Code: backorder.EINTERNAL, Message: "Internal error."}, http.StatusInternalServerError
	}
	switch e.Code {
	case backorder.EUNAUTHORIZED:
		w.Header().Set("WWW-Authenticate", `Bearer realm="backorder"`)
	case backorder.EOVERLOADED:
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, status, errorResponse{Error: e})
}
