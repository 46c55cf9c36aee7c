package sqlite

import (
	"reflect"
	"testing"
)

func TestDecodeJSONRow(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got, err := decodeJSONRow(`[1,-42,"a","",null,"q\"b\\s\n\u0001é☃",9223372036854775807]`, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []field{{i: 1}, {i: -42}, {s: "a"}, {s: ""}, {null: true}, {s: "q\"b\\s\n\x01é☃"}, {i: 9223372036854775807}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeJSONRow=%+v, want %+v", got, want)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if got, err := decodeJSONRow(`[]`, nil); err != nil || len(got) != 0 {
			t.Fatalf("decodeJSONRow([])=%v, %v", got, err)
		}
	})
	for _, bad := range []string{``, `[`, `[1`, `[1,`, `{}`, `[1.5]`, `["a]`, `[nul]`, `[1;2]`, `[true]`} {
		t.Run("Err", func(t *testing.T) {
			if _, err := decodeJSONRow(bad, nil); err == nil {
				t.Fatalf("decodeJSONRow(%q) succeeded, want an error", bad)
			}
		})
	}
}
