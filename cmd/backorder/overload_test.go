package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stalledOrder opens a connection and sends an order's headers, asking to
// be told to go on (Expect: 100-continue). The server answers 100 Continue
// only once the handler reads the body, that is once it has been admitted
// and holds a slot; then half the body is sent and the handler waits for the
// rest. stalledOrder fails the test if the request is answered otherwise or
// not within 30 s. finish sends the rest and returns the status of the reply.
func stalledOrder(t *testing.T, addr, id string) (finish func() int) {
	t.Helper()
	body := fmt.Sprintf(`{"id":%q,"customer":{"id":"c","email":"c@example.com","name":"C"},"lines":[{"sku":"HOT-1","quantity":1}]}`, id)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", testToken, len(body))
	br := bufio.NewReader(conn)
	start := time.Now()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%s: no 100 Continue within %s: %v", id, time.Since(start).Round(time.Millisecond), err)
	} else if resp.StatusCode != http.StatusContinue {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s before its body was sent, want 100 Continue (admitted)", id, resp.StatusCode, bytes.TrimSpace(b))
	}
	half := len(body) / 2
	if _, err := io.WriteString(conn, body[:half]); err != nil {
		t.Fatal(err)
	}
	return func() int {
		t.Helper()
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.WriteString(conn, body[half:]); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s once released: %v", id, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
}

// TestOverload holds every slot of a server taking 8 requests at once with
// stalled uploads, and floods it with three times that: every request is
// refused 429 with Retry-After and the code overloaded. Released, the
// stalled orders are placed. Then 24 clients (three times capacity) place
// orders as fast as they can: every reply is a 201 or a 429 with
// Retry-After, never anything else, and every order answered 201 is there.
func TestOverload(t *testing.T) {
	const capacity = 8
	// The stalled uploads must outlast the at-capacity checks however slow
	// the machine: the read and write timeouts would cut them at 30 s and
	// 1 min (TestServe_StalledClients checks that the server's timeouts cut
	// stalled clients).
	c := mustRun(t, "--max-in-flight", fmt.Sprint(capacity), "--read-timeout", "10m", "--write-timeout", "10m")
	mustHotSKUs(t, c, 1)
	addr := strings.TrimPrefix(c.base, "http://")

	// Each stalled order is admitted, and holds its slot, before the next
	// request is sent: nothing else is in flight, so none is refused. (Probing
	// while they arrived raced them: a probe in flight when the last stalled
	// order reached the server took its slot, that order was refused, and
	// every later probe found the slot it left free.)
	var finish []func() int
	for i := range capacity {
		finish = append(finish, stalledOrder(t, addr, fmt.Sprintf("stalled-%d", i)))
	}
	type reply struct {
		status     int
		retryAfter string
		code       string
		took       time.Duration
		err        error
	}
	order := func(id string) reply {
		start := time.Now()
		st, body, err := c.send("POST", "/v1/orders", map[string]any{"id": id, "customer": map[string]any{"id": "c", "email": "c@example.com", "name": "C"},
			"lines": []map[string]any{{"sku": "HOT-1", "quantity": 1}}}, "Idempotency-Key", "k-"+id)
		r := reply{status: st, err: err, took: time.Since(start)}
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil {
			r.code = e.Error.Code
		}
		return r
	}
	// The Retry-After header is not in send's reply; read it with a raw request.
	req, _ := http.NewRequest("GET", c.base+"/v1/settings", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("at capacity: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	var wg sync.WaitGroup
	flood := make([]reply, 3*capacity)
	for i := range flood {
		wg.Go(func() { flood[i] = order(fmt.Sprintf("flood-%d", i)) })
	}
	wg.Wait()
	var slowest time.Duration
	for i, r := range flood {
		if r.err != nil || r.status != http.StatusTooManyRequests || r.code != "overloaded" {
			t.Fatalf("flood %d at capacity: %d %s %v, want 429 overloaded", i, r.status, r.code, r.err)
		}
		slowest = max(slowest, r.took)
	}
	t.Logf("at capacity: %d requests refused 429, the slowest refusal in %s", len(flood), slowest)
	for i, f := range finish {
		if st := f(); st != http.StatusCreated {
			t.Fatalf("stalled order %d once released: %d, want 201", i, st)
		}
	}

	// Three times capacity, freely: admitted requests all succeed.
	const clients, each = 3 * capacity, 15
	var mu sync.Mutex
	var admitted, refused []time.Duration
	var placed []string
	for w := range clients {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("o-%d-%d", w, i)
				r := order(id)
				mu.Lock()
				switch {
				case r.err == nil && r.status == http.StatusCreated:
					admitted = append(admitted, r.took)
					placed = append(placed, id)
				case r.err == nil && r.status == http.StatusTooManyRequests && r.code == "overloaded":
					refused = append(refused, r.took)
				default:
					t.Errorf("order %s at 3x capacity: %d %s %v, want 201 or 429", id, r.status, r.code, r.err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(admitted) == 0 {
		t.Fatal("no order admitted at 3x capacity")
	}
	t.Logf("3x capacity: %d admitted, none failed (p50 %.1f ms, p99 %.1f ms); %d refused 429 (p50 %.2f ms, p99 %.2f ms)",
		len(admitted), percentileMs(admitted, 0.5), percentileMs(admitted, 0.99), len(refused), percentileMs(refused, 0.5), percentileMs(refused, 0.99))
	for _, id := range placed {
		if st := c.do("GET", "/v1/orders/"+id, nil, nil); st != http.StatusOK {
			t.Fatalf("admitted order %s: GET %d", id, st)
		}
	}
	var rep struct{ OK bool }
	if st := c.do("GET", "/v1/check", nil, &rep); st != 200 || !rep.OK {
		t.Fatalf("check: %d %+v", st, rep)
	}
}

// TestServe_StalledClients: a client that stops halfway through its headers,
// and one that keeps an idle connection open, are disconnected by the
// server's timeouts; a header over the size limit is refused.
func TestServe_StalledClients(t *testing.T) {
	c := mustRun(t, "--read-header-timeout", "200ms", "--idle-timeout", "300ms", "--max-header-bytes", "4096")
	addr := strings.TrimPrefix(c.base, "http://")
	closed := func(t *testing.T, conn net.Conn) {
		t.Helper()
		// Our own deadline is far past the server's timeouts: reaching it
		// means the server left the connection open.
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err := io.ReadAll(conn)
		if ne := (net.Error)(nil); errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("connection still open after 20s: %v", err)
		}
	}
	t.Run("HalfHeaders", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
		closed(t, conn)
	})
	t.Run("Idle", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET /healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		closed(t, conn)
	})
	t.Run("HugeHeader", func(t *testing.T) {
		req, _ := http.NewRequest("GET", c.base+"/healthz", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("64 KiB header: %d, want 431", resp.StatusCode)
		}
	})
}

// TestServe_SIGTERMDrains sends SIGTERM to `backorder serve` while 16
// clients place orders: it exits 0, every order it acknowledged is there
// after a restart, and every request got a 201 or no answer at all (the
// listener was closed), never an error.
func TestServe_SIGTERMDrains(t *testing.T) {
	bin := mustBuild(t)
	env := []string{"BACKORDER_DB=" + filepath.Join(t.TempDir(), "drain.db"), "BACKORDER_ADMIN_TOKEN=" + testToken}
	p := mustStart(t, bin, env...)
	c := &client{t: t, base: p.base, hc: &http.Client{Timeout: 30 * time.Second}}
	skus := mustHotSKUs(t, c, 2)
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("d%d-%d", w, i)
				st, body, err := c.send("POST", "/v1/orders", map[string]any{"id": id, "customer": map[string]any{"id": "c", "email": "c@example.com", "name": "C"},
					"lines": []map[string]any{{"sku": skus[i%2], "quantity": 1}}}, "Idempotency-Key", "k-"+id)
				if err != nil {
					return // the server has stopped taking requests
				}
				mu.Lock()
				if st == http.StatusCreated {
					acked = append(acked, id)
				} else {
					t.Errorf("order %s during shutdown: %d %s", id, st, body)
				}
				n := len(acked)
				mu.Unlock()
				if st != http.StatusCreated {
					return
				}
				if n == 100 {
					if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	<-p.exited
	p.stopped = true
	if p.err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", p.err, p.logs())
	}
	p = mustStart(t, bin, env...)
	c = &client{t: t, base: p.base, hc: c.hc}
	for _, id := range acked {
		if st := c.do("GET", "/v1/orders/"+id, nil, nil); st != http.StatusOK {
			t.Fatalf("order %s acknowledged before SIGTERM: GET %d after restart", id, st)
		}
	}
	t.Logf("%d orders acknowledged around SIGTERM, all there after restart", len(acked))
}
