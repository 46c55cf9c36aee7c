package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/mail"
)

// TestRender_Moments renders every default against the sample order of its
// moment and checks what the customer must read in it, in both parts.
func TestRender_Moments(t *testing.T) {
	t.Parallel()
	const noDate = "we will email you the date as soon as we know it"
	for _, tt := range []struct {
		moment  string
		subject string
		want    []string // in the text and the HTML part
		links   []string // the links present in both parts
		noLinks []string // the links absent
	}{
		{mail.BackorderConfirmation, "Order Confirmed - Items on Backorder (order 1001)",
			[]string{"Thank you for your order!", "Widget Pro - Blue", "Status: On backorder", "Expected ship date: ", "February 15, 2026", noDate,
				"Payment: charged when you placed the order", "Payment: charged only when it ships", "You can cancel anytime before shipment."},
			[]string{"View", "Cancel"}, []string{"Choose"}},
		{mail.PeriodicUpdate, "Still Awaiting Inventory - Order 1001",
			[]string{"still awaiting inventory", "as of January 12, 2026", "February 15, 2026", noDate},
			[]string{"View", "Cancel"}, []string{"Choose"}},
		{mail.PromiseDate, "New Expected Date - Order 1001",
			[]string{"February 20, 2026", "Previously expected: February 15, 2026", "Widget Pro - Blue", noDate},
			[]string{"View", "Cancel"}, []string{"Choose"}},
		{mail.StockArrived, "Good News - Your Backordered Item Is Being Prepared (order 1001)",
			[]string{"has arrived", "preparing your order 1001", "Widget Pro - Blue", "Still on backorder", "Gadget Mini", noDate},
			[]string{"View", "Cancel"}, []string{"Choose"}},
		{mail.PartlyShipped, "Part of Your Order Has Shipped (order 1001)",
			[]string{"Tracking: ", "1Z999AA1012345678", "Carrier: UPS", "Estimated delivery: January 15, 2026", "Still to come", "Gadget Mini", noDate},
			[]string{"View", "Cancel"}, []string{"Choose"}},
		{mail.Shipped, "Great News - Your Backordered Item Has Shipped!",
			[]string{"Your wait is over!", "Widget Pro - Blue", "Status: Shipped", "Tracking: ", "1Z999AA1012345678", "Estimated delivery: January 15, 2026", "Thank you for your patience!"},
			[]string{"View"}, []string{"Cancel", "Choose"}},
		{mail.Cancelled, "Part of Order 1001 Cancelled",
			[]string{"Part of your order 1001 has been cancelled", "Gadget Mini", "Reason: I found it elsewhere", "You were not charged for the cancelled items", "Still on its way"},
			[]string{"View"}, []string{"Cancel", "Choose"}},
		{mail.SplitChoice, "Part of Your Order Is Ready - Ship Now or Wait? (order 1001)",
			[]string{"Ready now", "Widget Pro - Blue", "Still on backorder", "Gadget Mini", "Ship what's here now", "Wait and ship everything together", noDate},
			[]string{"View", "Cancel", "Choose"}, nil},
		{mail.PreorderReleased, "It's Here - Your Pre-order Is Released (order 1001)",
			[]string{"release day", "Gadget Mini", "being prepared"},
			[]string{"View", "Cancel"}, []string{"Choose"}},
	} {
		t.Run(tt.moment, func(t *testing.T) {
			d := mail.Sample(tt.moment)
			r, err := mail.Defaults().Render(tt.moment, d)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := r.Subject, tt.subject; got != want {
				t.Errorf("Subject=%q, want %q", got, want)
			}
			html := strings.ReplaceAll(r.HTML, "&#39;", "'")
			for _, w := range append(tt.want, "Hi Alex Doe") {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
				if !strings.Contains(stripTags(html), w) {
					t.Errorf("HTML lacks %q:\n%s", w, r.HTML)
				}
			}
			link := map[string]string{"View": d.Links.View, "Cancel": d.Links.Cancel, "Choose": d.Links.Choose}
			for _, l := range tt.links {
				if !strings.Contains(r.Text, link[l]) {
					t.Errorf("text lacks the %s link %q", l, link[l])
				}
				if !strings.Contains(r.HTML, `href="`+link[l]+`"`) {
					t.Errorf("HTML lacks the %s link %q", l, link[l])
				}
			}
			for _, l := range tt.noLinks {
				if strings.Contains(r.Text, link[l]) || strings.Contains(r.HTML, link[l]) {
					t.Errorf("the %s link is in the message", l)
				}
			}
			if !strings.Contains(r.HTML, `<meta name="viewport"`) {
				t.Errorf("HTML has no viewport meta")
			}
		})
	}
}

// stripTags removes HTML tags, so a phrase is found across <strong> and <br>.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestRender_EscapesCustomerText checks that what a customer or a
// storefront typed is escaped in the HTML part and kept as typed in the
// text part, and that a line break cannot reach the subject header.
func TestRender_EscapesCustomerText(t *testing.T) {
	t.Parallel()
	d := mail.Sample(mail.Cancelled)
	d.CustomerName = `<script>alert("x")</script> & Bob`
	d.Cancellation.Reason = `<img src=x onerror=alert(1)>`
	d.Lines[0].Name = `<b>Widget</b>`
	d.OrderID = "A\r\nBcc: evil@example.com"
	r, err := mail.Defaults().Render(mail.Cancelled, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<img", "<b>Widget"} {
		if strings.Contains(r.HTML, bad) {
			t.Errorf("HTML holds %q unescaped", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&amp; Bob", "&lt;img src=x onerror=alert(1)&gt;", "&lt;b&gt;Widget&lt;/b&gt;"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if !strings.Contains(r.Text, `Hi <script>alert("x")</script> & Bob`) {
		t.Errorf("text does not keep the name as typed:\n%s", r.Text)
	}
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("Subject=%q holds a line break", r.Subject)
	}
}

// TestRender_Links checks a link that is not http(s) cannot become an
// active link in the HTML part.
func TestRender_Links(t *testing.T) {
	t.Parallel()
	d := mail.Sample(mail.BackorderConfirmation)
	d.Links.Cancel = "javascript:alert(1)"
	r, err := mail.Defaults().Render(mail.BackorderConfirmation, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, `href="javascript:`) {
		t.Fatalf("HTML holds a javascript: link")
	}
	d.Links = mail.Links{}
	r, err = mail.Defaults().Render(mail.BackorderConfirmation, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "View Order") || strings.Contains(r.HTML, "View Order") {
		t.Fatalf("a message without links shows a View Order link")
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	good, _ := mail.Default(mail.Shipped)
	for _, tt := range []struct {
		name  string
		edit  func(*backorder.Template)
		code  string
		field string
		msg   string // the message starts with it
	}{
		{"OK", func(*backorder.Template) {}, "", "", ""},
		{"OKEdited", func(t *backorder.Template) { t.Subject = "On its way: {{.OrderID}}" }, "", "", ""},
		{"ErrHTMLParse", func(t *backorder.Template) { t.HTML = "<p>\n<b>\n{{end}}\n" }, backorder.EINVALID, "html", "line 3: "},
		{"ErrTextUnknownFunction", func(t *backorder.Template) { t.Text = "Hi\n\n{{shout .CustomerName}}" }, backorder.EINVALID, "text", "line 3: "},
		{"ErrTextUnknownField", func(t *backorder.Template) { t.Text = "Hi\n{{.Nickname}}" }, backorder.EINVALID, "text", "line 2: "},
		{"ErrSubjectUnclosed", func(t *backorder.Template) { t.Subject = "Shipped {{.OrderID" }, backorder.EINVALID, "subject", "line 1: "},
		{"ErrSubjectEmpty", func(t *backorder.Template) { t.Subject = "{{if false}}x{{end}}" }, backorder.EINVALID, "subject", "line 1: "},
		{"ErrHTMLUnknownFieldInRange", func(t *backorder.Template) { t.HTML = "<ul>\n{{range .Lines}}\n<li>{{.Colour}}</li>{{end}}</ul>" }, backorder.EINVALID, "html", "line 3: "},
		{"ErrTextMissing", func(t *backorder.Template) { t.Text = " " }, backorder.EINVALID, "text", "The text is required."},
		{"ErrTooLong", func(t *backorder.Template) { t.HTML = strings.Repeat("x", backorder.MaxTemplateLength+1) }, backorder.EINVALID, "html", "The html must be at most"},
		{"ErrUnknownMoment", func(t *backorder.Template) { t.Name = "birthday" }, backorder.ENOTFOUND, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := good
			tt.edit(&src)
			err := mail.Check(src)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e := backorder.AsError(err)
			if e.Code != tt.code || e.Field != tt.field || !strings.HasPrefix(e.Message, tt.msg) {
				t.Fatalf("Check: %+v, want code %s field %q message %q...", e, tt.code, tt.field, tt.msg)
			}
		})
	}
}

// TestDefaults checks every moment has a default that round-trips through
// Parse, and that unknown moments are not found.
func TestDefaults(t *testing.T) {
	t.Parallel()
	for _, m := range mail.Moments {
		src, ok := mail.Default(m)
		if !ok || src.Name != m || src.Subject == "" || src.Text == "" || src.HTML == "" {
			t.Fatalf("Default(%s)=%+v, %v", m, src, ok)
		}
		if err := mail.Check(src); err != nil {
			t.Fatalf("Check(Default(%s)): %v", m, err)
		}
	}
	if _, ok := mail.Default("nope"); ok {
		t.Fatal("Default(nope) ok")
	}
	if _, err := mail.Defaults().Render("nope", mail.Data{}); backorder.ErrorCode(err) != backorder.ENOTFOUND {
		t.Fatalf("Render(nope): %v, want not found", err)
	}
}

type source []*backorder.Template

func (s source) Templates(context.Context) ([]*backorder.Template, error) { return s, nil }

// TestLoad checks an edit replaces its moment's default and only that one.
func TestLoad(t *testing.T) {
	t.Parallel()
	edit, _ := mail.Default(mail.Shipped)
	edit.Subject = "It shipped, {{.CustomerName}}"
	set, err := mail.Load(context.Background(), source{&edit})
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Render(mail.Shipped, mail.Sample(mail.Shipped))
	if err != nil {
		t.Fatal(err)
	} else if got, want := r.Subject, "It shipped, Alex Doe"; got != want {
		t.Fatalf("Subject=%q, want %q", got, want)
	}
	r, err = mail.Defaults().Render(mail.Shipped, mail.Sample(mail.Shipped))
	if err != nil {
		t.Fatal(err)
	} else if got, want := r.Subject, "Great News - Your Backordered Item Has Shipped!"; got != want {
		t.Fatalf("default Subject=%q, want %q: an edit changed the defaults", got, want)
	}
	bad := edit
	bad.Text = "{{.Nope}}"
	if _, err := mail.Load(context.Background(), source{&bad}); backorder.ErrorCode(err) != backorder.EINVALID {
		t.Fatalf("Load of a broken edit: %v, want invalid", err)
	}
}

// TestNewData reads each event's typed payload into the data of a message.
func TestNewData(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	order := func() *backorder.Order {
		o, _ := mail.SampleOrder(mail.BackorderConfirmation)
		return o
	}
	products := map[string]*backorder.Product{"WIDGET-PRO-BLUE": {Name: "Widget Pro - Blue"}}
	event := func(p backorder.Payload) backorder.Event {
		e, err := backorder.NewEvent(now, "1001", "", p)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	t.Run("Shipped", func(t *testing.T) {
		d, err := mail.NewData(order(), products, event(&backorder.OrderShippedPayload{Carrier: "DHL", Tracking: "T-1", EstimatedDelivery: "2026-02-18",
			Lines: []backorder.FulfillmentLine{{LineID: 1, SKU: "WIDGET-PRO-BLUE", Quantity: 2}}}), mail.Links{}, now)
		if err != nil {
			t.Fatal(err)
		}
		s := d.Shipment
		if s == nil || s.Carrier != "DHL" || s.Tracking != "T-1" || s.EstimatedDelivery != "February 18, 2026" || len(s.Lines) != 1 || s.Lines[0].Name != "Widget Pro - Blue" {
			t.Fatalf("Shipment=%+v", s)
		}
		if d.Today != "February 1, 2026" || d.Lines[1].Name != "GADGET-MINI" {
			t.Fatalf("Today=%q, Lines[1].Name=%q (a product missing is named by its SKU)", d.Today, d.Lines[1].Name)
		}
	})
	for _, tt := range []struct {
		name  string
		lines []int64 // line IDs cancelled
		want  string
	}{
		{"CancelledPaidAtOrder", []int64{1}, "will be refunded to your original payment method"},
		{"CancelledPaidAtShip", []int64{2}, "You were not charged"},
		{"CancelledBoth", []int64{1, 2}, "refunded to your original payment method. You were not charged"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &backorder.OrderCancelledPayload{Reason: "too_slow"}
			for _, id := range tt.lines {
				p.Cancelled = append(p.Cancelled, backorder.EventLine{LineID: id, SKU: "X", Quantity: 1, Cancelled: 1})
			}
			d, err := mail.NewData(order(), products, event(p), mail.Links{}, now)
			if err != nil {
				t.Fatal(err)
			}
			if c := d.Cancellation; c == nil || !strings.Contains(c.Money, tt.want) || c.Reason != "too_slow" || len(c.Lines) != len(tt.lines) {
				t.Fatalf("Cancellation=%+v, want money %q", c, tt.want)
			}
		})
	}
	t.Run("ETAChanged", func(t *testing.T) {
		d, err := mail.NewData(order(), products, event(&backorder.ETAChangedPayload{LineID: 1, Old: backorder.ETA{Date: "2026-02-15"}, New: backorder.ETA{Date: "2026-02-20"}}), mail.Links{}, now)
		if err != nil {
			t.Fatal(err)
		}
		if c := d.DateChange; c == nil || c.Old != "February 15, 2026" || c.New != "February 20, 2026" || c.NewShort != "Feb 20" || c.Name != "Widget Pro - Blue" {
			t.Fatalf("DateChange=%+v", c)
		}
	})
	t.Run("ErrBadPayload", func(t *testing.T) {
		_, err := mail.NewData(order(), products, backorder.Event{Kind: backorder.EventOrderShipped, Payload: []byte("{")}, mail.Links{}, now)
		if err == nil {
			t.Fatal("NewData of a broken payload: no error")
		}
	})
}

// TestLineStatus words each state of a line.
func TestLineStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		l    backorder.Line
		want string
	}{
		{backorder.Line{Quantity: 2, Backordered: 2}, "On backorder"},
		{backorder.Line{Quantity: 3, Allocated: 1, Backordered: 2}, "2 of 3 on backorder"},
		{backorder.Line{Quantity: 3, Allocated: 3}, "In stock, being prepared"},
		{backorder.Line{Quantity: 3, Shipped: 1, Allocated: 2}, "1 of 3 shipped, the rest is being prepared"},
		{backorder.Line{Quantity: 3, Shipped: 3}, "Shipped"},
		{backorder.Line{Quantity: 3, Shipped: 1, Cancelled: 2}, "Shipped"},
		{backorder.Line{Quantity: 3, Cancelled: 3}, "Cancelled"},
		{backorder.Line{Quantity: 1, Backordered: 1, AvailableFrom: "2026-03-01"}, "Pre-order"},
	} {
		if got := mail.LineStatus(&tt.l); got != tt.want {
			t.Errorf("LineStatus(%+v)=%q, want %q", tt.l, got, tt.want)
		}
	}
}

// TestNewLinks checks each link verifies for its purpose and order only.
func TestNewLinks(t *testing.T) {
	t.Parallel()
	secret := []byte("0123456789abcdef")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := mail.NewLinks("https://shop.example/", secret, "A-1", now.Add(time.Hour))
	for purpose, u := range map[string]string{backorder.LinkView: l.View, backorder.LinkCancel: l.Cancel, backorder.LinkChoose: l.Choose} {
		tok, ok := strings.CutPrefix(u, "https://shop.example/c/")
		if !ok {
			t.Fatalf("%s link %q is not under https://shop.example/c/", purpose, u)
		}
		if c, err := backorder.VerifyLink(secret, tok, purpose, now); err != nil || c.OrderID != "A-1" {
			t.Fatalf("%s link: %+v, %v", purpose, c, err)
		}
	}
}

// BenchmarkRender renders the confirmation of the sample order with the
// defaults: the cost of one message.
func BenchmarkRender(b *testing.B) {
	d := mail.Sample(mail.BackorderConfirmation)
	set := mail.Defaults()
	for b.Loop() {
		if _, err := set.Render(mail.BackorderConfirmation, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad parses the defaults with one edit, as a worker does when it
// reads the edits afresh.
func BenchmarkLoad(b *testing.B) {
	edit, _ := mail.Default(mail.Shipped)
	edit.Subject = "It shipped, {{.CustomerName}}"
	src := source{&edit}
	for b.Loop() {
		if _, err := mail.Load(context.Background(), src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyLink checks one signed link.
func BenchmarkVerifyLink(b *testing.B) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := backorder.SignLink(secret, backorder.LinkClaim{OrderID: "A-1", Purpose: backorder.LinkCancel, Expires: now.Add(time.Hour)})
	for b.Loop() {
		if _, err := backorder.VerifyLink(secret, tok, backorder.LinkCancel, now); err != nil {
			b.Fatal(err)
		}
	}
}
