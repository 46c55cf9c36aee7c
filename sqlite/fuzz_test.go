package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"

	"github.com/backorder/backorder"
	"github.com/backorder/backorder/sqlite"
	"github.com/backorder/backorder/storetest"
)

// FuzzOperations runs the conformance suite's property of random operation
// sequences (storetest.Operations) with the fuzzer's bytes drawing the
// sequence, on a fresh SQLite file per input: every invariant of DESIGN.md
// is checked after each step, and an error that is not the domain's answer
// fails the input. The seed corpus is testdata/fuzz/FuzzOperations.
func FuzzOperations(f *testing.F) {
	// Each input opens a database and commits every step durably: a RAM
	// file system, where there is one, keeps the syncs off the disk.
	dir := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir = "/dev/shm"
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		tmp, err := os.MkdirTemp(dir, "backorder-fuzz-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(tmp) })
		open := func() backorder.Store {
			db, err := sqlite.Open(filepath.Join(tmp, "fuzz.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		rapid.MakeFuzz(storetest.Operations(open, 1))(t, input)
	})
}
