package linux

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel's process events connector (linux/connector.h, cn_proc.h),
// as keepalived's track_process.c uses it.
const (
	cnIdxProc          = 1 // CN_IDX_PROC
	cnValProc          = 1 // CN_VAL_PROC
	procCnMcastListen  = 1 // PROC_CN_MCAST_LISTEN
	procEventNone      = 0x00000000
	procEventFork      = 0x00000001
	procEventExec      = 0x00000002
	procEventComm      = 0x00000200
	procEventExit      = 0x80000000
	cnMsgLen           = 20 // struct cn_msg without data
	procEventHeaderLen = 16 // what, cpu, timestamp_ns
	commLen            = 16 // TASK_COMM_LEN
	procAckTimeout     = time.Second
)

// errNoConnector explains why the proc connector cannot be reached.
const errNoConnector = "the kernel's proc connector is not available in this network namespace " +
	"(it exists only in the initial network namespace; the kernel needs CONFIG_PROC_EVENTS)"

// ParamMatch is vrrp_track_process's param_match.
type ParamMatch uint8

const (
	// ParamNone: parameters are not compared.
	ParamNone ParamMatch = iota
	// ParamExact: the parameters are exactly the configured ones (the
	// default once parameters are configured).
	ParamExact
	// ParamPartial: the configured parameters are the first ones.
	ParamPartial
	// ParamInitial: as partial, but the last configured parameter need
	// only be the beginning of the process's parameter.
	ParamInitial
)

// ProcessMatch is one vrrp_track_process `process NAME [PARAMS...]`.
type ProcessMatch struct {
	// Name is compared with the process's comm (/proc/PID/comm, at most
	// 15 bytes) or, with FullCommand, with argv[0].
	Name   string
	Params []string
	// ParamMatch compares Params (full_command only).
	ParamMatch ParamMatch
	// FullCommand matches the command line instead of comm (keepalived
	// sets it when parameters or param_match are given).
	FullCommand bool
}

// params is keepalived's process_params: each parameter NUL-terminated.
func (m ProcessMatch) params() []byte {
	var b []byte
	for _, p := range m.Params {
		b = append(append(b, p...), 0)
	}
	return b
}

// Matches decides for one process, given its comm and its command line as
// /proc/PID/cmdline holds it (arguments NUL-terminated), as keepalived's
// check_process and check_params do.
func (m ProcessMatch) Matches(comm string, cmdline []byte) bool {
	if !m.FullCommand {
		return comm == m.Name
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	if string(argv0) != m.Name {
		return false
	}
	if m.ParamMatch == ParamNone {
		return true
	}
	var params []byte
	if len(cmdline) > len(argv0)+1 {
		params = cmdline[len(argv0)+1:]
	}
	want := m.params()
	if m.ParamMatch == ParamExact && len(want) == 0 && len(params) == 0 {
		return true
	}
	if len(params) < len(want) {
		return false
	}
	switch m.ParamMatch {
	case ParamExact:
		return bytes.Equal(params, want)
	case ParamPartial:
		return len(want) == 0 || bytes.Equal(params[:len(want)], want)
	default: // ParamInitial
		return len(want) <= 1 || bytes.Equal(params[:len(want)-1], want[:len(want)-1])
	}
}

// ProcEvent reports that a match's process count changed.
type ProcEvent struct {
	// Match indexes the ProcessMatch list given to OpenProcWatcher.
	Match int
	// Count is the number of matching processes now.
	Count int
	// PID is the process that came or went (0 after a rescan).
	PID int
}

// ProcStats counts the watcher's rescans.
type ProcStats struct {
	Events  uint64 // connector messages handled
	Rescans uint64 // /proc rescans after lost messages (ENOBUFS)
}

// ProcWatcher counts the processes matching each ProcessMatch, from an
// initial /proc scan and then the kernel's process events (fork, exec,
// comm change, exit). The proc connector exists only in the initial
// network namespace (and answers only processes of the initial PID and
// user namespaces): elsewhere OpenProcWatcher fails with a clear error.
type ProcWatcher struct {
	matches []ProcessMatch
	maxCmd  int
	f       *os.File
	rc      syscall.RawConn

	mu     sync.Mutex
	pids   map[int][]int // pid -> indexes of the matches it counts for
	counts []int
	events uint64
	rescan uint64
}

// OpenProcWatcher subscribes to process events and waits for the
// kernel's acknowledgement. rcvBuf sets SO_RCVBUF (keepalived's
// process_monitor_rcv_bufs); 0 keeps the default.
func OpenProcWatcher(matches []ProcessMatch, rcvBuf int) (*ProcWatcher, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_CONNECTOR)
	if errors.Is(err, unix.EPROTONOSUPPORT) {
		return nil, fmt.Errorf("track_process: %s: %w", errNoConnector, err)
	}
	if err != nil {
		return nil, fmt.Errorf("track_process: connector socket: %w", err)
	}
	w := &ProcWatcher{matches: slices.Clone(matches), pids: map[int][]int{}, counts: make([]int, len(matches))}
	for _, m := range matches {
		w.maxCmd = max(w.maxCmd, len(m.Name)+1+len(m.params()))
	}
	if err := w.setup(fd, rcvBuf); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("track_process: %w", err)
	}
	w.f = os.NewFile(uintptr(fd), "proc-connector")
	rc, err := w.f.SyscallConn()
	if err != nil {
		w.f.Close()
		return nil, fmt.Errorf("track_process: %w", err)
	}
	w.rc = rc
	if err := w.waitAck(); err != nil {
		w.f.Close()
		return nil, fmt.Errorf("track_process: %w", err)
	}
	return w, nil
}

func (w *ProcWatcher) setup(fd, rcvBuf int) error {
	if rcvBuf > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf); err != nil {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf); err != nil {
				return fmt.Errorf("SO_RCVBUF %d: %w", rcvBuf, err)
			}
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: cnIdxProc}); err != nil {
		return fmt.Errorf("bind to CN_IDX_PROC: %w", err)
	}
	// nlmsghdr (type NLMSG_DONE) + cn_msg + enum proc_cn_mcast_op.
	msg := make([]byte, unix.SizeofNlMsghdr+cnMsgLen+4)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], unix.NLMSG_DONE)
	ne.PutUint32(msg[12:], uint32(os.Getpid()))
	cn := msg[unix.SizeofNlMsghdr:]
	ne.PutUint32(cn[0:], cnIdxProc)
	ne.PutUint32(cn[4:], cnValProc)
	ne.PutUint16(cn[16:], 4)
	ne.PutUint32(cn[cnMsgLen:], procCnMcastListen)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		if errors.Is(err, unix.ECONNREFUSED) {
			// No connector on the kernel side of this namespace.
			return fmt.Errorf("%s: PROC_CN_MCAST_LISTEN: %w", errNoConnector, err)
		}
		return fmt.Errorf("PROC_CN_MCAST_LISTEN: %w", err)
	}
	return nil
}

// waitAck reads until the kernel acknowledges the subscription
// (PROC_EVENT_NONE with ack set; keepalived warns "the kernel does not
// support proc events" without it).
func (w *ProcWatcher) waitAck() error {
	if err := w.f.SetReadDeadline(time.Now().Add(procAckTimeout)); err != nil {
		return err
	}
	defer w.f.SetReadDeadline(time.Time{})
	buf := make([]byte, 1024)
	for {
		n, err := w.recv(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("no acknowledgement from the proc connector within %v (process events unsupported, or not in the initial PID/user namespace)", procAckTimeout)
		}
		if err != nil {
			return err
		}
		ev, ok := parseProcMsg(buf[:n])
		if ok && ev.what == procEventNone && ev.ack {
			if ev.ackErr != 0 {
				return fmt.Errorf("proc connector refused the subscription: %w", syscall.Errno(ev.ackErr))
			}
			return nil
		}
	}
}

// recv reads one datagram from the kernel.
func (w *ProcWatcher) recv(buf []byte) (int, error) {
	var n int
	var rerr error
	err := w.rc.Read(func(fd uintptr) bool {
		var from unix.Sockaddr
		n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
		if rerr == unix.EAGAIN || rerr == unix.EINTR {
			return false
		}
		if sa, ok := from.(*unix.SockaddrNetlink); rerr == nil && (!ok || sa.Pid != 0) {
			n = 0 // not from the kernel: ignore
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	return n, rerr
}

// Close ends the subscription; a Run in progress returns.
func (w *ProcWatcher) Close() error { return w.f.Close() }

// Counts returns the current count per match.
func (w *ProcWatcher) Counts() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.counts)
}

// Stats returns the watcher's counters.
func (w *ProcWatcher) Stats() ProcStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	return ProcStats{Events: w.events, Rescans: w.rescan}
}

// Run scans /proc, reports each match's initial count, then follows
// process events and reports every count change to fn, on the calling
// goroutine, until ctx is done or the watcher is closed (it then returns
// nil). Lost messages (ENOBUFS) trigger a rescan, whose changes are
// reported with PID 0.
func (w *ProcWatcher) Run(ctx context.Context, fn func(ProcEvent)) error {
	stop := context.AfterFunc(ctx, func() { _ = w.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	w.scan(fn, true)
	buf := make([]byte, 4096)
	for {
		n, err := w.recv(buf)
		if errors.Is(err, unix.ENOBUFS) {
			w.mu.Lock()
			w.rescan++
			w.mu.Unlock()
			w.scan(fn, false)
			continue
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("track_process: receive: %w", err)
		}
		ev, ok := parseProcMsg(buf[:n])
		if !ok {
			continue
		}
		w.mu.Lock()
		w.events++
		w.mu.Unlock()
		w.handle(ev, fn)
	}
}

// procMsg is the part of a proc connector message keepalived looks at.
type procMsg struct {
	what       uint32
	ack        bool
	ackErr     uint32
	pid, tgid  int // process (exec, comm, exit) or child (fork)
	parentTgid int // fork
	comm       string
}

func parseProcMsg(b []byte) (procMsg, bool) {
	var m procMsg
	ne := binary.NativeEndian
	if len(b) < unix.SizeofNlMsghdr+cnMsgLen+procEventHeaderLen {
		return m, false
	}
	if l := int(ne.Uint32(b[0:])); l < unix.SizeofNlMsghdr || l > len(b) {
		return m, false
	}
	if t := ne.Uint16(b[4:]); t == unix.NLMSG_ERROR || t == unix.NLMSG_NOOP {
		return m, false
	}
	cn := b[unix.SizeofNlMsghdr:]
	if ne.Uint32(cn[0:]) != cnIdxProc || ne.Uint32(cn[4:]) != cnValProc {
		return m, false
	}
	m.ack = ne.Uint32(cn[12:]) != 0
	ev := cn[cnMsgLen:]
	m.what = ne.Uint32(ev[0:])
	// keepalived: "PROC_EVENT_NONE is an ack, otherwise not an ack".
	if (m.what == procEventNone) != m.ack {
		return m, false
	}
	d := ev[procEventHeaderLen:]
	u32 := func(off int) (int, bool) {
		if len(d) < off+4 {
			return 0, false
		}
		return int(ne.Uint32(d[off:])), true
	}
	var ok1, ok2, ok3 bool
	switch m.what {
	case procEventNone:
		e, ok := u32(0)
		m.ackErr = uint32(e)
		return m, ok
	case procEventFork:
		m.parentTgid, ok1 = u32(4)
		m.pid, ok2 = u32(8)
		m.tgid, ok3 = u32(12)
		return m, ok1 && ok2 && ok3
	case procEventExec, procEventExit:
		m.pid, ok1 = u32(0)
		m.tgid, ok2 = u32(4)
		return m, ok1 && ok2
	case procEventComm:
		m.pid, ok1 = u32(0)
		m.tgid, ok2 = u32(4)
		if !ok1 || !ok2 || len(d) < 8+commLen {
			return m, false
		}
		c, _, _ := bytes.Cut(d[8:8+commLen], []byte{0})
		m.comm = string(c)
		return m, true
	}
	return m, false
}

func (w *ProcWatcher) handle(ev procMsg, fn func(ProcEvent)) {
	// Threads are not processes: keepalived ignores events where the
	// thread id differs from the thread group id.
	if ev.pid != ev.tgid {
		return
	}
	pid := ev.tgid
	switch ev.what {
	case procEventFork:
		// A forked child of a counted process counts for the same matches.
		w.mu.Lock()
		idx := slices.Clone(w.pids[ev.parentTgid])
		w.mu.Unlock()
		for _, i := range idx {
			w.add(pid, i, fn)
		}
	case procEventExec:
		w.check(pid, "", false, fn)
	case procEventComm:
		w.check(pid, ev.comm, true, fn)
	case procEventExit:
		w.mu.Lock()
		idx := slices.Clone(w.pids[pid])
		w.mu.Unlock()
		for _, i := range idx {
			w.remove(pid, i, fn)
		}
	}
}

// check re-reads one process (keepalived check_process): it now counts
// for exactly the matches it satisfies. A comm change only concerns the
// matches on comm.
func (w *ProcWatcher) check(pid int, comm string, commOnly bool, fn func(ProcEvent)) {
	var cmdline []byte
	if !commOnly {
		var ok bool
		comm, cmdline, ok = w.read(pid)
		if !ok {
			return // gone already: its exit event does the rest
		}
	}
	for i, m := range w.matches {
		if commOnly && m.FullCommand {
			continue
		}
		if m.Matches(comm, cmdline) {
			w.add(pid, i, fn)
		} else {
			w.remove(pid, i, fn)
		}
	}
}

// read returns a process's comm and the start of its command line (as
// much as the longest match needs, plus two bytes, as keepalived reads).
func (w *ProcWatcher) read(pid int) (string, []byte, bool) {
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return "", nil, false
	}
	comm, state, ok := parseStat(b)
	if !ok || state == 'Z' || state == 'X' {
		return "", nil, false
	}
	var cmdline []byte
	if w.maxCmd > 0 {
		f, err := os.Open(dir + "/cmdline")
		if err != nil {
			return "", nil, false
		}
		cmdline = make([]byte, w.maxCmd+2)
		n, _ := f.Read(cmdline)
		f.Close()
		cmdline = cmdline[:n]
	}
	return comm, cmdline, true
}

func (w *ProcWatcher) add(pid, i int, fn func(ProcEvent)) {
	w.mu.Lock()
	if slices.Contains(w.pids[pid], i) {
		w.mu.Unlock()
		return
	}
	w.pids[pid] = append(w.pids[pid], i)
	w.counts[i]++
	ev := ProcEvent{Match: i, Count: w.counts[i], PID: pid}
	w.mu.Unlock()
	fn(ev)
}

func (w *ProcWatcher) remove(pid, i int, fn func(ProcEvent)) {
	w.mu.Lock()
	idx := w.pids[pid]
	k := slices.Index(idx, i)
	if k < 0 {
		w.mu.Unlock()
		return
	}
	idx = slices.Delete(idx, k, k+1)
	if len(idx) == 0 {
		delete(w.pids, pid)
	} else {
		w.pids[pid] = idx
	}
	w.counts[i]--
	ev := ProcEvent{Match: i, Count: w.counts[i], PID: pid}
	w.mu.Unlock()
	fn(ev)
}

// scan rebuilds the table from /proc (keepalived read_procs) and reports
// each match whose count differs from before (every match when initial).
func (w *ProcWatcher) scan(fn func(ProcEvent), initial bool) {
	ents, _ := os.ReadDir("/proc")
	pids := map[int][]int{}
	counts := make([]int, len(w.matches))
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		comm, cmdline, ok := w.read(pid)
		if !ok {
			continue
		}
		for i, m := range w.matches {
			if m.Matches(comm, cmdline) {
				pids[pid] = append(pids[pid], i)
				counts[i]++
			}
		}
	}
	w.mu.Lock()
	old := w.counts
	w.pids, w.counts = pids, counts
	w.mu.Unlock()
	for i := range counts {
		if initial || counts[i] != old[i] {
			fn(ProcEvent{Match: i, Count: counts[i]})
		}
	}
}

// parseStat returns comm and state from /proc/PID/stat: "pid (comm) S ...".
// comm may itself contain ')' — the last one ends it.
func parseStat(b []byte) (string, byte, bool) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 0 || end < open || end+2 >= len(b) {
		return "", 0, false
	}
	return string(b[open+1 : end]), b[end+2], true
}
