package sim

import (
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
	// A packet delivery (the most frequent event) carries its data here
	// instead of in a closure, saving an allocation per copy.
	dst *nodeIface
	pkt *packet
}

// eventQueue is a binary min-heap of events by (at, seq), typed to avoid
// container/heap's interface calls on the simulator's hottest path.
type eventQueue []event

func (q eventQueue) less(i, j int) bool {
	if q[i].at != q[j].at {
		return q[i].at < q[j].at
	}
	return q[i].seq < q[j].seq
}

func (q *eventQueue) push(e event) {
	*q = append(*q, e)
	h := *q
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *eventQueue) pop() event {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h[n] = event{}
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// schedule queues fn at virtual time at (never in the past).
func (w *World) schedule(at time.Duration, fn func()) {
	if at < w.now {
		at = w.now
	}
	w.seq++
	w.queue.push(event{at: at, seq: w.seq, fn: fn})
}

// scheduleDelivery queues pkt's arrival on dst at virtual time at.
func (w *World) scheduleDelivery(at time.Duration, dst *nodeIface, pkt *packet) {
	if at < w.now {
		at = w.now
	}
	w.seq++
	w.queue.push(event{at: at, seq: w.seq, dst: dst, pkt: pkt})
}

// after is the virtual time d from now, saturating at MaxElapsed (and at
// now for a negative d), so that no sum of durations wraps around.
func (w *World) after(d time.Duration) time.Duration {
	if d <= 0 {
		return w.now
	}
	if d >= MaxElapsed-w.now {
		return MaxElapsed
	}
	return w.now + d
}

// runUntil runs events due up to end; with cond, it stops as soon as cond
// holds. The clock ends at end unless cond stopped it earlier.
func (w *World) runUntil(end time.Duration, cond func() bool) bool {
	if cond != nil && cond() {
		return true
	}
	for len(w.queue) > 0 && w.queue[0].at <= end {
		e := w.queue.pop()
		w.now = e.at
		if e.pkt != nil {
			e.dst.node.receive(e.dst, e.pkt)
		} else {
			e.fn()
		}
		if cond != nil && cond() {
			return true
		}
	}
	if end > w.now {
		w.now = end
	}
	return false
}

// virtualTimeHandler stamps slog records with the world's virtual time so
// that daemon logs line up with the observations and stay reproducible. It
// records every warning and error in the observation stream (kind "log"),
// and Info lines too with Options.TraceLogs. A handler built with observed
// set belongs to a logger whose records are already in the stream as typed
// observations (config diagnostics): they are not recorded a second time.
type virtualTimeHandler struct {
	w        *World
	h        slog.Handler
	node     string
	observed bool
}

func (v *virtualTimeHandler) records(l slog.Level) bool {
	return !v.observed && (l >= slog.LevelWarn || v.w.opt.TraceLogs && l >= slog.LevelInfo)
}

func (v *virtualTimeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return v.h.Enabled(ctx, l) || v.records(l)
}

func (v *virtualTimeHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Time = v.w.Now()
	if v.records(r.Level) {
		v.w.obs.logged(v.node, r.Level, r.Message)
	}
	if !v.h.Enabled(ctx, r.Level) {
		return nil
	}
	return v.h.Handle(ctx, r)
}

func (v *virtualTimeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *v
	for _, a := range as {
		if a.Key == "node" {
			c.node = a.Value.String()
		}
	}
	c.h = v.h.WithAttrs(as)
	return &c
}

func (v *virtualTimeHandler) WithGroup(name string) slog.Handler {
	c := *v
	c.h = v.h.WithGroup(name)
	return &c
}
