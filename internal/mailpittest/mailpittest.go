// Package mailpittest starts a Mailpit SMTP server for tests and reads the
// mail it received through its HTTP API. Mailpit is installed by
// `go install github.com/axllent/mailpit@v1.33.1` (.ci/run does); without
// it a test is skipped, and under CI=true it fails.
package mailpittest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is a running Mailpit.
type Server struct {
	SMTPAddr string // host:port of its SMTP listener
	APIURL   string // base URL of its HTTP API
}

// Binary returns the path of the mailpit binary: on PATH, or in the Go bin directory.
func Binary() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	dirs := []string{os.Getenv("GOBIN")}
	if gp := os.Getenv("GOPATH"); gp != "" {
		dirs = append(dirs, filepath.Join(gp, "bin"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		p := filepath.Join(d, "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("mailpit not found: go install github.com/axllent/mailpit@v1.33.1")
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start runs a Mailpit on free loopback ports with its database in a
// temporary directory, stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	smtpPort, httpPort := freePort(t), freePort(t)
	s := &Server{SMTPAddr: "127.0.0.1:" + strconv.Itoa(smtpPort), APIURL: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--smtp", s.SMTPAddr, "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--disable-version-check", "--database", filepath.Join(t.TempDir(), "mailpit.db"), "--quiet")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	for i := 0; ; i++ {
		resp, err := http.Get(s.APIURL + "/api/v1/messages")
		if err == nil {
			resp.Body.Close()
			if c, err := net.Dial("tcp", s.SMTPAddr); err == nil {
				c.Close()
				return s
			}
		}
		if i == 300 {
			t.Fatalf("mailpit did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Address is a mail address in Mailpit's API.
type Address struct {
	Name    string
	Address string
}

// Summary is a message as Mailpit lists it.
type Summary struct {
	ID        string
	MessageID string
	Subject   string
	To        []Address
	From      Address
}

// Message is one message with its bodies and headers.
type Message struct {
	ID        string
	MessageID string
	Subject   string
	To        []Address
	From      Address
	Text      string
	HTML      string
}

// Messages lists every message received, newest first.
func (s *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	var out struct {
		Messages []Summary `json:"messages"`
	}
	s.get(t, "/api/v1/messages?limit=1000", &out)
	return out.Messages
}

// Message reads one message.
func (s *Server) Message(t testing.TB, id string) Message {
	t.Helper()
	var m Message
	s.get(t, "/api/v1/message/"+id, &m)
	return m
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(s.APIURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
