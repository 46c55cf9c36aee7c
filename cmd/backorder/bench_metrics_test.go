package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"
)

// TestBenchMetrics runs `bench --only metrics` small, on SQLite and on
// PostgreSQL: it prints its figures, not asserts them.
func TestBenchMetrics(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := t.TempDir()
			if db == "postgres" {
				dsn = mustCreateDatabase(t, testPostgresURL(t))
			}
			var out bytes.Buffer
			args := []string{"--db", dsn, "--only", "metrics", "--metrics-orders", "600", "--metrics-days", "20", "--duration", "300ms", "--json"}
			if err := runBench(context.Background(), args, func(string) string { return "" }, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			var fig metricsFigure
			if err := json.Unmarshal(out.Bytes(), &fig); err != nil {
				t.Fatalf("%v: %s", err, out.Bytes())
			}
			if fig.Orders+fig.Refused != 600 || fig.Metrics30dP50Ms <= 0 || fig.DashboardP50Ms <= 0 || fig.IntakeWithPerS <= 0 || fig.IntakeWithoutPerS <= 0 {
				t.Fatalf("figures %+v", fig)
			}
			t.Logf("%s", out.Bytes())
		})
	}
}
