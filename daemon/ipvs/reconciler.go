package ipvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// Reconciler makes an IPVS table (the kernel's, or memipvs in the
// simulator) match the LVS core's desired table: it reads the table back,
// diffs, applies, and does it again every Interval, so that drift (an
// `ipvsadm -C` by hand, a service deleted by another program) is healed
// within one interval. Services that are neither desired nor were ever
// installed by it are left alone.
type Reconciler struct {
	// IPVS is the table to keep in shape.
	IPVS lvs.IPVS
	// Desired fills the table the core wants (lvs.Engine.Desired under
	// the caller's lock: the engine is not safe for concurrent use).
	Desired func(*lvs.Table) *lvs.Table
	// Owns reports configured services (lvs.Engine.Owns); may be nil.
	Owns func(lvs.ServiceKey) bool
	// Interval is the drift-healing period: the smallest delay_loop.
	Interval time.Duration
	// After is the clock (time.After on a host, the virtual clock in the
	// simulator).
	After func(time.Duration) <-chan time.Time
	Log   *slog.Logger

	mu      sync.Mutex
	want    lvs.Table
	ops     []lvs.Op
	written map[lvs.ServiceKey]bool
	// one and actual are ReconcileEntry's reused tables.
	one    [1]lvs.Entry
	actual []lvs.Entry
}

// Stats are the results of one pass.
type Stats struct {
	Ops    int // operations applied
	Failed int // operations the kernel refused
}

// Reconcile does one pass: read, diff, apply. Refused operations are
// logged and retried on the next pass; the error joins them.
func (r *Reconciler) Reconcile() (Stats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written == nil {
		r.written = map[lvs.ServiceKey]bool{}
	}
	r.Desired(&r.want)
	actual, err := lvs.Read(r.IPVS)
	if err != nil {
		return Stats{}, err
	}
	owns := func(k lvs.ServiceKey) bool { return r.written[k] || (r.Owns != nil && r.Owns(k)) }
	r.ops = lvs.AppendDiff(r.ops[:0], &r.want, actual, owns)
	st, err := r.apply()
	for _, e := range r.want.Entries {
		r.written[e.Service.Key] = true
	}
	if st.Ops > 0 && r.Log != nil {
		r.Log.Info("IPVS table reconciled", "ops", st.Ops, "failed", st.Failed)
	}
	return st, err
}

// ReconcileEntry does one pass for one service only: its destinations
// are read back and made to match want's (the service is added if it is
// missing). Its attributes are taken as right: a changed scheduler or
// persistence comes with a reload, which reconciles the whole table. This
// is what a checker's verdict costs: O(destinations of one service), not
// O(table).
func (r *Reconciler) ReconcileEntry(want *lvs.Entry) (Stats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written == nil {
		r.written = map[lvs.ServiceKey]bool{}
	}
	k := want.Service.Key
	r.one[0] = *want
	r.actual = r.actual[:0]
	ds, err := r.IPVS.Destinations(k)
	switch {
	case errors.Is(err, syscall.ESRCH):
	case err != nil:
		return Stats{}, fmt.Errorf("ipvs: list destinations of %s: %w", k, err)
	default:
		slices.SortFunc(ds, func(a, b lvs.Destination) int { return a.Key.Compare(b.Key) })
		r.actual = append(r.actual, lvs.Entry{Service: want.Service, Dests: ds})
	}
	r.ops = lvs.AppendDiff(r.ops[:0], &lvs.Table{Entries: r.one[:]}, &lvs.Table{Entries: r.actual}, nil)
	st, err := r.apply()
	r.written[k] = true
	return st, err
}

// apply performs r.ops (EEXIST on an add counts as done), remembering the
// services it wrote.
func (r *Reconciler) apply() (Stats, error) {
	var st Stats
	var errs []error
	for _, op := range r.ops {
		err := lvs.Do(r.IPVS, op)
		if errors.Is(err, syscall.EEXIST) && (op.Kind == lvs.OpAddService || op.Kind == lvs.OpAddDest) {
			// Added by someone between our read and our write: the
			// next pass compares it (keepalived treats EEXIST as done).
			err = nil
		}
		if err != nil {
			st.Failed++
			errs = append(errs, err)
			if r.Log != nil {
				r.Log.Warn("IPVS command failed", "op", op.Kind.String(), "service", op.Service.Key.String(), "err", err)
			}
			continue
		}
		st.Ops++
		switch op.Kind {
		case lvs.OpAddService, lvs.OpUpdateService:
			r.written[op.Service.Key] = true
		case lvs.OpDelService:
			delete(r.written, op.Service.Key)
		}
	}
	return st, errors.Join(errs...)
}

// Flush clears the whole table (lvs_flush, lvs_flush_on_stop).
func (r *Reconciler) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.IPVS.Flush(); err != nil {
		return fmt.Errorf("ipvs flush: %w", err)
	}
	clear(r.written)
	return nil
}

// Run reconciles at once, then whenever kick fires (the core's state
// changed) and every Interval, until ctx ends. Pass errors are logged,
// not returned.
func (r *Reconciler) Run(ctx context.Context, kick <-chan struct{}) error {
	if r.Interval <= 0 {
		return errors.New("ipvs reconciler: Interval must be positive")
	}
	after := r.After
	if after == nil {
		after = time.After
	}
	for {
		_, _ = r.Reconcile()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-kick:
		case <-after(r.Interval):
		}
	}
}
