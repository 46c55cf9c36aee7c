package main

import (
	"context"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/mail"
	"github.com/backorder/backorder/notify"
)

// mailRenderer renders the outbox worker's emails with the shop's templates
// (package mail: the defaults with the edits kept in the store), with the
// order's signed customer links.
type mailRenderer struct {
	svc   *backorder.Service
	links *mail.Linker
}

func (r mailRenderer) Render(m notify.Message) (notify.Content, error) {
	ctx := context.Background()
	set, err := mail.Load(ctx, r.svc)
	if err != nil {
		return notify.Content{}, err
	}
	products := map[string]*backorder.Product{}
	for _, l := range m.Order.Lines {
		if products[l.SKU] != nil {
			continue
		}
		p, err := r.svc.Product(ctx, l.SKU)
		if err != nil {
			return notify.Content{}, err
		}
		products[l.SKU] = p
	}
	var ev backorder.Event
	if m.Event != nil {
		ev = *m.Event
	}
	d, err := mail.NewData(m.Order, products, ev, r.links.Links(m.Order.ID, m.At), m.At)
	if err != nil {
		return notify.Content{}, err
	}
	out, err := set.Render(m.Moment, d)
	if err != nil {
		return notify.Content{}, err
	}
	return notify.Content{Subject: out.Subject, Text: out.Text, HTML: out.HTML}, nil
}
