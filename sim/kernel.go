package sim

import (
	"container/heap"
	"context"
	"log/slog"
	"time"
)

// event is one entry of the discrete-event queue. Events run in (at, seq)
// order: seq breaks ties in scheduling order, so the order never depends
// on anything but the program and the seed.
type event struct {
	at  time.Duration
	seq uint64
	fn  func()
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*q = old[:n-1]
	return e
}

// schedule queues fn at virtual time at (never in the past).
func (w *World) schedule(at time.Duration, fn func()) {
	if at < w.now {
		at = w.now
	}
	w.seq++
	heap.Push(&w.queue, &event{at: at, seq: w.seq, fn: fn})
}

// runUntil runs events due up to end; with cond, it stops as soon as cond
// holds. The clock ends at end unless cond stopped it earlier.
func (w *World) runUntil(end time.Duration, cond func() bool) bool {
	if cond != nil && cond() {
		return true
	}
	for len(w.queue) > 0 && w.queue[0].at <= end {
		e := heap.Pop(&w.queue).(*event)
		w.now = e.at
		e.fn()
		if cond != nil && cond() {
			return true
		}
	}
	if end > w.now {
		w.now = end
	}
	w.obs.tick()
	return false
}

// virtualTimeHandler stamps slog records with the world's virtual time so
// that daemon logs line up with the trace and stay reproducible.
type virtualTimeHandler struct {
	w *World
	h slog.Handler
}

func (v *virtualTimeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return v.h.Enabled(ctx, l)
}

func (v *virtualTimeHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Time = v.w.Now()
	return v.h.Handle(ctx, r)
}

func (v *virtualTimeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &virtualTimeHandler{w: v.w, h: v.h.WithAttrs(as)}
}

func (v *virtualTimeHandler) WithGroup(name string) slog.Handler {
	return &virtualTimeHandler{w: v.w, h: v.h.WithGroup(name)}
}
