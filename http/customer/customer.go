// Package customer serves the page a customer opens from a link in a mail:
// the order's status and promise date per line, and, as the link allows,
// cancelling before shipment or choosing how a split order ships. The page
// is server-rendered HTML (html/template, embedded), needs no JavaScript
// and reads on a phone.
//
// The signed link is the only credential (backorder.VerifyLink): the page
// is outside the admin token, and a wrong, tampered or expired link is a
// 404 that names no order.
package customer

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/mail"
)

// Config is what the pages need.
type Config struct {
	Service *backorder.Service
	// Secret verifies the links; nil answers every link with 404.
	Secret []byte
	// Shop is the shop's name on the page (mail.ShopName when empty).
	Shop   string
	Logger *slog.Logger
}

// Reason is one entry of the shop's list of cancel reasons.
type Reason struct {
	Code  string
	Label string
}

// Reasons are the cancel reasons the page offers, in its order. The code
// is what the cancellation records as its reason (with the customer's note
// after it, when given).
var Reasons = []Reason{
	{"found_elsewhere", "I found it elsewhere"},
	{"too_slow", "It is taking too long"},
	{"changed_mind", "I changed my mind"},
	{"price", "The price"},
	{"other", "Another reason"},
}

//go:embed page.html
var files embed.FS

var page = template.Must(template.ParseFS(files, "page.html"))

// view is what page.html renders.
type view struct {
	Shop      string
	Invalid   bool // the link is not valid: nothing else is set
	Token     string
	Data      mail.Data
	Purpose   string
	CanCancel bool
	CanChoose bool
	Choice    string
	Reasons   []Reason
	Notice    string
	Problem   string
}

// Page serves GET /c/{token}: the order of a valid link of any purpose.
func Page(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := verify(cfg, r, backorder.LinkPurposes...)
		if !ok {
			notFound(w, cfg)
			return
		}
		notice := ""
		switch r.URL.Query().Get("done") {
		case "cancelled":
			notice = "Your order has been cancelled."
		case "chosen":
			notice = "Thank you: we will ship your order as you chose."
		}
		render(w, r, cfg, c, http.StatusOK, notice, "")
	})
}

// postedForm verifies a posted form's link, of the kind given, and reads
// the form (16 KiB at most). When either fails it has answered: 404 for a
// link that does not verify, the page with a 422 for a form that cannot be
// read.
func postedForm(w http.ResponseWriter, r *http.Request, cfg Config, kind string) (backorder.LinkClaim, bool) {
	c, ok := verify(cfg, r, kind)
	if !ok {
		notFound(w, cfg)
		return backorder.LinkClaim{}, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		render(w, r, cfg, c, http.StatusUnprocessableEntity, "", "The form could not be read; please try again.")
		return backorder.LinkClaim{}, false
	}
	return c, true
}

// Cancel serves POST /c/{token}/cancel: with a cancel link, cancels every
// open unit of the order with the reason chosen, then shows the page again.
func Cancel(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := postedForm(w, r, cfg, backorder.LinkCancel)
		if !ok {
			return
		}
		reason := ReasonText(r.PostForm.Get("reason"), r.PostForm.Get("note"))
		if reason == "" {
			render(w, r, cfg, c, http.StatusUnprocessableEntity, "", "Please choose a reason from the list.")
			return
		}
		ctx := customerActor(r, c.OrderID, "POST "+mail.CustomerPath+"{token}/cancel")
		code := r.PostForm.Get("reason")
		_, err := cfg.Service.CancelOrder(ctx, c.OrderID, &backorder.CancelRequest{Reason: reason, ReasonCode: code}, nil)
		done(w, r, cfg, c, err, "cancelled")
	})
}

// Choose serves POST /c/{token}/choose: with a choose link, records how an
// order of the customer_choice policy ships, then shows the page again.
func Choose(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := postedForm(w, r, cfg, backorder.LinkChoose)
		if !ok {
			return
		}
		choice := r.PostForm.Get("choice")
		if choice != backorder.SplitShipAvailable && choice != backorder.SplitShipComplete {
			render(w, r, cfg, c, http.StatusUnprocessableEntity, "", "Please choose how your order ships.")
			return
		}
		ctx := customerActor(r, c.OrderID, "POST "+mail.CustomerPath+"{token}/choose")
		_, err := cfg.Service.ChooseSplit(ctx, c.OrderID, choice, nil)
		done(w, r, cfg, c, err, "chosen")
	})
}

// customerActor is the request's context with the customer of the order as
// the actor the audit log records. The path is the route's, so that the
// token, a credential, is never written down.
func customerActor(r *http.Request, orderID, action string) context.Context {
	_, path, _ := strings.Cut(action, " ")
	return backorder.WithActor(r.Context(), backorder.Actor{Kind: backorder.ActorCustomer, ID: orderID, Action: action, Path: path})
}

// ReasonText is the reason a cancellation from the page records: the code
// of a listed reason, then the customer's note (trimmed, at most 500
// bytes) after a colon. "" for a code not on the list.
func ReasonText(code, note string) string {
	for _, rs := range Reasons {
		if rs.Code == code {
			note = strings.Join(strings.Fields(note), " ")
			if len(note) > 500 {
				note = note[:500]
				for !utf8Valid(note) {
					note = note[:len(note)-1]
				}
			}
			if note != "" {
				return code + ": " + note
			}
			return code
		}
	}
	return ""
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// done answers a form's change: back to the page (303) when it was made,
// the page with the problem when the order no longer allows it.
func done(w http.ResponseWriter, r *http.Request, cfg Config, c backorder.LinkClaim, err error, what string) {
	if err == nil {
		http.Redirect(w, r, mail.CustomerPath+r.PathValue("token")+"?done="+what, http.StatusSeeOther)
		return
	}
	switch backorder.ErrorCode(err) {
	case backorder.ECONFLICT:
		render(w, r, cfg, c, http.StatusConflict, "", "This can no longer be done: "+backorder.ErrorMessage(err))
	case backorder.EINVALID:
		render(w, r, cfg, c, http.StatusUnprocessableEntity, "", backorder.ErrorMessage(err))
	default:
		serverError(w, r, cfg, err)
	}
}

// verify returns the claim of the request's token if it is valid for one
// of the purposes now.
func verify(cfg Config, r *http.Request, purposes ...string) (backorder.LinkClaim, bool) {
	if len(cfg.Secret) == 0 || cfg.Service == nil {
		return backorder.LinkClaim{}, false
	}
	now := cfg.Service.Now()
	for _, p := range purposes {
		if c, err := backorder.VerifyLink(cfg.Secret, r.PathValue("token"), p, now); err == nil {
			return c, true
		}
	}
	return backorder.LinkClaim{}, false
}

// render shows the order of a claim.
func render(w http.ResponseWriter, r *http.Request, cfg Config, c backorder.LinkClaim, status int, notice, problem string) {
	ctx := r.Context()
	o, err := cfg.Service.Order(ctx, c.OrderID)
	if backorder.ErrorCode(err) == backorder.ENOTFOUND {
		notFound(w, cfg)
		return
	} else if err != nil {
		serverError(w, r, cfg, err)
		return
	}
	products := map[string]*backorder.Product{}
	for _, l := range o.Lines {
		if products[l.SKU] == nil {
			if p, err := cfg.Service.Product(ctx, l.SKU); err == nil {
				products[l.SKU] = p
			}
		}
	}
	d, err := mail.NewData(o, products, backorder.Event{}, mail.Links{}, cfg.Service.Now())
	if err != nil {
		serverError(w, r, cfg, err)
		return
	}
	open := len(d.Open()) > 0
	v := view{Shop: shop(cfg), Token: r.PathValue("token"), Data: d, Purpose: c.Purpose, Choice: o.SplitChoice, Reasons: Reasons, Notice: notice, Problem: problem}
	v.CanCancel = c.Purpose == backorder.LinkCancel && open
	v.CanChoose = c.Purpose == backorder.LinkChoose && open && o.SplitPolicy == backorder.SplitCustomerChoice
	write(w, cfg, status, v)
}

func notFound(w http.ResponseWriter, cfg Config) {
	write(w, cfg, http.StatusNotFound, view{Shop: shop(cfg), Invalid: true})
}

func serverError(w http.ResponseWriter, r *http.Request, cfg Config, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Error("internal error", "method", r.Method, "path", "/c/…", "err", err)
	write(w, cfg, http.StatusInternalServerError, view{Shop: shop(cfg), Problem: "Something went wrong on our side. Please try again in a few minutes."})
}

func shop(cfg Config) string {
	if cfg.Shop == "" {
		return mail.ShopName
	}
	return cfg.Shop
}

// write renders the page with headers that keep the token private (no
// referrer, no caching) and allow no script.
func write(w http.ResponseWriter, cfg Config, status int, v view) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := page.Execute(w, v); err != nil {
		log := cfg.Logger
		if log == nil {
			log = slog.Default()
		}
		log.Error("customer page", "err", err)
	}
}
