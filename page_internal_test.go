package backorder

import "testing"

// TestEvery: every reads to the end whatever number of rows a store returns
// per call, fewer than asked included, and stops at the first empty page.
func TestEvery(t *testing.T) {
	for _, size := range []int{1, 3, 7, readPage} {
		var calls int
		page := func(after int64) ([]int64, error) {
			calls++
			var out []int64
			for id := after + 1; id <= 20 && len(out) < size; id++ {
				out = append(out, id)
			}
			return out, nil
		}
		got, err := every(page, func(id int64) int64 { return id })
		if err != nil {
			t.Fatal(err)
		} else if len(got) != 20 || got[19] != 20 {
			t.Fatalf("size %d: got %v, want 1..20", size, got)
		} else if want := (20+size-1)/size + 1; calls != want {
			t.Fatalf("size %d: %d calls, want %d", size, calls, want)
		}
	}
}
