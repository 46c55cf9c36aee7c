package backorder

import (
	"context"
	"time"
)

// Store is a database the service keeps its state in. sqlite.DB and
// postgres.DB implement it; storetest holds the contract both pass.
//
// A store only loads and saves. Every business rule lives in this package, as
// pure functions the Service calls between loading and saving, so no rule is
// written once per database.
type Store interface {
	// BeginWrite starts a read-write transaction. The service runs every write
	// through its committer, which batches many requests into one transaction
	// (group commit) with a savepoint around each.
	BeginWrite(ctx context.Context) (Tx, error)
	// BeginRead starts a read-only transaction on a consistent snapshot.
	BeginRead(ctx context.Context) (Tx, error)
	// Retryable reports whether err is a transient conflict (serialization
	// failure, deadlock, busy database) after which the whole transaction
	// may be retried.
	Retryable(err error) bool
}

// Tx is one transaction. Methods return ENOTFOUND for a missing row and
// ECONFLICT for a duplicate key; any other failure is an internal error.
// Times are stored in UTC with at least microsecond precision.
type Tx interface {
	TemplateTx
	PaymentTx
	UserTx
	BacklogTx
	LinePriorityTx
	MetricsTx
	WaitingTx

	Commit() error
	Rollback() error

	APIKeyTx
	EndTx

	// Savepoint, RollbackTo and Release manage the savepoint that isolates one
	// request inside a group commit.
	Savepoint(ctx context.Context, name string) error
	RollbackTo(ctx context.Context, name string) error
	Release(ctx context.Context, name string) error

	// LockSKUs takes the write locks of the SKUs' stock rows, in the order
	// given (the caller sorts them). A store whose transactions already
	// serialize every write may do nothing.
	LockSKUs(ctx context.Context, skus []string) error

	// Settings returns the stored settings, or DefaultSettings if none were saved.
	Settings(ctx context.Context) (*Settings, error)
	PutSettings(ctx context.Context, s *Settings) error

	// Meta reads a small named value (such as the admin token hash); ENOTFOUND if unset.
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
	// AddMeta stores value under key unless the key has a value already
	// (set meanwhile by another writer too), and returns the value stored.
	AddMeta(ctx context.Context, key, value string) (string, error)

	// Product returns one product with its stock; ENOTFOUND if unknown.
	Product(ctx context.Context, sku string) (*Product, error)
	// ProductsBySKU returns the named products that exist, by SKU.
	ProductsBySKU(ctx context.Context, skus []string) (map[string]*Product, error)
	// ListProducts returns products in SKU order after the filter's cursor.
	ListProducts(ctx context.Context, f ProductFilter) ([]*Product, error)
	// PutProduct creates or replaces a product's descriptive fields and
	// policy; its stock is left as it is (zero for a new product).
	PutProduct(ctx context.Context, p *Product) error
	// SaveStock writes the quantities of the given SKUs.
	SaveStock(ctx context.Context, stock []Stock) error
	// AllStock returns the quantities of every SKU.
	AllStock(ctx context.Context) ([]Stock, error)

	// Supplier returns one supplier; ENOTFOUND if unknown.
	Supplier(ctx context.Context, id string) (*Supplier, error)
	// PutSupplier creates or replaces a supplier, as given.
	PutSupplier(ctx context.Context, s *Supplier) error
	// ListSuppliers returns suppliers in ID order after the filter's cursor.
	ListSuppliers(ctx context.Context, f SupplierFilter) ([]*Supplier, error)

	// InsertPurchaseOrder stores a new purchase order with its lines,
	// setting its ID and theirs.
	InsertPurchaseOrder(ctx context.Context, po *PurchaseOrder) error
	// PurchaseOrder returns one purchase order with its lines, date changes
	// and deliveries; ENOTFOUND if unknown.
	PurchaseOrder(ctx context.Context, id int64) (*PurchaseOrder, error)
	// ListPurchaseOrders returns purchase orders with their lines, date
	// changes and deliveries in ID order after the filter's cursor.
	ListPurchaseOrders(ctx context.Context, f POFilter) ([]*PurchaseOrder, error)
	// SavePurchaseOrder writes a purchase order's status, expected date and
	// update time, its lines' received and cancelled units, and the date
	// changes and deliveries beyond those stored (both are only ever
	// appended).
	SavePurchaseOrder(ctx context.Context, po *PurchaseOrder) error

	// InsertOrders stores new orders with their lines, as given (Units and
	// LineCount too: Order.Tally). It sets each order's Seq (increasing in
	// slice order, and in commit order across transactions) and each line's
	// ID and OrderID. Each line's Backordered is also kept as its units
	// put on backorder at intake, which the metrics follow (MetricLine).
	// ECONFLICT if an order ID exists; the orders may then be partly written, and the caller rolls
	// back (the service runs every write under a savepoint).
	InsertOrders(ctx context.Context, os []*Order) error
	// ExistingOrders returns which of the given order IDs exist.
	ExistingOrders(ctx context.Context, ids []string) (map[string]bool, error)
	// Order returns an order with its lines; ENOTFOUND if unknown.
	Order(ctx context.Context, id string) (*Order, error)
	// ListOrders returns orders with their lines in Seq order after the cursor.
	ListOrders(ctx context.Context, f OrderFilter) ([]*Order, error)
	// SetReleaseDate moves the ship-from date of a SKU's open pre-order units:
	// every line of the SKU with units open and an available_from gets date
	// ("" clears it). The holds of their requests are the service's to move.
	SetReleaseDate(ctx context.Context, sku, date string) error
	// SetSplitChoice records the customer's split choice on an order.
	SetSplitChoice(ctx context.Context, orderID, choice string) error
	// Lines returns every line of the given orders, by order ID, in line order.
	Lines(ctx context.Context, orderIDs []string) (map[string][]*Line, error)
	// SaveLines writes the quantities (allocated, backordered, shipped,
	// cancelled, fulfilling) of existing lines.
	SaveLines(ctx context.Context, lines []*Line) error
	// SavePromises writes the promise (ETA, FirstPromise) of existing
	// lines, nothing else.
	SavePromises(ctx context.Context, lines []*Line) error
	// Promised counts, per SKU with waiting lines (in SKU order), the
	// waiting lines and units and those promised to ship on or before
	// date (YYYY-MM-DD).
	Promised(ctx context.Context, date string) ([]PromiseCount, error)
	// WaitingOnPurchaseOrders returns the waiting lines (backordered > 0)
	// whose stored promise rests on one of the given purchase orders (basis
	// purchase_order and that purchase order's ID), in purchase order ID,
	// then line ID order.
	WaitingOnPurchaseOrders(ctx context.Context, poIDs []int64) ([]WaitingOnPO, error)
	// Demand returns the units ordered of a SKU on the order lines of orders
	// accepted at or after since (refused orders store no lines).
	Demand(ctx context.Context, sku string, since time.Time) (int64, error)
	// AllLines returns every order line.
	AllLines(ctx context.Context) ([]*Line, error)
	// WaitingLines returns up to q.Limit lines of q.SKU with backordered
	// units after the cursor q.After, in FIFO order (their order's
	// AcceptedAt, then its Seq, then the line ID), each with its order's
	// header (no Lines). An empty page is the end of the queue; a shorter
	// one need not be. The read costs the page, not the queue.
	WaitingLines(ctx context.Context, q QueueQuery) ([]QueueEntry, error)
	// CustomerBackordered returns, per SKU, the units a customer has waiting.
	CustomerBackordered(ctx context.Context, customerID string, skus []string) (map[string]int64, error)
	// BackorderStats counts the SKU's lines put on backorder at intake (a
	// backorder movement) at or after since, and those of them with any
	// unit cancelled (BackorderStats).
	BackorderStats(ctx context.Context, sku string, since time.Time) (BackorderStats, error)

	// AppendMovements adds movements to the history, setting their IDs in order.
	AppendMovements(ctx context.Context, ms []Movement) error
	// Movements returns movements in ID order after the filter's cursor.
	Movements(ctx context.Context, f MovementFilter) ([]Movement, error)

	// InsertFulfillments stores new fulfillment requests, setting their IDs.
	InsertFulfillments(ctx context.Context, fs []*Fulfillment) error
	// Fulfillment returns one fulfillment with its lines; ENOTFOUND if unknown.
	Fulfillment(ctx context.Context, id int64) (*Fulfillment, error)
	// ListFulfillments returns fulfillments in ID order after the cursor.
	ListFulfillments(ctx context.Context, q FulfillmentQuery) ([]*Fulfillment, error)
	// SaveFulfillment writes a fulfillment's state, shipment details and
	// lines: exactly those given, each line once.
	SaveFulfillment(ctx context.Context, f *Fulfillment) error
	// SaveHolds writes the hold date (HoldUntil) of existing fulfillments,
	// nothing else.
	SaveHolds(ctx context.Context, fs []*Fulfillment) error
	// OpenRequests returns, per line, the units in open fulfillment requests.
	OpenRequests(ctx context.Context) (map[int64]int64, error)

	// InsertLostDemand records refused order lines.
	// It need not set their IDs: nothing reads lost demand by ID before it
	// is listed.
	InsertLostDemand(ctx context.Context, ls []LostDemand) error
	// ListLostDemand returns a page of lost demand in ID order (see
	// LostDemandFilter).
	ListLostDemand(ctx context.Context, f LostDemandFilter) ([]LostDemand, error)

	// AppendEvents adds outbox events, setting their IDs.
	AppendEvents(ctx context.Context, es []Event) error
	// Events returns outbox events after the given ID, oldest first.
	Events(ctx context.Context, after int64, limit int) ([]Event, error)

	// IdempotencyRecords returns the stored outcomes of the keys that have one.
	IdempotencyRecords(ctx context.Context, keys []string) (map[string]*IdempotencyRecord, error)
	// PutIdempotencyRecords stores outcomes; ECONFLICT if a key exists (the
	// caller rolls back).
	PutIdempotencyRecords(ctx context.Context, rs []*IdempotencyRecord) error

	// DeliveryTx keeps deliveries, webhook endpoints and scheduled messages.
	DeliveryTx

	// LedgerSums sums the history per SKU, line, kind and (for
	// allocations) reason, in one pass.
	LedgerSums(ctx context.Context) ([]LedgerSum, error)
}
