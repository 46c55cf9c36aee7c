package http

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWriteError_Abandoned: a request whose client went away before its
// write was taken is logged as abandoned, not as an internal error, and gets
// no reply; the same error while the client still waits is a 500.
func TestWriteError_Abandoned(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/v1/orders", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	writeError(w, r, log, fmt.Errorf("submit: %w", context.Canceled))
	if w.Body.Len() != 0 || strings.Contains(logs.String(), "internal error") || !strings.Contains(logs.String(), "abandoned") {
		t.Fatalf("body=%q logs=%q, want no reply and an abandoned line", w.Body, logs.String())
	}

	logs.Reset()
	w = httptest.NewRecorder()
	writeError(w, httptest.NewRequest("POST", "/v1/orders", nil), log, context.Canceled)
	if w.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "internal error") {
		t.Fatalf("status=%d logs=%q, want a 500 logged as internal", w.Code, logs.String())
	}
}
