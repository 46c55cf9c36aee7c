package groupcommit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/backorder/backorder/internal/groupcommit"
	_ "modernc.org/sqlite"
)

// tx is a real SQLite transaction with the savepoints the committer uses.
type tx struct{ *sql.Tx }

func (t tx) Savepoint(ctx context.Context, name string) error {
	_, err := t.ExecContext(ctx, "SAVEPOINT "+name)
	return err
}

func (t tx) RollbackTo(ctx context.Context, name string) error {
	_, err := t.ExecContext(ctx, "ROLLBACK TO "+name)
	return err
}

func (t tx) Release(ctx context.Context, name string) error {
	_, err := t.ExecContext(ctx, "RELEASE "+name)
	return err
}

func (t tx) insert(ctx context.Context, v string) error {
	_, err := t.ExecContext(ctx, "INSERT INTO rows (v) VALUES (?)", v)
	return err
}

// errTransient stands for a deadlock or a busy database.
var errTransient = errors.New("transient")

// env is a committer over a real SQLite file whose table rows records what
// was written.
type env struct {
	db    *sql.DB
	c     *groupcommit.Committer[tx]
	mu    sync.Mutex
	locks [][]string // the keys of every Lock call
}

func newEnv(t *testing.T, maxBatch int) *env {
	t.Helper()
	return newEnvLimit(t, maxBatch, 0)
}

// newEnvLimit is newEnv with a bound on the writes waiting for a batch.
func newEnvLimit(t *testing.T, maxBatch, queueLimit int) *env {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "gc.db")+"?_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE rows (v TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	e := &env{db: db}
	e.c = groupcommit.New(groupcommit.Config[tx]{
		Begin: func(ctx context.Context) (tx, error) {
			t, err := db.BeginTx(ctx, nil)
			return tx{t}, err
		},
		Lock: func(ctx context.Context, _ tx, keys []string) error {
			e.mu.Lock()
			e.locks = append(e.locks, slices.Clone(keys))
			e.mu.Unlock()
			return nil
		},
		Retry: func(err error) string {
			if errors.Is(err, errTransient) {
				return "transient"
			}
			return ""
		},
		MaxBatch:   maxBatch,
		QueueLimit: queueLimit,
		Logger:     slog.New(slog.DiscardHandler),
	})
	t.Cleanup(func() {
		e.c.Close()
		db.Close()
	})
	return e
}

// rows returns what the table holds, sorted.
func (e *env) rows(t *testing.T) []string {
	t.Helper()
	rs, err := e.db.Query("SELECT v FROM rows ORDER BY v")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var v string
		if err := rs.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// hold submits a write that blocks its batch until release is called, and
// waits until that batch runs it.
func (e *env) hold(t *testing.T) (release func() error) {
	t.Helper()
	running, gate := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error {
			close(running)
			<-gate
			return tx.insert(ctx, "held")
		})
	}()
	<-running
	return func() error {
		close(gate)
		return <-done
	}
}

// waitQueued waits until n writes wait for the next batch.
func (e *env) waitQueued(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.c.Stats().Queued != n {
		if time.Now().After(deadline) {
			t.Fatalf("queued=%d, want %d", e.c.Stats().Queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// submitAll submits ws concurrently, in order (each once the one before is
// queued: the batch must be held meanwhile), and returns a function that
// waits for their outcomes.
func (e *env) submitAll(t *testing.T, ws []*groupcommit.Write[tx]) (wait func() []error) {
	t.Helper()
	errs := make([]error, len(ws))
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.c.Submit(context.Background(), w)
		}()
		e.waitQueued(t, int64(i)+1)
	}
	return func() []error { wg.Wait(); return errs }
}

func insertWrite(v string, keys ...string) *groupcommit.Write[tx] {
	return &groupcommit.Write[tx]{Keys: keys, Func: func(ctx context.Context, tx tx) error { return tx.insert(ctx, v) }}
}

func TestCommitter_Batch(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t, 256)
		release := e.hold(t)
		wait := e.submitAll(t, []*groupcommit.Write[tx]{insertWrite("a", "k2", "k1"), insertWrite("b", "k1"), insertWrite("c")})
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for i, err := range wait() {
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if got, want := e.rows(t), []string{"a", "b", "c", "held"}; !slices.Equal(got, want) {
			t.Fatalf("rows=%v, want %v", got, want)
		}
		st := e.c.Stats()
		if got, want := st.Batches, int64(2); got != want {
			t.Fatalf("batches=%d, want %d: the three queued writes share one", got, want)
		} else if got, want := st.Writes, int64(4); got != want {
			t.Fatalf("writes=%d, want %d", got, want)
		}
		// The held batch of one write, and the batch of three (bucket 2: 3 to 4 writes).
		if got, want := st.Sizes[:4], []int64{1, 0, 1, 0}; !slices.Equal(got, want) {
			t.Fatalf("sizes=%v, want %v", got, want)
		}
		// One Lock call for the batch of three: its keys' union, sorted, each once.
		if got, want := e.locks, [][]string{{"k1", "k2"}}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("locks=%v, want %v", got, want)
		}
	})
	t.Run("ErrWriteRollsBackAlone", func(t *testing.T) {
		e := newEnv(t, 256)
		release := e.hold(t)
		boom := errors.New("refused")
		bad := &groupcommit.Write[tx]{Func: func(ctx context.Context, tx tx) error {
			if err := tx.insert(ctx, "bad"); err != nil {
				return err
			}
			return boom
		}}
		panics := &groupcommit.Write[tx]{Func: func(ctx context.Context, tx tx) error {
			if err := tx.insert(ctx, "panics"); err != nil {
				return err
			}
			panic("bug")
		}}
		wait := e.submitAll(t, []*groupcommit.Write[tx]{insertWrite("a"), bad, panics, insertWrite("b")})
		if err := release(); err != nil {
			t.Fatal(err)
		}
		got := wait()
		if got[0] != nil || got[3] != nil {
			t.Fatalf("errs=%v, want the good writes to succeed", got)
		} else if !errors.Is(got[1], boom) {
			t.Fatalf("bad write: err=%v, want %v", got[1], boom)
		} else if got[2] == nil {
			t.Fatal("panicking write: err=nil, want the panic as an error")
		}
		if got, want := e.rows(t), []string{"a", "b", "held"}; !slices.Equal(got, want) {
			t.Fatalf("rows=%v, want %v (the failed writes rolled back alone)", got, want)
		}
	})
	t.Run("ErrAloneRollsBack", func(t *testing.T) {
		e := newEnv(t, 256)
		err := e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error {
			if err := tx.insert(ctx, "x"); err != nil {
				return err
			}
			return errors.New("refused")
		})
		if err == nil {
			t.Fatal("err=nil, want the write's error")
		}
		if got := e.rows(t); len(got) != 0 {
			t.Fatalf("rows=%v, want none", got)
		}
	})
}

func TestCommitter_Retry(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t, 256)
		var runs atomic.Int32
		err := e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error {
			if err := tx.insert(ctx, "x"); err != nil {
				return err
			}
			if runs.Add(1) < 3 {
				return fmt.Errorf("lock: %w", errTransient)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := runs.Load(), int32(3); got != want {
			t.Fatalf("runs=%d, want %d", got, want)
		} else if got, want := e.c.Stats().Retries["transient"], int64(2); got != want {
			t.Fatalf("retries=%d, want %d", got, want)
		} else if got, want := e.rows(t), []string{"x"}; !slices.Equal(got, want) {
			t.Fatalf("rows=%v, want %v (each retry starts from a rolled-back transaction)", got, want)
		}
	})
	t.Run("ErrGivesUp", func(t *testing.T) {
		e := newEnv(t, 256)
		var runs atomic.Int32
		err := e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error {
			runs.Add(1)
			return errTransient
		})
		if !errors.Is(err, errTransient) {
			t.Fatalf("err=%v, want %v", err, errTransient)
		} else if got, want := runs.Load(), int32(11); got != want {
			t.Fatalf("runs=%d, want %d (once and MaxRetries more)", got, want)
		}
	})
}

// setKind is a set-based kind whose run inserts each write's value, and
// fails as a whole when any of them is "bad"; a write alone reports its own
// failure.
type setKind struct {
	kind  *groupcommit.Kind[tx]
	mu    sync.Mutex
	calls [][]string // the values of every Run call
	pre   [][]string // the values of every Prefetch call
}

type setArg struct {
	v   string
	err error
}

func newSetKind() *setKind {
	k := &setKind{}
	values := func(ws []*groupcommit.Write[tx]) []string {
		var vs []string
		for _, w := range ws {
			vs = append(vs, w.Arg.(*setArg).v)
		}
		return vs
	}
	k.kind = &groupcommit.Kind[tx]{
		Prefetch: func(ctx context.Context, _ tx, ws []*groupcommit.Write[tx]) error {
			k.mu.Lock()
			k.pre = append(k.pre, values(ws))
			k.mu.Unlock()
			return nil
		},
		Run: func(ctx context.Context, tx tx, ws []*groupcommit.Write[tx]) error {
			k.mu.Lock()
			k.calls = append(k.calls, values(ws))
			k.mu.Unlock()
			for _, w := range ws {
				a := w.Arg.(*setArg)
				a.err = nil
				if err := tx.insert(ctx, a.v); err != nil {
					return err
				}
				if a.v == "bad" {
					if len(ws) > 1 {
						return errors.New("run failed")
					}
					a.err = errors.New("bad value")
				}
			}
			return nil
		},
	}
	return k
}

func (k *setKind) write(v string) *groupcommit.Write[tx] {
	return &groupcommit.Write[tx]{Kind: k.kind, Arg: &setArg{v: v}}
}

func TestCommitter_SetBased(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t, 256)
		k := newSetKind()
		release := e.hold(t)
		ws := []*groupcommit.Write[tx]{k.write("a"), k.write("b"), k.write("c")}
		wait := e.submitAll(t, ws)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for i, err := range wait() {
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if got, want := fmt.Sprint(k.calls), "[[a b c]]"; got != want {
			t.Fatalf("runs=%s, want %s (one run for the three)", got, want)
		} else if got, want := fmt.Sprint(k.pre), "[[a b c]]"; got != want {
			t.Fatalf("prefetches=%s, want %s", got, want)
		} else if got, want := e.c.Stats().Fallbacks, int64(0); got != want {
			t.Fatalf("fallbacks=%d, want %d", got, want)
		}
	})
	// The whole batch is one run: its failure rolls the transaction back
	// and the batch runs again one write at a time.
	t.Run("FallbackWholeBatch", func(t *testing.T) {
		e := newEnv(t, 256)
		k := newSetKind()
		release := e.hold(t)
		ws := []*groupcommit.Write[tx]{k.write("a"), k.write("bad"), k.write("c")}
		wait := e.submitAll(t, ws)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		checkFallback(t, e, k, ws, wait(), "[[a bad c] [a] [bad] [c]]")
	})
	// The run shares its batch with another write: the run's savepoint is
	// rolled back and its writes run one at a time, the other write untouched.
	t.Run("FallbackInSavepoint", func(t *testing.T) {
		e := newEnv(t, 256)
		k := newSetKind()
		release := e.hold(t)
		ws := []*groupcommit.Write[tx]{insertWrite("first"), k.write("a"), k.write("bad"), k.write("c")}
		wait := e.submitAll(t, ws)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		got := wait()
		if got[0] != nil {
			t.Fatalf("plain write: %v", got[0])
		}
		checkFallback(t, e, k, ws[1:], got[1:], "[[a bad c] [a] [bad] [c]]")
		if got := e.rows(t); !slices.Contains(got, "first") {
			t.Fatalf("rows=%v, want the plain write kept", got)
		}
		// Not the batch's first run: it reads under the locks, after the
		// writes before it, not before the batch.
		if len(k.pre) != 0 {
			t.Fatalf("prefetches=%v, want none", k.pre)
		}
	})
}

func checkFallback(t *testing.T, e *env, k *setKind, ws []*groupcommit.Write[tx], errs []error, calls string) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("write %d: %v (a set-based write's failure is its Arg's)", i, err)
		}
	}
	if got := fmt.Sprint(k.calls); got != calls {
		t.Fatalf("runs=%s, want %s", got, calls)
	} else if a := ws[1].Arg.(*setArg); a.err == nil {
		t.Fatal("bad write: no error, want its own failure")
	} else if ws[0].Arg.(*setArg).err != nil || ws[2].Arg.(*setArg).err != nil {
		t.Fatal("good writes: an error, want none")
	} else if got, want := e.c.Stats().Fallbacks, int64(1); got != want {
		t.Fatalf("fallbacks=%d, want %d", got, want)
	}
	// The failed run's rows were rolled back: had they not been, the
	// writes' own inserts would have failed on the UNIQUE column.
	rows := e.rows(t)
	for _, v := range []string{"a", "bad", "c"} {
		if !slices.Contains(rows, v) {
			t.Fatalf("rows=%v, want %s (each write alone keeps its own outcome)", rows, v)
		}
	}
}

func TestCommitter_Submit(t *testing.T) {
	// A caller that gives up before a batch takes its write: the write never
	// runs and the caller gets its context's error.
	t.Run("ErrAbandonedBeforeTaken", func(t *testing.T) {
		e := newEnv(t, 256)
		release := e.hold(t)
		ctx, cancel := context.WithCancel(context.Background())
		var ran atomic.Bool
		done := make(chan error, 1)
		go func() {
			done <- e.c.Do(ctx, nil, func(ctx context.Context, tx tx) error {
				ran.Store(true)
				return tx.insert(ctx, "abandoned")
			})
		}()
		e.waitQueued(t, 1)
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err=%v, want %v", err, context.Canceled)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		// A write after it shows the committer went past the abandoned one.
		if err := e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error { return tx.insert(ctx, "after") }); err != nil {
			t.Fatal(err)
		}
		if ran.Load() {
			t.Fatal("the abandoned write ran")
		} else if got, want := e.rows(t), []string{"after", "held"}; !slices.Equal(got, want) {
			t.Fatalf("rows=%v, want %v", got, want)
		} else if got, want := e.c.Stats().Abandoned, int64(1); got != want {
			t.Fatalf("abandoned=%d, want %d", got, want)
		}
	})
	// A caller that gives up once its write is in a batch still gets the
	// write's real outcome: it committed.
	t.Run("OKAbandonedAfterTaken", func(t *testing.T) {
		e := newEnv(t, 256)
		ctx, cancel := context.WithCancel(context.Background())
		running, gate := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- e.c.Do(ctx, nil, func(ctx context.Context, tx tx) error {
				close(running)
				<-gate
				return tx.insert(ctx, "taken")
			})
		}()
		<-running
		cancel()
		select {
		case err := <-done:
			t.Fatalf("Do returned %v while its write was still running", err)
		case <-time.After(20 * time.Millisecond):
		}
		close(gate)
		if err := <-done; err != nil {
			t.Fatalf("err=%v, want nil: the write committed", err)
		}
		if got, want := e.rows(t), []string{"taken"}; !slices.Equal(got, want) {
			t.Fatalf("rows=%v, want %v", got, want)
		}
	})
	t.Run("ErrClosed", func(t *testing.T) {
		e := newEnv(t, 256)
		release := e.hold(t)
		queued := make(chan error, 1)
		go func() {
			queued <- e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error { return tx.insert(ctx, "queued") })
		}()
		e.waitQueued(t, 1)
		closed := make(chan struct{})
		go func() { e.c.Close(); close(closed) }()
		if err := release(); err != nil {
			t.Fatal(err)
		}
		<-closed
		if err := <-queued; err != nil {
			t.Fatalf("queued before Close: err=%v, want it finished", err)
		}
		if err := e.c.Do(context.Background(), nil, func(ctx context.Context, tx tx) error { return nil }); !errors.Is(err, groupcommit.ErrClosed) {
			t.Fatalf("err=%v, want %v", err, groupcommit.ErrClosed)
		}
	})
}

// TestCommitter_QueueLimit fills the queue behind a held batch: the next
// write is refused at once with ErrFull and never runs, while those queued
// commit once the batch is released.
func TestCommitter_QueueLimit(t *testing.T) {
	e := newEnvLimit(t, 256, 2)
	release := e.hold(t)
	wait := e.submitAll(t, []*groupcommit.Write[tx]{insertWrite("a"), insertWrite("b")})
	if err := e.c.Submit(context.Background(), insertWrite("c")); !errors.Is(err, groupcommit.ErrFull) {
		t.Fatalf("Submit past the limit: err=%v, want ErrFull", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for i, err := range wait() {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got, want := e.rows(t), []string{"a", "b", "held"}; !slices.Equal(got, want) {
		t.Fatalf("rows=%v, want %v", got, want)
	}
	if got := e.c.Stats().Full; got != 1 {
		t.Fatalf("Stats().Full=%d, want 1", got)
	}
	if err := e.c.Submit(context.Background(), insertWrite("d")); err != nil {
		t.Fatalf("Submit once the queue drained: %v", err)
	}
}
