package reactor

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(time.Millisecond)
	}
}

// Posts from many goroutines run one at a time on the Run goroutine, each
// exactly once: the counter below is not synchronised, so the race
// detector (make test) catches any concurrent run.
func TestPostSerialises(t *testing.T) {
	r := New(SystemClock{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	counter := 0
	var got sync.WaitGroup
	const posters, each = 8, 500
	got.Add(posters * each)
	for range posters {
		go func() {
			for range each {
				r.Post(func() { counter++; got.Done() })
			}
		}()
	}
	got.Wait()
	var final int
	fin := make(chan struct{})
	r.Post(func() { final = counter; close(fin) })
	<-fin
	if final != posters*each {
		t.Fatalf("ran %d callbacks, want %d", final, posters*each)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}

// Timers run in (deadline, arming order), never before their deadline, on
// the reactor goroutine; a cancelled one never runs.
func TestTimersOrderAndCancel(t *testing.T) {
	r := New(SystemClock{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = r.Run(ctx) }()
	var mu sync.Mutex
	var order []string
	var late []time.Duration
	record := func(name string, at time.Time) func() {
		return func() {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			late = append(late, time.Since(at))
		}
	}
	start := make(chan struct{})
	r.Post(func() {
		now := r.Now()
		b := now.Add(30 * time.Millisecond)
		r.AfterFunc(b, record("b", b))
		a := now.Add(10 * time.Millisecond)
		r.AfterFunc(a, record("a", a))
		r.AfterFunc(b, record("b2", b)) // same deadline: after b
		stop := r.AfterFunc(now.Add(20*time.Millisecond), record("cancelled", now))
		stop()
		stop() // harmless twice
		close(start)
	})
	<-start
	waitFor(t, 5*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 3 })
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, []string{"a", "b", "b2"}) {
		t.Fatalf("order %v", order)
	}
	for i, l := range late {
		if l < 0 {
			t.Errorf("timer %s ran %v before its deadline", order[i], -l)
		}
	}
}

// Close drops pending work and ends Run; later Posts do nothing.
func TestClose(t *testing.T) {
	r := New(SystemClock{})
	done := make(chan error, 1)
	ran := false
	ready := make(chan struct{})
	r.Post(func() {
		r.AfterFunc(r.Now().Add(time.Hour), func() { ran = true })
		close(ready)
	})
	go func() { done <- r.Run(context.Background()) }()
	<-ready
	r.Close()
	if err := <-done; err != nil {
		t.Fatalf("Run after Close: %v", err)
	}
	r.Post(func() { ran = true })
	r.Drain()
	if ran || r.Pending() != 0 {
		t.Fatalf("work ran or stayed pending after Close (ran=%v pending=%d)", ran, r.Pending())
	}
}

// fakeHost records what a virtual-time reactor asks of its host.
type fakeHost struct {
	armed  []TimerRef
	posted int
}

func (h *fakeHost) Armed(t TimerRef) { h.armed = append(h.armed, t) }
func (h *fakeHost) Posted()          { h.posted++ }

type manualClock struct{ now time.Time }

func (c *manualClock) Now() time.Time { return c.now }

// Virtual time: the host hears of every timer, fires it itself; a
// cancelled timer or a reference from before Rearm does nothing; Take
// hands the callback over without running it.
func TestVirtual(t *testing.T) {
	c := &manualClock{now: time.Unix(1000, 0)}
	h := &fakeHost{}
	r := NewVirtual(c, h)
	var ran []string
	r.AfterFunc(c.now.Add(time.Second), func() { ran = append(ran, "a") })
	cancelB := r.AfterFunc(c.now.Add(2*time.Second), func() { ran = append(ran, "b") })
	r.AfterFunc(c.now.Add(3*time.Second), func() { ran = append(ran, "c") })
	if len(h.armed) != 3 || !h.armed[1].At.Equal(c.now.Add(2*time.Second)) {
		t.Fatalf("armed %v", h.armed)
	}
	cancelB()
	r.Fire(h.armed[1])
	r.Fire(h.armed[0])
	r.Fire(h.armed[0]) // twice: once only
	if !slices.Equal(ran, []string{"a"}) {
		t.Fatalf("ran %v", ran)
	}
	old := h.armed[2]
	r.Rearm()
	if len(h.armed) != 4 || h.armed[3].ID != old.ID || h.armed[3].Ver == old.Ver {
		t.Fatalf("rearm announced %v", h.armed[3:])
	}
	r.Fire(old) // stale
	if fn := r.Take(h.armed[3]); fn == nil || r.Pending() != 0 {
		t.Fatalf("Take: fn=%v pending=%d", fn != nil, r.Pending())
	} else {
		fn()
	}
	if !slices.Equal(ran, []string{"a", "c"}) {
		t.Fatalf("ran %v", ran)
	}
	r.Post(func() { ran = append(ran, "posted") })
	if h.posted != 1 {
		t.Fatalf("host told of %d posts", h.posted)
	}
	r.Drain()
	r.Close()
	r.AfterFunc(c.now, func() { ran = append(ran, "after close") })
	if !slices.Equal(ran, []string{"a", "c", "posted"}) {
		t.Fatalf("ran %v", ran)
	}
}
