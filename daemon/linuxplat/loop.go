package linuxplat

import (
	"container/heap"
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon/reactor"
)

// loop drives the platform's reactor from one goroutine, as keepalived's
// scheduler runs its thread: the receive sockets (opened raw, outside
// Go's netpoller) and an eventfd for work posted from other goroutines
// (the netlink monitor, script waiters, signals) sit in one epoll set;
// the goroutine reads what is ready on the reactor goroutine itself and
// runs the timers, whose next deadline is a timerfd in the same set. It
// waits through Go's netpoller on the epoll descriptor, and makes its
// non-blocking system calls (epoll_wait with no timeout, recvmsg,
// sendmsg, the eventfd and timerfd) raw, so that a datagram or a timer
// costs one goroutine wake-up and no runtime timer or system-call
// bookkeeping: both wake the runtime's sysmon thread, which with a
// goroutine per socket, a goroutine blocked in epoll_wait or a read
// deadline per timer cost two to three times keepalived's CPU with
// 1,000 instances (docs/operations.md).
//
// It is the reactor's Host (reactor.NewVirtual), on the system clock.
type loop struct {
	r      *reactor.Reactor
	epfd   int
	ep     *os.File // epfd, registered with Go's netpoller
	rc     syscall.RawConn
	efd    int
	tfd    int         // timerfd: the next deadline
	woken  atomic.Bool // an eventfd write is pending
	closed atomic.Bool
	timers refHeap
	// slack is how late a timer may run so that timers due close
	// together share one wake-up.
	slack   time.Duration
	readers map[int32]func() // reactor goroutine only
	events  []unix.EpollEvent
	n       int
	calls   int  // pollOnce calls of this wait
	busy    bool // the last wait found events at once
	perr    error
	// deadline is what tfd is armed for (zero: disarmed).
	deadline time.Time
	poll     func(fd uintptr) bool
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
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		unix.Close(efd)
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	fail := func(err error) (*loop, error) {
		unix.Close(epfd)
		unix.Close(efd)
		unix.Close(tfd)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	for _, fd := range []int{efd, tfd} {
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
			return fail(err)
		}
	}
	// Non-blocking, so that os.NewFile hands it to the netpoller.
	if err := unix.SetNonblock(epfd, true); err != nil {
		return fail(err)
	}
	l := &loop{epfd: epfd, efd: efd, tfd: tfd, slack: slack, readers: map[int32]func(){}, events: make([]unix.EpollEvent, 64)}
	l.ep = os.NewFile(uintptr(epfd), "epoll")
	if l.rc, err = l.ep.SyscallConn(); err != nil {
		l.ep.Close()
		unix.Close(efd)
		unix.Close(tfd)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	l.poll = l.pollOnce
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
	rawWrite8(l.efd)
}

// rawWrite8 adds one to an eventfd (a raw call: it never blocks).
func rawWrite8(fd int) {
	one := [8]byte{1}
	_, _, _ = unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&one[0])), 8)
}

// rawRead8 empties an eventfd or a timerfd.
func rawRead8(fd int) {
	var b [8]byte
	_, _, _ = unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), 8)
}

// arm sets the timerfd to deadline (zero disarms it), if it changed.
func (l *loop) arm(deadline time.Time) error {
	if deadline.Equal(l.deadline) {
		return nil
	}
	var spec unix.ItimerSpec
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			d = 1 // zero would disarm it
		}
		spec.Value = unix.NsecToTimespec(d.Nanoseconds())
	}
	_, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(l.tfd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("timerfd: %w", errno)
	}
	l.deadline = deadline
	return nil
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
		var deadline time.Time
		if len(l.timers) > 0 {
			deadline = l.timers[0].At.Add(l.slack)
		}
		if err := l.arm(deadline); err != nil {
			return err
		}
		l.n, l.calls = 0, 0
		err := l.rc.Read(l.poll)
		// Events ready at the first look, without waiting: a burst.
		l.busy = l.calls == 1
		if err == nil {
			err = l.perr
		}
		if err != nil {
			if l.closed.Load() {
				break
			}
			return fmt.Errorf("epoll: %w", err)
		}
		for _, ev := range l.events[:l.n] {
			switch ev.Fd {
			case int32(l.efd):
				rawRead8(l.efd)
				l.woken.Store(false)
				continue
			case int32(l.tfd):
				// Expired: it must be armed again, even for the same time.
				rawRead8(l.tfd)
				l.deadline = time.Time{}
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

// pollOnce is the netpoller's read callback: what epoll has ready now,
// without waiting (false: nothing, wait for the descriptor).
func (l *loop) pollOnce(fd uintptr) bool {
	l.calls++
	r, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, fd, uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), 0, 0, 0)
	if errno == unix.EINTR {
		return false
	}
	l.n, l.perr = int(r), nil
	if errno != 0 {
		l.n, l.perr = 0, errno
	}
	return l.n > 0 || l.perr != nil
}

// close ends run (any goroutine).
func (l *loop) close() {
	l.closed.Store(true)
	l.r.Close()
	rawWrite8(l.efd)
}

// release closes the descriptors once run has returned.
func (l *loop) release() {
	l.ep.Close()
	unix.Close(l.efd)
	unix.Close(l.tfd)
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
