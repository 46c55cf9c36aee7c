package http

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/backorder/backorder"
)

// MaxBodyBytes bounds a request body. Larger bodies are refused with ETOOLARGE.
const MaxBodyBytes = 1 << 20

// Bounds of the limit query parameter of list routes: the service's page
// rule (backorder.PageLimit).
const (
	DefaultLimit = backorder.DefaultPageLimit
	MaxLimit     = backorder.MaxPageLimit
)

// writeJSON encodes v as the JSON reply with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a type without a JSON form gets here: a programming error.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// readBody reads the whole request body, at most MaxBodyBytes of it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, backorder.Errorf(backorder.ETOOLARGE, "Request body must be at most %d bytes (1 MiB).", MaxBodyBytes)
	} else if err != nil {
		return nil, backorder.Errorf(backorder.EMALFORMED, "Could not read the request body.")
	}
	return body, nil
}

// jsonSpace is the whitespace JSON allows around a value (RFC 8259 §2):
// narrower than bytes.TrimSpace, which also drops \v, \f and Unicode spaces.
const jsonSpace = " \t\r\n"

// decodeOptional decodes body into v as decodeJSON does, unless the body
// is empty (no bytes): then v is left as it is. Whitespace alone is not an
// empty body but JSON text with no value, malformed as the document says,
// and so is any other byte that is no JSON, such as a lone \v.
func decodeOptional(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if len(bytes.Trim(body, jsonSpace)) == 0 {
		return backorder.Errorf(backorder.EMALFORMED, "Request body must be empty or a JSON object; it is only whitespace.")
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes one JSON object from body into v, which must be a
// pointer to a struct. Unknown fields and trailing data are refused; every
// failure is an application error that names, where it can, the field by its
// JSON path (such as "lines[0].quantity").
func decodeJSON(body []byte, v any) error {
	trimmed := bytes.Trim(body, jsonSpace)
	if len(trimmed) == 0 {
		return backorder.Errorf(backorder.EMALFORMED, "Request body is required.")
	} else if trimmed[0] != '{' {
		// encoding/json takes null as an empty struct, which the document
		// refuses: every body is an object.
		return backorder.Errorf(backorder.EMALFORMED, "Request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	t := reflect.TypeOf(v)
	if err == nil {
		if rest := bytes.Trim(body[dec.InputOffset():], jsonSpace); len(rest) > 0 {
			return backorder.Errorf(backorder.EMALFORMED, "Request body has data after the JSON object, at byte offset %d.", dec.InputOffset())
		}
		// encoding/json takes "Currency" for "currency"; the API's names
		// are exact, as openapi.json says, so such a key is unknown.
		if field := locateInexact(body, t); field != "" {
			return backorder.FieldErrorf(backorder.EINVALID, field, "Unknown field %q; field names are case-sensitive.", field)
		}
		return nil
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return backorder.Errorf(backorder.EMALFORMED, "Request body is not valid JSON: %s at byte offset %d.", syntaxErr.Error(), syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return backorder.Errorf(backorder.EMALFORMED, "Request body is not valid JSON: it ends early, at byte offset %d.", len(body))
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return backorder.Errorf(backorder.EMALFORMED, "Request body must be a JSON object.")
		}
		field := locateValue(body, t, typeErr.Offset)
		if field == "" || stripIndexes(field) != cleanFieldPath(t, typeErr.Field) {
			field = cleanFieldPath(t, typeErr.Field)
		}
		return backorder.FieldErrorf(backorder.EINVALID, field, "%s", typeMessage(field, typeErr))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		key, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		field := locateUnknown(body, t, key)
		if field == "" {
			field = key
		}
		return backorder.FieldErrorf(backorder.EINVALID, field, "Unknown field %q.", field)
	}
	return backorder.Errorf(backorder.EMALFORMED, "Request body is not valid JSON: %s.", strings.TrimPrefix(err.Error(), "json: "))
}

// typeMessage says what a field of the wrong JSON type must be.
func typeMessage(field string, e *json.UnmarshalTypeError) string {
	name := field
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	t := e.Type
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if num, ok := strings.CutPrefix(e.Value, "number "); ok {
			if f, err := strconv.ParseFloat(num, 64); err == nil && f == math.Trunc(f) {
				lo, hi := intRange(t)
				return fmt.Sprintf("%s must be an integer between %s and %s; %s is out of range.", name, lo, hi, num)
			}
		}
		return fmt.Sprintf("%s must be an integer.", name)
	case reflect.Float32, reflect.Float64:
		return fmt.Sprintf("%s must be a number.", name)
	case reflect.String:
		return fmt.Sprintf("%s must be a string.", name)
	case reflect.Bool:
		return fmt.Sprintf("%s must be true or false.", name)
	case reflect.Slice, reflect.Array:
		return fmt.Sprintf("%s must be an array.", name)
	case reflect.Struct, reflect.Map:
		return fmt.Sprintf("%s must be an object.", name)
	}
	return fmt.Sprintf("%s has the wrong type.", name)
}

// intRange returns the bounds of an integer type as decimal strings.
func intRange(t reflect.Type) (lo, hi string) {
	bits := t.Bits()
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "0", strconv.FormatUint(math.MaxUint64>>(64-bits), 10)
	}
	return strconv.FormatInt(math.MinInt64>>(64-bits), 10), strconv.FormatInt(math.MaxInt64>>(64-bits), 10)
}

// cleanFieldPath turns the dotted Go path of an UnmarshalTypeError, which
// names embedded structs by their Go names (such as "ProductInput.Policy.
// accept_backorders"), into the JSON path without them.
func cleanFieldPath(t reflect.Type, dotted string) string {
	var out []string
	for _, seg := range strings.Split(dotted, ".") {
		t = indirect(t)
		for t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
			t = indirect(t.Elem())
		}
		if t != nil && t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(seg); ok && f.Anonymous && jsonName(f) == "" {
				t = f.Type
				continue
			}
			t = fieldType(t, seg)
		} else {
			t = nil
		}
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}

// stripIndexes removes array indexes from a JSON path: "lines[0].sku" is "lines.sku".
func stripIndexes(path string) string {
	var b strings.Builder
	skip := false
	for _, c := range path {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}

// errFound stops a walk over the JSON tokens.
var errFound = errors.New("found")

// walker reads JSON tokens alongside the Go type they decode into, to find
// the JSON path (with array indexes) that encoding/json leaves out of its
// errors: the value ending at a byte offset, or the first unknown key.
type walker struct {
	dec     *json.Decoder
	offset  int64  // find the value ending at this offset; -1 when not looking
	unknown string // find the first key of this name that t does not know
	inexact bool   // find the first key that names a field only without regard to case
	found   string
}

// locateValue returns the JSON path of the value that ends at offset.
func locateValue(body []byte, t reflect.Type, offset int64) string {
	w := &walker{dec: json.NewDecoder(bytes.NewReader(body)), offset: offset}
	w.value(t, "")
	return w.found
}

// locateInexact returns the JSON path of the first key that names a field
// of the struct it is in only without regard to case; "" when there is none.
func locateInexact(body []byte, t reflect.Type) string {
	w := &walker{dec: json.NewDecoder(bytes.NewReader(body)), offset: -1, inexact: true}
	w.value(t, "")
	return w.found
}

// locateUnknown returns the JSON path of the first key named key that the
// struct it is in does not have.
func locateUnknown(body []byte, t reflect.Type, key string) string {
	w := &walker{dec: json.NewDecoder(bytes.NewReader(body)), offset: -1, unknown: key}
	w.value(t, "")
	return w.found
}

func (w *walker) value(t reflect.Type, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	if w.offset >= 0 && w.dec.InputOffset() >= w.offset {
		w.found = path
		return errFound
	}
	t = indirect(t)
	switch tok {
	case json.Delim('{'):
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			p := key
			if path != "" {
				p = path + "." + key
			}
			var ft reflect.Type
			if t != nil && t.Kind() == reflect.Struct {
				ft = fieldType(t, key)
				if ft == nil && w.unknown != "" && key == w.unknown {
					w.found = p
					return errFound
				}
				if ft != nil && w.inexact && !exactField(t, key) {
					w.found = p
					return errFound
				}
			} else if t != nil && t.Kind() == reflect.Map {
				ft = t.Elem()
			}
			if err := w.value(ft, p); err != nil {
				return err
			}
		}
		_, err = w.dec.Token()
		return err
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(et, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err = w.dec.Token()
		return err
	}
	return nil
}

// indirect follows pointers; it returns nil for nil.
func indirect(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldType returns the type of the field of struct t that a JSON key
// decodes into, looking through embedded structs and matching names without
// regard to case as encoding/json does; nil if t has no such field.
func fieldType(t reflect.Type, key string) reflect.Type {
	var fold reflect.Type
	var walk func(t reflect.Type) reflect.Type
	walk = func(t reflect.Type) reflect.Type {
		for i := range t.NumField() {
			f := t.Field(i)
			name := jsonName(f)
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				if et := indirect(f.Type); et.Kind() == reflect.Struct {
					if ft := walk(et); ft != nil {
						return ft
					}
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if name == key {
				return f.Type
			}
			if fold == nil && strings.EqualFold(name, key) {
				fold = f.Type
			}
		}
		return nil
	}
	if ft := walk(t); ft != nil {
		return ft
	}
	return fold
}

// exactField says whether struct t, or a struct embedded in it, has a
// field that a JSON key decodes into by its exact name.
func exactField(t reflect.Type, key string) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		name := jsonName(f)
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			if et := indirect(f.Type); et.Kind() == reflect.Struct {
				if exactField(et, key) {
					return true
				}
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		if f.IsExported() && name == key {
			return true
		}
	}
	return false
}

// jsonName returns the name in a field's json tag: "" when it has none, "-"
// when the field is left out.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "-"
	}
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// idempotency reads the Idempotency-Key header of a request whose raw body is
// body. It returns nil when the header is absent.
func idempotency(r *http.Request, body []byte) (*backorder.Idempotency, error) {
	vals, ok := r.Header[http.CanonicalHeaderKey("Idempotency-Key")]
	if !ok {
		return nil, nil
	}
	if len(vals) != 1 || !validIdempotencyKey(vals[0]) {
		return nil, backorder.FieldErrorf(backorder.EINVALID, "Idempotency-Key", "Idempotency-Key must be 1 to 255 printable ASCII characters, given once.")
	}
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(body)
	return &backorder.Idempotency{Key: vals[0], Hash: hex.EncodeToString(h.Sum(nil))}, nil
}

func validIdempotencyKey(k string) bool {
	if len(k) < 1 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// decodePost reads and decodes the body of a POST into v, and its
// Idempotency-Key. The key is checked first, so a bad key is reported even
// when the body is bad too.
func decodePost(w http.ResponseWriter, r *http.Request, v any) (*backorder.Idempotency, error) {
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	idem, err := idempotency(r, body)
	if err != nil {
		return nil, err
	}
	return idem, decodeJSON(body, v)
}

// decodeBody reads and decodes the body of a request that keeps no outcome
// under an Idempotency-Key (a PUT, a quote) into v. Such a request may
// still carry the header, which then must be well formed: the document
// describes one shape of the key for every route.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	if _, err := idempotency(r, body); err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// markReplayed tells the client that the reply is the stored outcome of an
// earlier request with the same Idempotency-Key. Call it before writing.
func markReplayed(w http.ResponseWriter, idem *backorder.Idempotency) {
	if idem != nil && idem.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
}

// page is the reply of every list route. NextCursor is the value to pass as
// the after parameter for the next page; empty on the last page.
type page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// newPage makes a page from items fetched with limit+1, so that it knows
// whether another page follows; cursor gives an item's cursor value.
func newPage[T any](items []T, limit int, cursor func(T) string) page[T] {
	p := page[T]{Data: items}
	if limit > 0 && len(items) > limit {
		p.Data = items[:limit]
		p.NextCursor = cursor(p.Data[len(p.Data)-1])
	}
	if p.Data == nil {
		p.Data = []T{}
	}
	return p
}

// queryLimit reads the limit parameter: 1..MaxLimit, DefaultLimit when absent.
func queryLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, backorder.FieldErrorf(backorder.EINVALID, "limit", "Limit must be an integer between 1 and %d.", MaxLimit)
	}
	return n, nil
}

// queryPage reads the limit and the numeric after cursor of a listing.
func queryPage(r *http.Request) (limit int, after int64, err error) {
	if limit, err = queryLimit(r); err != nil {
		return 0, 0, err
	}
	after, err = queryInt64(r, "after")
	return limit, after, err
}

// queryInt64 reads a non-negative integer parameter such as an after cursor;
// 0 when absent.
func queryInt64(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, backorder.FieldErrorf(backorder.EINVALID, name, "%s must be a cursor from next_cursor: a non-negative integer.", name)
	}
	return n, nil
}

// queryEnum reads a parameter that must be empty or one of allowed.
func queryEnum(r *http.Request, name string, allowed ...string) (string, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return "", nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", backorder.FieldErrorf(backorder.EINVALID, name, "%s must be one of %s.", name, strings.Join(allowed, ", "))
}

// pathID reads a path value that must be a positive integer ID. Anything
// else cannot name a stored row, so it is reported as not found, the same as
// an ID that does not exist.
func pathID(r *http.Request, name, what string) (int64, error) {
	s := r.PathValue(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 {
		return 0, backorder.Errorf(backorder.ENOTFOUND, "%s %q not found.", what, s)
	}
	return n, nil
}

// itoa formats a cursor.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// rfc3339 is the shape of an RFC 3339 time, as OpenAPI's date-time format
// has it: time.Parse alone also takes what RFC 3339 does not (a one-digit
// hour, for one), which the document refuses.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$`)

// parseTime parses an RFC 3339 time of a request, strictly.
func parseTime(s string) (time.Time, error) {
	if !rfc3339.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", s)
	}
	return time.Parse(time.RFC3339Nano, s)
}
