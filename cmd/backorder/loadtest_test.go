package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

// TestLoadtest runs `backorder loadtest` for 300 operations against a
// server started in-process: every kind of write is sent and answered, none
// with a 5xx, nothing is left in doubt, and the check it ends with finds no
// violation.
func TestLoadtest(t *testing.T) {
	c := mustRun(t)
	var out bytes.Buffer
	args := []string{"loadtest", "--url", c.base, "--token", testToken, "--ops", "300", "--duration", "10m", "--concurrency", "4", "--cold", "5", "--seed", "7", "--json"}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("loadtest: %v\n%s", err, out.String())
	}
	var rep loadReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("loadtest --json printed %q: %v", out.String(), err)
	}
	t.Logf("%+v", rep)
	if rep.Check == nil || !rep.Check.OK {
		t.Fatalf("check: %+v %s", rep.Check, rep.CheckErr)
	}
	if rep.Acked == 0 || rep.OrdersAcked == 0 || rep.InDoubt != 0 {
		t.Fatalf("acked=%d orders=%d in doubt=%d", rep.Acked, rep.OrdersAcked, rep.InDoubt)
	}
	for _, kind := range []string{"order", "receipt", "po_create"} {
		if rep.ByOp[kind] == 0 {
			t.Errorf("no %s finished: %v", kind, rep.ByOp)
		}
	}
	for class := range rep.Errors {
		if strings.HasPrefix(class, "5") || class == "connection" || class == "timeout" {
			t.Errorf("errors %v include %s", rep.Errors, class)
		}
	}

	// The text report names every figure.
	out.Reset()
	args = []string{"loadtest", "--url", c.base, "--token", testToken, "--ops", "10", "--duration", "10m", "--rate", "50", "--concurrency", "2"}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatalf("loadtest --rate: %v\n%s", err, out.String())
	}
	for _, want := range []string{"throughput", "p50", "p99", "errors", "check          ok"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
