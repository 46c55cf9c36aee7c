package backorder

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/backorder/backorder/internal/groupcommit"
)

// PlaceOrder accepts an order under available-to-promise. Each line takes
// what is available and the rest is backordered where the policy allows; a
// refused order is kept only as lost demand.
// Returns EINVALID for a bad field, ENOTFOUND for an unknown SKU, ECONFLICT if
// the order ID exists, and EREFUSED (naming the line and rule) for an order
// that cannot be promised.
func (s *Service) PlaceOrder(ctx context.Context, req *OrderRequest, idem *Idempotency) (*Order, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	skus := sortedUnique(req.Lines, func(l LineRequest) string { return l.SKU })
	it := &intakeOp{req: req, skus: skus, idem: idem}
	if a, ok := ActorFrom(ctx); ok {
		it.actor = &a
	}
	if err := submitted(s.committer.Submit(ctx, &groupcommit.Write[*writeTx]{Keys: skus, Kind: s.intake, Arg: it})); err != nil {
		return nil, err
	}
	return it.res, it.err
}

// intakeOp is one order request in the committer, with its outcome.
type intakeOp struct {
	req   *OrderRequest
	skus  []string
	idem  *Idempotency
	actor *Actor // whom the audit log records the order as placed by, if anyone

	res  *Order
	err  error
	keep bool // the outcome is stored for the Idempotency-Key
	fs   []*Fulfillment
	pre  *intakePre // read before the locks for this op's run, if any
}

// errRunOverlap makes a run of order requests fall back to one by one: two
// of them share an order ID or an Idempotency-Key, and the second must see
// the first's outcome.
var errRunOverlap = errors.New("backorder: two order requests of one run share an order ID or an Idempotency-Key")

// placeOrders is intake, set-based: it runs a run of order requests of one
// batch (or one request alone) as if one after another, but reads the
// idempotency records, the existing order IDs, the settings and the products
// once, decides each order in memory against the stock the ones before it
// left, and writes each table once. One order's outcome is its order, or a
// refusal (kept with its lost demand), or an error that writes nothing.
func (s *Service) placeOrders(ctx context.Context, tx *writeTx, ops []*groupcommit.Write[*writeTx]) error {
	now := s.Now()
	its := intakeOps(ops)
	pre := its[0].pre
	for _, it := range its {
		if it.pre != pre || len(ops) == 1 {
			pre = nil
		}
		it.res, it.err, it.keep, it.fs, it.pre = nil, nil, false, nil, nil
	}
	if pre == nil {
		var err error
		if pre, err = intakeReads(ctx, tx, its); err != nil {
			return err
		}
	}
	recs := pre.recs
	var todo []*intakeOp
	var skus []string
	seenKey := map[string]bool{}
	seenID := map[string]bool{}
	for _, it := range its {
		if it.idem != nil {
			if replayed, err := replay(recs[it.idem.Key], it.idem, &it.res, &it.err); err != nil {
				return err
			} else if replayed {
				continue
			}
			if seenKey[it.idem.Key] {
				return errRunOverlap
			}
			seenKey[it.idem.Key] = true
		}
		if seenID[it.req.ID] {
			return errRunOverlap
		}
		seenID[it.req.ID] = true
		todo = append(todo, it)
		skus = append(skus, it.skus...)
	}
	if len(todo) == 0 {
		return nil
	}
	slices.Sort(skus)
	skus = slices.Compact(skus)
	exist := pre.exist
	settings, err := tx.Settings(ctx)
	if err != nil {
		return err
	}
	products, err := tx.ProductsBySKU(ctx, skus)
	if err != nil {
		return err
	}

	avoid, err := avoidFacts(ctx, tx, settings, products, now)
	if err != nil {
		return err
	}

	// Decide each order in turn; the stock in products moves as they go.
	dates := newIntakeDates(settings, now)
	var lost []LostDemand
	var orders []*Order
	backorderedInRun := map[string]map[string]int64{} // customer → SKU → units backordered by this run's orders
	changed := map[string]bool{}
	for _, it := range todo {
		req := it.req
		if exist[req.ID] {
			it.err, it.keep = FieldErrorf(ECONFLICT, "id", "Order %s already exists.", req.ID), true
			continue
		}
		waiting, err := customerWaiting(ctx, tx, settings, products, req, it.skus, backorderedInRun[req.Customer.ID])
		if err != nil {
			return err
		}
		plan, planErr := PlanIntake(IntakeInput{Request: req, Products: products, Settings: settings, CustomerBackordered: waiting, Avoid: avoid, Now: now})
		if plan == nil {
			it.err, it.keep = planErr, refusal(planErr)
			continue
		}
		for _, r := range plan.Refused {
			lost = append(lost, LostDemand{At: now, OrderID: req.ID, CustomerID: req.Customer.ID, SKU: r.SKU, Quantity: r.Quantity, ValueCents: r.ValueCents, Currency: r.Currency, Rule: r.Rule})
		}
		if planErr != nil {
			// A refusal is an outcome: its lost demand is kept.
			it.err, it.keep = AsError(planErr), true
			continue
		}
		o := &Order{
			ID: req.ID, Customer: req.Customer, Shipping: req.Shipping, NeedBy: req.NeedBy,
			SplitPolicy: plan.SplitPolicy, AcceptedAt: now, Lines: plan.Accepted, Refused: plan.Refused,
		}
		o.Tally()
		for _, l := range o.Lines {
			st := &products[l.SKU].Stock
			st.Allocated += l.Allocated
			st.Backordered += l.Backordered
			if l.Allocated > 0 || l.Backordered > 0 {
				changed[l.SKU] = true
			}
			if err := dates.date(ctx, tx, o, l, products[l.SKU]); err != nil {
				return err
			}
			if l.Backordered > 0 {
				if backorderedInRun[req.Customer.ID] == nil {
					backorderedInRun[req.Customer.ID] = map[string]int64{}
				}
				backorderedInRun[req.Customer.ID][l.SKU] += l.Backordered
			}
		}
		decideAtIntake(o, settings, now)
		it.res, it.keep = o, true
		it.fs = PlanFulfillment(o, now)
		orders = append(orders, o)
	}

	// Write each table once.
	if len(lost) > 0 {
		if err := tx.InsertLostDemand(ctx, lost); err != nil {
			return err
		}
	}
	if len(orders) > 0 {
		if err := tx.InsertOrders(ctx, orders); err != nil {
			return err
		}
		if err := putDecisions(ctx, tx, orders); err != nil {
			return err
		}
		if err := s.redateWalked(ctx, tx, dates, products, orders, now); err != nil {
			return err
		}
		var fs []*Fulfillment
		for _, it := range todo {
			for _, f := range it.fs {
				f.relink()
			}
			fs = append(fs, it.fs...)
		}
		if len(fs) > 0 {
			if err := tx.InsertFulfillments(ctx, fs); err != nil {
				return err
			}
		}
		var moves []Movement
		for _, o := range orders {
			for _, l := range o.Lines {
				if l.Allocated > 0 {
					a := Allocation{OrderID: o.ID, LineID: l.ID, SKU: l.SKU, Quantity: l.Allocated, Reason: ReasonInStock, At: now}
					o.Allocations = append(o.Allocations, a)
					moves = append(moves, Movement{At: now, Kind: MoveAllocate, SKU: l.SKU, Quantity: l.Allocated, OrderID: o.ID, LineID: l.ID, Reason: ReasonInStock})
				}
				if l.Backordered > 0 {
					moves = append(moves, Movement{At: now, Kind: MoveBackorder, SKU: l.SKU, Quantity: l.Backordered, OrderID: o.ID, LineID: l.ID})
				}
			}
		}
		if err := tx.AppendMovements(ctx, moves); err != nil {
			return err
		}
		if err := saveStock(ctx, tx, products, changed); err != nil {
			return err
		}
		var audit []AuditEntry
		for _, it := range todo {
			if it.res != nil && it.actor != nil {
				audit = append(audit, NewAuditEntry(*it.actor, now, it.res.ID, it.idem))
			}
		}
		if len(audit) > 0 {
			if err := tx.AppendAudit(ctx, audit); err != nil {
				return err
			}
		}
		for _, it := range todo {
			if o := it.res; o != nil {
				o.Derive()
				e, err := NewEvent(now, o.ID, "", &OrderAcceptedPayload{Status: o.Status, Lines: eventLines(o.Lines), FulfillmentIDs: fulfillmentIDs(it.fs)})
				if err != nil {
					return err
				}
				if err := tx.Emit(ctx, e); err != nil {
					return err
				}
			}
		}
		if err := s.settlePayments(ctx, tx, now, orders, nil, 0); err != nil {
			return err
		}
	}
	var outcomes []*IdempotencyRecord
	for _, it := range todo {
		if it.idem == nil || !it.keep {
			continue
		}
		rec, err := idempotencyRecord(it.idem, now, it.res, it.err)
		if err != nil {
			return err
		}
		outcomes = append(outcomes, rec)
	}
	if len(outcomes) > 0 {
		return putOutcomes(ctx, tx, outcomes)
	}
	return nil
}

// redateWalked re-dates the SKUs whose fill order a priority rule changed
// (intakeDates), once the run's orders are stored, and gives the run's
// lines of those SKUs their promises.
func (s *Service) redateWalked(ctx context.Context, tx *writeTx, dates *intakeDates, products map[string]*Product, orders []*Order, now time.Time) error {
	if len(dates.walk) == 0 {
		return nil
	}
	var ids []string
	for _, o := range orders {
		for _, l := range o.Lines {
			if dates.walk[l.SKU] {
				ids = append(ids, o.ID)
				break
			}
		}
	}
	promisers := map[string]*Promiser{}
	for _, sku := range slices.Sorted(maps.Keys(dates.walk)) {
		pr, err := s.redatePromiser(ctx, tx, products[sku], false, now)
		if err != nil {
			return err
		}
		promisers[sku] = pr
	}
	stored, err := tx.Lines(ctx, ids)
	if err != nil {
		return err
	}
	// A line the walk stopped before waits past every unit of supply: the
	// SKU's promiser, exhausted, dates it.
	var late []*Line
	for _, o := range orders {
		for i, l := range stored[o.ID] {
			if l.ETA == nil && l.Backordered > 0 && promisers[l.SKU] != nil {
				e := promisers[l.SKU].Next(l.Backordered, l.AvailableFrom)
				l.ETA, l.FirstPromise = &e, e.Date
				late = append(late, l)
			}
			if i < len(o.Lines) && o.Lines[i].ID == l.ID {
				o.Lines[i].ETA, o.Lines[i].FirstPromise = l.ETA, l.FirstPromise
			}
		}
	}
	if len(late) == 0 {
		return nil
	}
	return tx.SavePromises(ctx, late)
}

// intakePre is what intake reads before it decides: the stored outcomes of
// the requests' Idempotency-Keys, and which of their order IDs exist. Both
// may be read before the SKU locks are taken: a key or an order stored
// meanwhile by another writer makes the run's insert fail with ECONFLICT, and
// the run falls back to one by one, which reads again.
type intakePre struct {
	recs  map[string]*IdempotencyRecord
	exist map[string]bool
}

func intakeReads(ctx context.Context, tx Tx, its []*intakeOp) (*intakePre, error) {
	var keys, ids []string
	for _, it := range its {
		if it.idem != nil {
			keys = append(keys, it.idem.Key)
		}
		ids = append(ids, it.req.ID)
	}
	recs, err := tx.IdempotencyRecords(ctx, keys)
	if err != nil {
		return nil, err
	}
	exist, err := tx.ExistingOrders(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &intakePre{recs: recs, exist: exist}, nil
}

// intakeOps returns the order requests of a run.
func intakeOps(ops []*groupcommit.Write[*writeTx]) []*intakeOp {
	its := make([]*intakeOp, len(ops))
	for i, op := range ops {
		its[i] = op.Arg.(*intakeOp)
	}
	return its
}

// prefetchOrders reads for a run of order requests before the batch takes
// its locks (see groupcommit.Kind).
func (s *Service) prefetchOrders(ctx context.Context, tx *writeTx, ops []*groupcommit.Write[*writeTx]) error {
	its := intakeOps(ops)
	pre, err := intakeReads(ctx, tx, its)
	if err != nil {
		return err
	}
	for _, it := range its {
		it.pre = pre
	}
	// The settings too: the batch keeps them until a write of them.
	_, err = tx.Settings(ctx)
	return err
}

// customerWaiting returns the units the customer has waiting per SKU of the
// request (skus, sorted), counting those backordered by earlier orders of
// this run (inRun), when a product of the request
// limits backorders per customer; otherwise nil, without a read.
func customerWaiting(ctx context.Context, tx Tx, settings *Settings, products map[string]*Product, req *OrderRequest, skus []string, inRun map[string]int64) (map[string]int64, error) {
	limited := false
	for _, l := range req.Lines {
		if p := products[l.SKU]; p != nil && settings.Effective(p.Policy).MaxBackorderPerCustomer != nil {
			limited = true
			break
		}
	}
	if !limited {
		return nil, nil
	}
	waiting, err := tx.CustomerBackordered(ctx, req.Customer.ID, skus)
	if err != nil {
		return nil, err
	}
	if waiting == nil {
		waiting = map[string]int64{}
	}
	for sku, n := range inRun {
		waiting[sku] += n
	}
	return waiting, nil
}
