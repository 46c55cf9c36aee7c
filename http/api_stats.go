package http

import (
	"net/http"

	"github.com/backorder/backorder"
)

// handleStats reports this process's group committer counters since it
// started: batches committed, writes in them, and batches retried whole after
// a transient conflict (a PostgreSQL deadlock or serialization failure, or a
// busy SQLite file). Each instance counts its own; add them up across
// instances.
func handleStats(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		writeJSON(w, http.StatusOK, svc.CommitStats())
		return nil
	}
}
