package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
)

// row is one result row, read in one of two ways.
//
// Plainly (scan), each column is scanned into an any, never through
// database/sql's reflection-based conversion into *int64.
//
// Packed (eachPacked), the query selects one column, json_array(...) of the
// real columns, and row decodes it. Through database/sql and
// modernc.org/sqlite each column of each row costs a few calls into SQLite,
// each taking the connection's mutex; on the hundred-thousand-line queue of
// an allocation run that made reading cost half again what it does packed. The hot multi-column reads (lines,
// the waiting queue, orders) are packed; the rest are plain.
type row struct {
	f    []field
	vals []any // plain mode
	ptrs []any
}

// field is one value of a row: NULL, an integer, a text or a blob.
type field struct {
	null bool
	i    int64
	s    string
	b    []byte
}

// newRow returns a row for plain reads of n columns.
func newRow(n int) *row {
	r := &row{vals: make([]any, n), ptrs: make([]any, n), f: make([]field, n)}
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r
}

// packed returns the SQL expression that packs columns into one value.
func packed(columns string) string { return "json_array(" + columns + ")" }

// scan reads a plain row.
func (r *row) scan(rows *sql.Rows) error {
	clear(r.vals)
	if err := rows.Scan(r.ptrs...); err != nil {
		return err
	}
	for i, v := range r.vals {
		switch v := v.(type) {
		case nil:
			r.f[i] = field{null: true}
		case int64:
			r.f[i] = field{i: v}
		case string:
			r.f[i] = field{s: v}
		case []byte:
			r.f[i] = field{s: string(v), b: v}
		default:
			return fmt.Errorf("column %d: unexpected %T", i, v)
		}
	}
	return nil
}

func (r *row) int(i int) int64 { return r.f[i].i }

func (r *row) bool(i int) bool { return r.f[i].i != 0 }

// str returns a TEXT column; NULL is "".
func (r *row) str(i int) string { return r.f[i].s }

// bytes returns a BLOB or TEXT column as bytes; NULL is nil.
func (r *row) bytes(i int) []byte {
	switch f := &r.f[i]; {
	case f.null:
		return nil
	case f.b != nil:
		return f.b
	}
	return []byte(r.f[i].s)
}

func (r *row) intPtr(i int) *int64 {
	if r.f[i].null {
		return nil
	}
	v := r.f[i].i
	return &v
}

func (r *row) boolPtr(i int) *bool {
	if r.f[i].null {
		return nil
	}
	v := r.f[i].i != 0
	return &v
}

// decodeJSONRow decodes a flat JSON array of integers, strings and nulls, as
// SQLite's json_array() writes it, into fs, which it reuses.
func decodeJSONRow(s string, fs []field) ([]field, error) {
	fs = fs[:0]
	if len(s) < 2 || s[0] != '[' {
		return fs, fmt.Errorf("packed row: not an array: %.40q", s)
	}
	i := 1
	if s[i] == ']' {
		return fs, nil
	}
	for {
		if i >= len(s) {
			return fs, fmt.Errorf("packed row: truncated: %.40q", s)
		}
		switch c := s[i]; {
		case c == '"':
			j, escaped := i+1, false
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if j >= len(s) {
				return fs, fmt.Errorf("packed row: unterminated string: %.40q", s)
			}
			if !escaped {
				fs = append(fs, field{s: s[i+1 : j]})
			} else {
				var v string
				if err := json.Unmarshal([]byte(s[i:j+1]), &v); err != nil {
					return fs, fmt.Errorf("packed row: %w", err)
				}
				fs = append(fs, field{s: v})
			}
			i = j + 1
		case c == 'n':
			if len(s) < i+4 || s[i:i+4] != "null" {
				return fs, fmt.Errorf("packed row: bad value at %d: %.40q", i, s)
			}
			fs = append(fs, field{null: true})
			i += 4
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			v, err := strconv.ParseInt(s[i:j], 10, 64)
			if err != nil {
				return fs, fmt.Errorf("packed row: %w", err)
			}
			fs = append(fs, field{i: v})
			i = j
		default:
			// Floats and blobs never occur in the packed columns.
			return fs, fmt.Errorf("packed row: bad value at %d: %.40q", i, s)
		}
		if i >= len(s) {
			return fs, fmt.Errorf("packed row: truncated: %.40q", s)
		}
		switch s[i] {
		case ',':
			i++
		case ']':
			return fs, nil
		default:
			return fs, fmt.Errorf("packed row: bad separator at %d: %.40q", i, s)
		}
	}
}

// packedBatch is how many packed rows eachPacked hands to its decoder at once.
const packedBatch = 512

// eachPacked calls fn for each packed row of rows, in order, with r decoded
// (r is reused; the strings of a decoded row are fresh and safe to keep).
// Past the first batch the rows are decoded and handed to fn on a second
// goroutine while this one reads the next from SQLite: on a large read the
// two halves of the work overlap.
func eachPacked(rows *sql.Rows, n int, fn func(r *row) error) error {
	r := &row{f: make([]field, 0, n)}
	decode := func(b []string) error {
		for _, s := range b {
			var err error
			if r.f, err = decodeJSONRow(s, r.f); err != nil {
				return err
			} else if len(r.f) != n {
				return fmt.Errorf("packed row: %d columns, want %d", len(r.f), n)
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}

	var (
		work chan []string // batches to decode; closed by the reader
		quit chan struct{} // closed by the decoder when it fails
		done chan error    // the decoder's result
	)
	// finish hands the last batch over and returns the decoder's result.
	finish := func(last []string) error {
		select {
		case work <- last:
		case <-quit:
		}
		close(work)
		return <-done
	}
	batch := make([]string, 0, packedBatch)
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			if work != nil {
				finish(nil)
			}
			return err
		}
		if batch = append(batch, s); len(batch) < packedBatch {
			continue
		}
		if work == nil {
			// A large read: start the decoder.
			work, quit, done = make(chan []string, 4), make(chan struct{}), make(chan error, 1)
			go func() {
				var err error
				for b := range work {
					if err == nil {
						if err = decode(b); err != nil {
							close(quit)
						}
					}
				}
				done <- err
			}()
		}
		select {
		case work <- batch:
		case <-quit:
			return finish(nil)
		}
		batch = make([]string, 0, packedBatch)
	}
	if work != nil {
		if err := finish(batch); err != nil {
			return err
		}
	} else if err := decode(batch); err != nil {
		return err
	}
	return rows.Err()
}
