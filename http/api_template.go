package http

import (
	"context"
	"net/http"
	"time"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/mail"
)

// templateView is an email template as the API shows it: the stored edit,
// or the default (edited false, no updated_at).
type templateView struct {
	Name      string     `json:"name"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text"`
	HTML      string     `json:"html"`
	Edited    bool       `json:"edited"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// templateBody is the body of PUT /v1/templates/{name}.
type templateBody struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// previewBody is the body of POST /v1/templates/{name}/preview.
type previewBody struct {
	OrderID string `json:"order_id"`
}

// templateName reads the {name} of the path: a moment, or ENOTFOUND.
func templateName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if !mail.Known(name) {
		return "", backorder.NotFound("template " + quote(name))
	}
	return name, nil
}

func quote(s string) string { return "\"" + s + "\"" }

// templateOf returns the template of a moment as it is used: the stored
// edit or the default.
func templateOf(ctx context.Context, svc *backorder.Service, name string) (templateView, error) {
	t, err := svc.Template(ctx, name)
	if backorder.ErrorCode(err) == backorder.ENOTFOUND {
		d, _ := mail.Default(name)
		return templateView{Name: name, Subject: d.Subject, Text: d.Text, HTML: d.HTML}, nil
	} else if err != nil {
		return templateView{}, err
	}
	at := t.UpdatedAt
	return templateView{Name: name, Subject: t.Subject, Text: t.Text, HTML: t.HTML, Edited: true, UpdatedAt: &at}, nil
}

// handleTemplateList lists the template of every moment, edited or default.
func handleTemplateList(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		out := make([]templateView, 0, len(mail.Moments))
		for _, m := range mail.Moments {
			v, err := templateOf(r.Context(), svc, m)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		writeJSON(w, http.StatusOK, page[templateView]{Data: out})
		return nil
	}
}

// writeTemplate answers 200 with a moment's template as it now stands.
func writeTemplate(w http.ResponseWriter, r *http.Request, svc *backorder.Service, name string) error {
	v, err := templateOf(r.Context(), svc, name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handleTemplateGet shows one moment's template.
func handleTemplateGet(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		return writeTemplate(w, r, svc, name)
	}
}

// handleTemplatePut stores an edit of a moment's template once it parses
// and renders against the sample order (422 naming the part and line
// otherwise). An edit equal to the default restores the default.
func handleTemplatePut(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		var body templateBody
		if err := decodeBody(w, r, &body); err != nil {
			return err
		}
		t := backorder.Template{Name: name, Subject: body.Subject, Text: body.Text, HTML: body.HTML}
		if err := mail.Check(t); err != nil {
			return err
		}
		if d, _ := mail.Default(name); d.Subject == t.Subject && d.Text == t.Text && d.HTML == t.HTML {
			err = svc.DeleteTemplate(r.Context(), name)
		} else {
			_, err = svc.PutTemplate(r.Context(), &t)
		}
		if err != nil {
			return err
		}
		return writeTemplate(w, r, svc, name)
	}
}

// handleTemplateDelete restores a moment's default template.
func handleTemplateDelete(svc *backorder.Service) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		if err := svc.DeleteTemplate(r.Context(), name); err != nil {
			return err
		}
		return writeTemplate(w, r, svc, name)
	}
}

// handleTemplatePreview renders a moment's template as used (edited or
// default) for an order, or for the sample order when the body names none.
// The moment's details the order has no event for (a shipment, a
// cancellation, a new date) are made up by mail.PreviewEvent.
func handleTemplatePreview(svc *backorder.Service, links *mail.Linker) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		name, err := templateName(r)
		if err != nil {
			return err
		}
		raw, err := readBody(w, r)
		if err != nil {
			return err
		}
		var body previewBody
		if err := decodeOptional(raw, &body); err != nil {
			return err
		}
		set, err := mail.Load(r.Context(), svc)
		if err != nil {
			return err
		}
		d := mail.Sample(name)
		if body.OrderID != "" {
			if d, err = orderData(r.Context(), svc, name, body.OrderID, links); err != nil {
				return err
			}
		}
		out, err := set.Render(name, d)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// orderData is the data of a moment's message for a stored order.
func orderData(ctx context.Context, svc *backorder.Service, moment, orderID string, links *mail.Linker) (mail.Data, error) {
	o, err := svc.Order(ctx, orderID)
	if backorder.ErrorCode(err) == backorder.ENOTFOUND {
		return mail.Data{}, backorder.FieldErrorf(backorder.ENOTFOUND, "order_id", "Order %q not found.", orderID)
	} else if err != nil {
		return mail.Data{}, err
	}
	products := map[string]*backorder.Product{}
	for _, l := range o.Lines {
		if products[l.SKU] != nil {
			continue
		}
		p, err := svc.Product(ctx, l.SKU)
		if err != nil {
			return mail.Data{}, err
		}
		products[l.SKU] = p
	}
	now := svc.Now()
	var ls mail.Links
	if links != nil {
		ls = links.Links(o.ID, now)
	}
	return mail.NewData(o, products, mail.PreviewEvent(moment, o, now), ls, now)
}
