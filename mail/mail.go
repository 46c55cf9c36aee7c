// Package mail holds the customer emails: one template per moment of an
// order's life, each with a subject, a text part and an HTML part, written
// in the voice of the source document's two examples. It renders; it does
// not send.
//
// Defaults are embedded and parsed once. A shop's edited template
// (backorder.Template, kept by the store) replaces its moment's default;
// Check refuses an edit that does not parse or does not render against the
// sample order, naming the part and the line.
package mail

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/backorder/backorder"
)

// Moments, one template each.
const (
	BackorderConfirmation = "backorder_confirmation"
	PeriodicUpdate        = "periodic_update"
	PromiseDate           = "promise_date"
	StockArrived          = "stock_arrived"
	PartlyShipped         = "partly_shipped"
	Shipped               = "shipped"
	Cancelled             = "cancelled"
	SplitChoice           = "split_choice"
	PreorderReleased      = "preorder_released"
)

// Moments lists every moment, in the order of an order's life.
var Moments = []string{BackorderConfirmation, PeriodicUpdate, PromiseDate, StockArrived, PartlyShipped, Shipped, Cancelled, SplitChoice, PreorderReleased}

// Known reports whether name is a moment.
func Known(name string) bool {
	for _, m := range Moments {
		if m == name {
			return true
		}
	}
	return false
}

// Parts of a template, as a 422 names them.
const (
	PartSubject = "subject"
	PartText    = "text"
	PartHTML    = "html"
)

// Rendered is one message: a one-line subject, a text part and an HTML part.
type Rendered struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

//go:embed templates
var files embed.FS

// Template is one moment's template, parsed.
type Template struct {
	// Source is the text it was parsed from.
	Source  backorder.Template
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// Set is a template per moment. Defaults returns the built-in one; With
// returns a copy with a shop's edits. A Set is safe for concurrent use.
type Set struct {
	m map[string]*Template
}

// Default returns the text of a moment's built-in template; ok is false for
// an unknown moment.
func Default(name string) (t backorder.Template, ok bool) {
	if !Known(name) {
		return backorder.Template{}, false
	}
	read := func(ext string) string {
		b, err := files.ReadFile("templates/" + name + ext)
		if err != nil {
			panic(fmt.Sprintf("mail: default template %s%s is not embedded", name, ext))
		}
		return string(b)
	}
	return backorder.Template{Name: name, Subject: strings.TrimSpace(read(".subject.txt")), Text: read(".txt"), HTML: read(".html")}, true
}

// defaults is the built-in set, parsed and checked once; a broken default
// is a bug, so it panics (a test renders every default).
var defaults = sync.OnceValue(func() *Set {
	s := &Set{m: map[string]*Template{}}
	for _, name := range Moments {
		src, _ := Default(name)
		t, err := Parse(src)
		if err != nil {
			panic(fmt.Sprintf("mail: default template %s: %v", name, err))
		}
		s.m[name] = t
	}
	return s
})

// Defaults returns the built-in templates.
func Defaults() *Set { return defaults() }

// With returns a copy of s in which each edited template replaces its
// moment's; each must parse and render (Check). An unknown moment is
// ENOTFOUND.
func (s *Set) With(edits ...*backorder.Template) (*Set, error) {
	out := &Set{m: make(map[string]*Template, len(s.m))}
	for k, v := range s.m {
		out.m[k] = v
	}
	for _, e := range edits {
		t, err := Parse(*e)
		if err != nil {
			return nil, err
		}
		out.m[e.Name] = t
	}
	return out, nil
}

// Source is where a shop's edited templates are kept; *backorder.Service
// is one.
type Source interface {
	Templates(ctx context.Context) ([]*backorder.Template, error)
}

// Load returns the defaults with the edits kept in src.
func Load(ctx context.Context, src Source) (*Set, error) {
	edits, err := src.Templates(ctx)
	if err != nil {
		return nil, err
	}
	return Defaults().With(edits...)
}

// Template returns the template of a moment; ok is false for an unknown one.
func (s *Set) Template(name string) (t *Template, ok bool) {
	t, ok = s.m[name]
	return t, ok
}

// Render renders a moment's template with d. An unknown moment is
// ENOTFOUND; a template that fails on d is EINVALID naming the part and line.
func (s *Set) Render(moment string, d Data) (Rendered, error) {
	t, ok := s.m[moment]
	if !ok {
		return Rendered{}, backorder.NotFound(fmt.Sprintf("template %q", moment))
	}
	return t.Render(d)
}

// Render renders the template with d.
func (t *Template) Render(d Data) (Rendered, error) {
	var r Rendered
	var b bytes.Buffer
	if err := t.subject.Execute(&b, d); err != nil {
		return Rendered{}, partError(PartSubject, err)
	}
	// A subject is one header line: line breaks a template or a value
	// brings in become spaces.
	r.Subject = strings.Join(strings.Fields(b.String()), " ")
	if r.Subject == "" {
		return Rendered{}, backorder.FieldErrorf(backorder.EINVALID, PartSubject, "line 1: the subject renders empty.")
	}
	b.Reset()
	if err := t.text.Execute(&b, d); err != nil {
		return Rendered{}, partError(PartText, err)
	}
	r.Text = b.String()
	b.Reset()
	if err := t.html.Execute(&b, d); err != nil {
		return Rendered{}, partError(PartHTML, err)
	}
	r.HTML = b.String()
	return r, nil
}

// Parse parses a template's three parts and renders it against the sample
// order of its moment (Sample). A part that does not parse or render is
// EINVALID with the part as field and "line N: ..." as message; an unknown
// moment is ENOTFOUND; a part longer than backorder.MaxTemplateLength is
// EINVALID.
func Parse(src backorder.Template) (*Template, error) {
	if !Known(src.Name) {
		return nil, backorder.NotFound(fmt.Sprintf("template %q", src.Name))
	}
	for _, p := range []struct{ part, s string }{{PartSubject, src.Subject}, {PartText, src.Text}, {PartHTML, src.HTML}} {
		if strings.TrimSpace(p.s) == "" {
			return nil, backorder.FieldErrorf(backorder.EINVALID, p.part, "The %s is required.", p.part)
		} else if len(p.s) > backorder.MaxTemplateLength {
			return nil, backorder.FieldErrorf(backorder.EINVALID, p.part, "The %s must be at most %d bytes.", p.part, backorder.MaxTemplateLength)
		}
	}
	t := &Template{Source: src}
	var err error
	if t.subject, err = texttemplate.New(PartSubject).Parse(src.Subject); err != nil {
		return nil, partError(PartSubject, err)
	}
	if t.text, err = texttemplate.New(PartText).Parse(src.Text); err != nil {
		return nil, partError(PartText, err)
	}
	if t.html, err = htmltemplate.New(PartHTML).Parse(src.HTML); err != nil {
		return nil, partError(PartHTML, err)
	}
	if _, err := t.Render(Sample(src.Name)); err != nil {
		return nil, err
	}
	return t, nil
}

// Check reports whether a template parses and renders (see Parse).
func Check(src backorder.Template) error {
	_, err := Parse(src)
	return err
}

// lineRE finds the line of a text/template or html/template error:
// "template: text:3: ..." or "html/template:html:3:12: ...".
var lineRE = regexp.MustCompile(`template: ?(?:\w+):(\d+)(?::\d+)?: ?(.*)$`)

// partError turns a template error into EINVALID naming the part, and the
// line when the error has one.
func partError(part string, err error) error {
	msg := err.Error()
	line := 1
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return backorder.FieldErrorf(backorder.EINVALID, part, "line %d: %s", line, msg)
}
