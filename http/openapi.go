package http

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of Routes.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// handleOpenAPI serves the OpenAPI document.
func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
}

// health is the reply of /healthz.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

// handleHealth answers that the process serves requests. It needs no token.
func handleHealth(version string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, health{Status: "ok", Version: version})
		return nil
	}
}
