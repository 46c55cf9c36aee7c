package sqlite

import "testing"

// TestKeptValuesList: a kept VALUES list is the one valuesList makes for
// that shape, whichever shape asked before it. Shapes that differ only in a
// column's kind, a constant's parameter, the row count or the number of
// columns each get their own list.
func TestKeptValuesList(t *testing.T) {
	v, c, s := columnVarying, columnConstant, columnSequence
	shapes := []struct {
		cols []batchColumn
		k    int
		rows int
	}{
		{[]batchColumn{{kind: v}, {kind: v}}, 0, 2},
		{[]batchColumn{{kind: v}, {kind: v}}, 0, 3},
		{[]batchColumn{{kind: v}, {kind: v}, {kind: v}}, 0, 2},
		{[]batchColumn{{kind: c, param: 1}, {kind: v}}, 1, 2},
		{[]batchColumn{{kind: s, param: 1}, {kind: v}}, 1, 2},
		{[]batchColumn{{kind: v}, {kind: c, param: 1}}, 1, 2},
		{[]batchColumn{{kind: s, param: 1}, {kind: c, param: 2}, {kind: v}}, 2, 4},
		{[]batchColumn{{kind: c, param: 2}, {kind: s, param: 1}, {kind: v}}, 2, 4},
		{[]batchColumn{{kind: c, param: 1}, {kind: c, param: 2}, {kind: v}}, 2, 2},
		{[]batchColumn{{kind: c, param: 2}, {kind: c, param: 1}, {kind: v}}, 2, 2},
	}
	for round := range 2 {
		for i, sh := range shapes {
			want := valuesList(sh.cols, sh.k, sh.rows)
			if got := keptValuesList(sh.cols, sh.k, sh.rows); got != want {
				t.Fatalf("round %d, shape %d: kept %q, want %q", round, i, got, want)
			}
		}
	}
	if got, want := valuesList(shapes[6].cols, 2, 2), "(?1,?2,?3),(?1+1,?2,?)"; got != want {
		t.Fatalf("valuesList=%q, want %q", got, want)
	}
}
