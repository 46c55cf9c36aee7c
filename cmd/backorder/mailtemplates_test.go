package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder/internal/mailpittest"
	"github.com/backorder/backorder/mail"
	"github.com/backorder/backorder/smtp"
)

// TestMailTemplates_Mailpit sends every moment's default email, rendered
// for the sample order, through a real SMTP server (Mailpit) and reads it
// back: the subject, the recipient, both parts, and where the moment dates
// the order, the promise date in the body.
func TestMailTemplates_Mailpit(t *testing.T) {
	mp := mailpittest.Start(t)
	client, err := smtp.New("smtp://"+mp.SMTPAddr, "Shop <orders@shop.example>")
	if err != nil {
		t.Fatal(err)
	}
	dated := map[string]string{ // moment → the date its body must show
		mail.BackorderConfirmation: "February 15, 2026",
		mail.PeriodicUpdate:        "February 15, 2026",
	}
	set := mail.Defaults()
	sent := map[string]mail.Rendered{} // Message-ID → what was sent
	to := map[string]string{}
	for _, m := range mail.Moments {
		d := mail.Sample(m)
		r, err := set.Render(m, d)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if want, ok := dated[m]; ok && !strings.Contains(r.Text, want) {
			t.Fatalf("%s: rendered text has no %q:\n%s", m, want, r.Text)
		}
		if m == mail.PromiseDate && (d.DateChange == nil || !strings.Contains(r.Text, d.DateChange.New)) {
			t.Fatalf("%s: rendered text has not the new date %+v:\n%s", m, d.DateChange, r.Text)
		}
		id := m + "@shop.example"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err = client.Send(ctx, smtp.Message{MessageID: id, To: d.CustomerEmail, Subject: r.Subject, Text: r.Text, HTML: r.HTML})
		cancel()
		if err != nil {
			t.Fatalf("%s: send: %v", m, err)
		}
		sent[id], to[id] = r, d.CustomerEmail
	}
	var got []mailpittest.Summary
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if got = mp.Messages(t); len(got) >= len(mail.Moments) || time.Now().After(deadline) {
			break
		}
	}
	if len(got) != len(mail.Moments) {
		t.Fatalf("Mailpit holds %d mails, want %d", len(got), len(mail.Moments))
	}
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	for _, sum := range got {
		r, ok := sent[sum.MessageID]
		if !ok {
			t.Fatalf("unexpected mail %q", sum.MessageID)
		}
		msg := mp.Message(t, sum.ID)
		if msg.Subject != r.Subject || len(msg.To) != 1 || msg.To[0].Address != to[sum.MessageID] || msg.From.Address != "orders@shop.example" {
			t.Errorf("%s: subject %q to %v from %v, want %q to %s", sum.MessageID, msg.Subject, msg.To, msg.From, r.Subject, to[sum.MessageID])
		}
		if norm(msg.Text) != norm(r.Text) {
			t.Errorf("%s: text part changed on the way:\n%s\nwant:\n%s", sum.MessageID, msg.Text, r.Text)
		}
		if !strings.Contains(msg.HTML, "<html") && !strings.Contains(msg.HTML, "<p") {
			t.Errorf("%s: no HTML part: %q", sum.MessageID, msg.HTML)
		}
		moment := strings.TrimSuffix(sum.MessageID, "@shop.example")
		if want, ok := dated[moment]; ok && !strings.Contains(msg.Text, want) {
			t.Errorf("%s: the delivered body has no promise date %q", moment, want)
		}
	}
}
