package reactor

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the time a Reactor's deadlines are measured in.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock (monotonic readings included, so a wall
// clock step does not move deadlines).
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// TimerRef names one arming of one timer, for a virtual-time Host.
type TimerRef struct {
	ID  uint64
	Ver uint64 // bumped by Rearm: a Fire with an older Ver is ignored
	At  time.Time
}

// Host drives a virtual-time Reactor (see NewVirtual). Its methods are
// called on the reactor goroutine, except Posted, which Post calls on the
// posting goroutine.
type Host interface {
	// Armed: call Fire(t) when the reactor's clock reaches t.At.
	Armed(t TimerRef)
	// Posted: work was posted; call Drain on the reactor goroutine.
	Posted()
}

// Reactor serialises callbacks and timers onto one goroutine. The zero
// value is not usable; see New and NewVirtual.
type Reactor struct {
	clock Clock
	host  Host // nil: Run drives it

	mu     sync.Mutex
	posted []func()
	closed atomic.Bool
	wake   chan struct{} // Run's: something was posted

	// Reactor goroutine only.
	timers timerHeap
	byID   map[uint64]*timer
	nextID uint64
}

type timer struct {
	id, ver uint64
	at      time.Time
	fn      func()
	index   int // in the heap
}

// New returns a reactor on clock for the real world: Run drives it.
func New(clock Clock) *Reactor {
	return &Reactor{clock: clock, wake: make(chan struct{}, 1), byID: map[uint64]*timer{}}
}

// NewVirtual returns a reactor driven by host in virtual time: the host
// calls Fire for each timer it was told of and Drain after Posted. Run
// must not be used.
func NewVirtual(clock Clock, host Host) *Reactor {
	return &Reactor{clock: clock, host: host, byID: map[uint64]*timer{}}
}

// Now is the reactor's clock.
func (r *Reactor) Now() time.Time { return r.clock.Now() }

// AfterFunc arranges for fn to run on the reactor at (or as soon as
// possible after) at. cancel prevents a run that has not happened yet;
// calling it late or twice is harmless. It must be called on the reactor
// goroutine (from a callback), like everything but Post and Close.
func (r *Reactor) AfterFunc(at time.Time, fn func()) (cancel func()) {
	if r.isClosed() {
		return func() {}
	}
	r.nextID++
	t := &timer{id: r.nextID, at: at, fn: fn}
	r.byID[t.id] = t
	heap.Push(&r.timers, t)
	if r.host != nil {
		r.host.Armed(TimerRef{ID: t.id, Ver: t.ver, At: at})
	}
	return func() { r.remove(t) }
}

func (r *Reactor) remove(t *timer) {
	if r.byID[t.id] != t {
		return
	}
	delete(r.byID, t.id)
	heap.Remove(&r.timers, t.index)
}

// Post queues fn to run on the reactor goroutine, after the work posted
// before it. It is safe from any goroutine; after Close it does nothing.
func (r *Reactor) Post(fn func()) {
	r.mu.Lock()
	if r.closed.Load() {
		r.mu.Unlock()
		return
	}
	r.posted = append(r.posted, fn)
	r.mu.Unlock()
	if r.host != nil {
		r.host.Posted()
		return
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Drain runs the work posted so far, in order (work posted meanwhile runs
// too). Virtual-time hosts call it; Run calls it itself.
func (r *Reactor) Drain() {
	for {
		r.mu.Lock()
		if len(r.posted) == 0 || r.closed.Load() {
			r.mu.Unlock()
			return
		}
		fn := r.posted[0]
		r.posted[0] = nil
		r.posted = r.posted[1:]
		r.mu.Unlock()
		fn()
	}
}

// Fire runs the timer ref names, if it is still pending and ref is its
// latest arming: the host decides that it is due. Stale or cancelled
// references do nothing.
func (r *Reactor) Fire(ref TimerRef) {
	if fn := r.Take(ref); fn != nil {
		fn()
	}
}

// Take is Fire without the run: it removes the timer and returns its
// callback (nil for a stale or cancelled ref), for a host that must hold
// it back (a stopped process runs its expired timers when it continues).
func (r *Reactor) Take(ref TimerRef) func() {
	t := r.byID[ref.ID]
	if t == nil || t.ver != ref.Ver || r.isClosed() {
		return nil
	}
	r.remove(t)
	return t.fn
}

// Rearm tells the host again of every pending timer, in arming order,
// with a new Ver: after the host's clock changed rate or jumped, the
// references it scheduled before are stale.
func (r *Reactor) Rearm() {
	if r.host == nil {
		return
	}
	ts := make([]*timer, 0, len(r.byID))
	for _, t := range r.timers {
		ts = append(ts, t)
	}
	sortByID(ts)
	for _, t := range ts {
		t.ver++
		r.host.Armed(TimerRef{ID: t.id, Ver: t.ver, At: t.at})
	}
}

// Pending is the number of timers armed and not yet run or cancelled.
func (r *Reactor) Pending() int { return len(r.byID) }

// Close drops every pending timer and posted callback; later Posts and
// AfterFuncs do nothing and Run returns. Safe from any goroutine for the
// posted work; timers are dropped by the reactor goroutine (Run, or the
// next Fire, which finds them gone).
func (r *Reactor) Close() {
	r.mu.Lock()
	r.closed.Store(true)
	r.posted = nil
	r.mu.Unlock()
	if r.wake != nil {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

func (r *Reactor) isClosed() bool { return r.closed.Load() }

// Run drives a reactor made by New on the calling goroutine until ctx is
// done or Close is called: it runs posted work as it arrives and each
// timer when the clock reaches its deadline, in (deadline, arming order)
// order. It returns ctx.Err(), or nil after Close.
func (r *Reactor) Run(ctx context.Context) error {
	if r.host != nil {
		panic("reactor: Run on a virtual-time reactor")
	}
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.isClosed() {
			r.clearTimers()
			return nil
		}
		r.Drain()
		r.runDue()
		wait := time.Hour
		if len(r.timers) > 0 {
			wait = max(r.timers[0].at.Sub(r.clock.Now()), 0)
		}
		r.mu.Lock()
		more := len(r.posted) > 0
		r.mu.Unlock()
		if more {
			continue
		}
		sleep.Reset(wait)
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-sleep.C:
		}
	}
}

// runDue runs every timer due now, earliest first; timers armed by them
// that are already due run in the same pass.
func (r *Reactor) runDue() {
	for len(r.timers) > 0 && !r.isClosed() {
		t := r.timers[0]
		if t.at.After(r.clock.Now()) {
			return
		}
		r.remove(t)
		t.fn()
	}
}

func (r *Reactor) clearTimers() {
	clear(r.byID)
	r.timers = r.timers[:0]
}

// timerHeap orders timers by (deadline, id).
type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].id < h[j].id
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func sortByID(ts []*timer) {
	slices.SortFunc(ts, func(a, b *timer) int { return cmp.Compare(a.id, b.id) })
}
