package linuxplat

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/reactor"
)

// loop drives the platform's reactor from one goroutine blocked in
// epoll, as keepalived's scheduler runs its thread: the receive sockets
// (opened raw, outside Go's netpoller) are read on the reactor goroutine
// itself, timers are the epoll timeout, and work posted from other
// goroutines (the netlink monitor, script waiters, signals) wakes it
// through an eventfd. Compared with a goroutine per socket handing each
// datagram to the reactor, a datagram or a timer costs one wake-up of one
// thread instead of two goroutine switches and the Go scheduler's
// cross-thread wake-ups: with 1,000 instances that is most of the CPU
// (docs/operations.md).
//
// It is the reactor's Host (reactor.NewVirtual), on the system clock.
type loop struct {
	r      *reactor.Reactor
	epfd   int
	efd    int
	woken  atomic.Bool // an eventfd write is pending
	closed atomic.Bool
	timers refHeap
	// slack is how late a timer may run so that timers due close
	// together share one wake-up.
	slack   time.Duration
	readers map[int32]func() // reactor goroutine only
	events  []unix.EpollEvent
	pwait2  bool
}

func newLoop(slack time.Duration) (*loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, efd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)}); err != nil {
		unix.Close(epfd)
		unix.Close(efd)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	l := &loop{epfd: epfd, efd: efd, slack: slack, readers: map[int32]func(){}, events: make([]unix.EpollEvent, 64), pwait2: true}
	l.r = reactor.NewVirtual(reactor.SystemClock{}, l)
	return l, nil
}

// Armed is the reactor telling of a timer (reactor goroutine).
func (l *loop) Armed(t reactor.TimerRef) { heap.Push(&l.timers, t) }

// Posted is the reactor telling of posted work (any goroutine).
func (l *loop) Posted() { l.wake() }

func (l *loop) wake() {
	if l.woken.Swap(true) {
		return
	}
	var one = [8]byte{1}
	_, _ = unix.Write(l.efd, one[:])
}

// add polls fd (level-triggered) and calls fn on the reactor goroutine
// when it is readable. Reactor goroutine only.
func (l *loop) add(fd int, fn func()) error {
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		return fmt.Errorf("epoll add: %w", err)
	}
	l.readers[int32(fd)] = fn
	return nil
}

// remove stops polling fd (before it is closed). Reactor goroutine only.
func (l *loop) remove(fd int) {
	if _, ok := l.readers[int32(fd)]; !ok {
		return
	}
	delete(l.readers, int32(fd))
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// run is the reactor goroutine until ctx is done or close is called.
func (l *loop) run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, l.close)
	defer stop()
	for !l.closed.Load() {
		l.r.Drain()
		now := time.Now()
		for len(l.timers) > 0 && !l.timers[0].At.After(now) && !l.closed.Load() {
			l.r.Fire(heap.Pop(&l.timers).(reactor.TimerRef))
		}
		if l.closed.Load() {
			break
		}
		wait := time.Duration(-1)
		if len(l.timers) > 0 {
			wait = max(time.Until(l.timers[0].At.Add(l.slack)), 0)
		}
		n, err := l.wait(wait)
		if err != nil {
			return err
		}
		for _, ev := range l.events[:n] {
			if ev.Fd == int32(l.efd) {
				var b [8]byte
				_, _ = unix.Read(l.efd, b[:])
				l.woken.Store(false)
				continue
			}
			if fn := l.readers[ev.Fd]; fn != nil {
				fn()
			}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// wait is epoll_pwait2 (nanosecond timeout; Linux 5.11) or epoll_wait
// (milliseconds, rounded up so that no timer runs early).
func (l *loop) wait(d time.Duration) (int, error) {
	for {
		var n int
		var err error
		if l.pwait2 {
			var tsp *unix.Timespec
			if d >= 0 {
				ts := unix.NsecToTimespec(d.Nanoseconds())
				tsp = &ts
			}
			r, _, e := unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(l.epfd), uintptr(unsafe.Pointer(&l.events[0])),
				uintptr(len(l.events)), uintptr(unsafe.Pointer(tsp)), 0, 0)
			n = int(r)
			if e != 0 {
				err = e
			}
			if errors.Is(err, unix.ENOSYS) {
				l.pwait2 = false
				continue
			}
		} else {
			ms := -1
			if d >= 0 {
				ms = int((d + time.Millisecond - 1) / time.Millisecond)
			}
			n, err = unix.EpollWait(l.epfd, l.events, ms)
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("epoll wait: %w", err)
		}
		return n, nil
	}
}

// close ends run (any goroutine).
func (l *loop) close() {
	l.closed.Store(true)
	l.r.Close()
	var one = [8]byte{1}
	_, _ = unix.Write(l.efd, one[:])
}

// release closes the descriptors once run has returned.
func (l *loop) release() {
	unix.Close(l.epfd)
	unix.Close(l.efd)
}

// refHeap orders timer references by deadline.
type refHeap []reactor.TimerRef

func (h refHeap) Len() int { return len(h) }
func (h refHeap) Less(i, j int) bool {
	if !h[i].At.Equal(h[j].At) {
		return h[i].At.Before(h[j].At)
	}
	return h[i].ID < h[j].ID
}
func (h refHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(x any)   { *h = append(*h, x.(reactor.TimerRef)) }
func (h *refHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}
