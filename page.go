package backorder

// Page sizes: one rule for every listing of the service and the API.
const (
	// DefaultPageLimit is a listing's size when none is asked for.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest page a caller may ask for.
	MaxPageLimit = 1000
)

// PageLimit is how many rows a listing asked for n rows reads:
// DefaultPageLimit for n <= 0, and never more than MaxPageLimit+1 (a
// listing reads one row past its page to learn whether another follows).
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageLimit
	case n > MaxPageLimit+1:
		return MaxPageLimit + 1
	}
	return n
}

// readPage is the size of the pages the service reads a listing to its end
// with (every).
const readPage = MaxPageLimit

// every reads a listing to its end, page by page: page returns up to
// readPage items after a cursor, and id gives an item's cursor. It stops at
// the first empty page, so it is correct whatever number of rows a store
// returns per call.
func every[T any](page func(after int64) ([]T, error), id func(T) int64) ([]T, error) {
	var all []T
	var after int64
	for {
		items, err := page(after)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return all, nil
		}
		all = append(all, items...)
		after = id(items[len(items)-1])
	}
}
