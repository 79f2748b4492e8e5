package linuxplat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/daemon/linux"
	"github.com/gokeepalived/gokeepalived/daemon/reactor"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// Defaults of Options.
const (
	// readBatch is how many datagrams one readable socket may hand the
	// driver before the loop looks at its timers and other sockets again:
	// a flood on one socket cannot starve the rest. What the loop does
	// not read waits in (and, past SO_RCVBUF, is dropped by) the kernel:
	// a flood costs bounded memory.
	readBatch = 32
	// DefaultMaxNotify bounds the notify scripts running at once: a notify
	// script that hangs (keepalived never times them out) must not let
	// processes pile up with every transition.
	DefaultMaxNotify = 64
)

// Options configures a Platform.
type Options struct {
	// Namespace is the network namespace the platform works in; nil means
	// the process's own. The caller keeps it open while the platform runs.
	Namespace *netns.NsHandle
	// Log receives the platform's messages; nil discards.
	Log *slog.Logger
	// OnReport, when set, sees every driver report after the platform
	// counted it, on the reactor goroutine (the worker writes its state
	// record from it).
	OnReport func(daemon.Report)
	// TimerSlack lets timers due within it share one wake-up (they run
	// up to TimerSlack late); 0 runs each at its deadline.
	TimerSlack time.Duration
	// MaxNotify: see DefaultMaxNotify; 0 means the default.
	MaxNotify int
	// MonitorRcvBuf is the netlink monitor socket's SO_RCVBUF
	// (vrrp_netlink_monitor_rcv_bufs); 0 keeps the kernel default.
	MonitorRcvBuf int
}

// Platform is daemon.Platform on Linux. Its methods must be called on
// the reactor goroutine (the driver does), except New, Start, Ready,
// Close and the accessors documented as goroutine-safe.
type Platform struct {
	opt  Options
	r    *reactor.Reactor
	loop *loop
	log  *slog.Logger
	ns   netns.NsHandle // private copy, or netns.None()
	nl   *linux.Netlink

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// notifyCtx is not cancelled by Close: notify_stop scripts started by
	// the driver's Stop get EndNotify's grace to finish, then end with
	// the process, as keepalived's children do (PR_SET_PDEATHSIG).
	notifyCtx     context.Context
	notifyCancel  context.CancelFunc
	notifyWG      sync.WaitGroup
	notifyRunning atomic.Int32

	ready     chan struct{}
	readyOnce sync.Once
	monErr    chan error

	// Reactor goroutine only.
	in      daemon.Inputs
	files   fileInputs
	cfg     *config.Config
	links   map[string]linkInfo
	recvs   map[recvKey]*receiver
	sends   map[sendKey]*linux.Sender
	ann     *linux.Announcer
	fwd     map[string]bool
	users   map[string]userEntry
	secure  map[string]scriptCheck
	static  staticState
	watcher *linux.FileWatcher
	fifos   []*notifyFIFO
	fifoCfg [4]string // the FIFO settings the fifos were opened with
	stats   Stats
	dgram   linux.Datagram // the receive path's, reused
	rxbuf   []byte

	monitor *linux.Monitor
}

// fileInputs is what a driver offers beyond daemon.Inputs: pushed
// track_file changes (daemon.Driver.FileChanged).
type fileInputs interface {
	FileChanged(path string)
}

// linkInfo is what the platform knows of an interface, from the monitor.
type linkInfo struct {
	index int
	up    bool
	mac   net.HardwareAddr
}

var _ daemon.Platform = (*Platform)(nil)

// New builds a platform and its reactor (Reactor), driven by Run; nothing
// runs until Start. The netlink handle is opened in the namespace.
func New(opt Options) (*Platform, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.MaxNotify <= 0 {
		opt.MaxNotify = DefaultMaxNotify
	}
	lp, err := newLoop(opt.TimerSlack)
	if err != nil {
		return nil, fmt.Errorf("linux platform: %w", err)
	}
	p := &Platform{opt: opt, r: lp.r, loop: lp, log: opt.Log, ns: netns.None(),
		ready: make(chan struct{}), monErr: make(chan error, 1),
		links: map[string]linkInfo{}, recvs: map[recvKey]*receiver{}, sends: map[sendKey]*linux.Sender{},
		fwd: map[string]bool{}, users: map[string]userEntry{}, secure: map[string]scriptCheck{}}
	p.stats.init()
	if opt.Namespace != nil {
		fd, derr := unix.FcntlInt(uintptr(*opt.Namespace), unix.F_DUPFD_CLOEXEC, 0)
		if derr != nil {
			lp.release()
			return nil, fmt.Errorf("linux platform: duplicate namespace handle: %w", derr)
		}
		p.ns = netns.NsHandle(fd)
		p.nl, err = linux.NewNetlinkAt(p.ns)
	} else {
		p.nl, err = linux.NewNetlink()
	}
	if err != nil {
		p.closeNS()
		lp.release()
		return nil, fmt.Errorf("linux platform: %w", err)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.notifyCtx, p.notifyCancel = context.WithCancel(context.Background())
	return p, nil
}

func (p *Platform) closeNS() {
	if p.ns.IsOpen() {
		p.ns.Close()
	}
}

// inNS runs fn in the platform's namespace (directly when it is the
// process's own).
func (p *Platform) inNS(fn func() error) error {
	if !p.ns.IsOpen() {
		return fn()
	}
	return linux.InNamespace(p.ns, fn)
}

// Reactor is the platform's reactor: everything the driver does runs on
// it, driven by Run.
func (p *Platform) Reactor() *reactor.Reactor { return p.r }

// Run drives the reactor on the calling goroutine until ctx is done or
// Stop is called: the receive sockets, the timers and the posted work.
func (p *Platform) Run(ctx context.Context) error { return p.loop.run(ctx) }

// Stop ends Run (any goroutine).
func (p *Platform) Stop() { p.loop.close() }

// Start starts the netlink monitor. Ready is closed once its first view
// of the links and addresses has reached the reactor.
func (p *Platform) Start() {
	mcfg := linux.MonitorConfig{Log: p.log, RcvBuf: p.opt.MonitorRcvBuf}
	if p.ns.IsOpen() {
		ns := p.ns
		mcfg.Namespace = &ns
	}
	p.monitor = linux.NewMonitor(mcfg)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		err := p.monitor.Run(p.ctx, func(ev linux.Event) { p.r.Post(func() { p.onEvent(ev) }) })
		if err != nil {
			p.log.Error("netlink monitor stopped", "err", err)
			select {
			case p.monErr <- err:
			default:
			}
		}
	}()
}

// Ready is closed when the platform knows the interfaces (the driver may
// be built then: it asks for link states and addresses).
func (p *Platform) Ready() <-chan struct{} { return p.ready }

// MonitorFailed delivers the error that ended the netlink monitor, if it
// ever ends before Close.
func (p *Platform) MonitorFailed() <-chan error { return p.monErr }

// Attach hands the platform the driver it feeds; call it on the reactor
// before the driver starts. A driver offering FileChanged gets pushed
// track_file changes.
func (p *Platform) Attach(in daemon.Inputs) {
	p.in = in
	if f, ok := in.(fileInputs); ok {
		p.files = f
	}
}

// Configure opens the receive sockets cfg needs and closes those it does
// not need any more, and watches its track_file files. Call it on the
// reactor before the driver is built (New asks for addresses) and after
// every successful reload.
func (p *Platform) Configure(cfg *config.Config) {
	p.cfg = cfg
	p.configureReceivers(cfg)
	p.configureFiles(cfg)
	g := &cfg.Global
	if fc := [4]string{g.NotifyFIFO, g.NotifyFIFOScript, g.VRRPNotifyFIFO, g.VRRPNotifyFIFOScript}; fc != p.fifoCfg {
		p.fifoCfg = fc
		p.openFIFOs(cfg)
	}
}

// Close stops every watcher, closes every socket and waits for the
// goroutines; the notify scripts still running get up to notifyGrace to
// end, then are killed. Call it after Run has returned.
func (p *Platform) Close(notifyGrace time.Duration) {
	p.cancel()
	for k, rc := range p.recvs {
		p.closeReceiver(rc)
		delete(p.recvs, k)
	}
	for k, s := range p.sends {
		s.Close()
		delete(p.sends, k)
	}
	if p.ann != nil {
		p.ann.Close()
		p.ann = nil
	}
	if p.watcher != nil {
		p.watcher.Close()
		p.watcher = nil
	}
	p.closeFIFOs()
	p.wg.Wait()
	// Notify scripts fork in the namespace: it stays open until they end.
	p.endNotify(notifyGrace)
	p.nl.Close()
	p.closeNS()
	p.loop.release()
}

// endNotify gives the running notify scripts up to grace to end, then
// kills what is left (their process groups) and waits for them.
func (p *Platform) endNotify(grace time.Duration) {
	ch := make(chan struct{})
	go func() { p.notifyWG.Wait(); close(ch) }()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
		p.notifyCancel()
		<-ch
	}
	p.notifyCancel()
}

// NotifyRunning is how many notify scripts are running (goroutine-safe).
func (p *Platform) NotifyRunning() int { return int(p.notifyRunning.Load()) }

// onEvent applies one monitor event on the reactor and tells the driver.
func (p *Platform) onEvent(ev linux.Event) {
	switch ev.Kind {
	case linux.LinkChanged:
		name := ev.Link.Name
		old, had := p.links[name]
		now := linkInfo{index: ev.Link.Index, up: ev.Link.Up(), mac: ev.Link.HardwareAddr}
		p.links[name] = now
		if had && old.index != now.index {
			// Deleted and re-created without us seeing the deletion (a
			// resynchronisation): sockets bound to the old one are dead.
			p.dropSockets(name)
		}
		if !had || old.index != now.index || (!old.up && now.up) {
			p.retryReceivers(name)
		}
		if p.in != nil && (!had || old.up != now.up) {
			p.in.LinkChanged(name, now.up)
		}
	case linux.LinkDeleted:
		name := ev.Link.Name
		cur, ok := p.links[name]
		if !ok || cur.index != ev.Link.Index {
			return
		}
		delete(p.links, name)
		p.dropSockets(name)
		p.log.Info(fmt.Sprintf("Netlink reports %s removed", name))
		if p.in != nil {
			p.in.LinkChanged(name, false)
		}
	case linux.AddrAdded:
		if ev.Link.Name != "" {
			p.retryReceivers(ev.Link.Name)
			if p.in != nil {
				// An instance without an advert source leaves FAULT
				// when its interface gains an address.
				p.in.AddressAdded(ev.Link.Name, ev.Addr)
			}
		}
	case linux.AddrDeleted:
		if p.in != nil && ev.Link.Name != "" {
			p.in.AddressDeleted(ev.Link.Name, ev.Addr)
		}
	case linux.Synced:
		p.readyOnce.Do(func() { close(p.ready) })
	}
}

// ifindex resolves an interface name: from the monitor's view, else by
// asking the kernel (an interface the monitor has not reported yet).
func (p *Platform) ifindex(name string) (int, error) {
	if l, ok := p.links[name]; ok {
		return l.index, nil
	}
	idx, err := p.nl.LinkIndex(name)
	if err != nil {
		return 0, fmt.Errorf("interface %s: %w", name, errNoIface)
	}
	return idx, nil
}

var errNoIface = errors.New("no such interface")

// LinkUp is keepalived's FLAGS_UP (IFF_UP and IFF_RUNNING) from the
// monitor's view.
func (p *Platform) LinkUp(iface string) (bool, error) {
	l, ok := p.links[iface]
	if !ok {
		return false, fmt.Errorf("interface %s: %w", iface, errNoIface)
	}
	return l.up, nil
}

// PrimaryAddr is the interface's first IPv4 address that is neither a
// secondary nor a configured VIP, or its first IPv6 link-local address.
func (p *Platform) PrimaryAddr(iface string, ipv6 bool) (netip.Addr, error) {
	idx, err := p.ifindex(iface)
	if err != nil {
		return netip.Addr{}, err
	}
	addrs, err := p.nl.Addrs(idx)
	if err != nil {
		return netip.Addr{}, err
	}
	vips := p.configuredAddrs()
	for _, a := range addrs {
		ip := a.Prefix.Addr()
		if vips[ip] {
			continue
		}
		if !ipv6 && ip.Is4() && a.Flags&unix.IFA_F_SECONDARY == 0 {
			return ip, nil
		}
		if ipv6 && ip.Is6() && ip.IsLinkLocalUnicast() {
			return ip, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("interface %s has no %s address", iface, map[bool]string{false: "IPv4", true: "IPv6 link-local"}[ipv6])
}

// configuredAddrs are the VIPs and eVIPs of every instance.
func (p *Platform) configuredAddrs() map[netip.Addr]bool {
	out := map[netip.Addr]bool{}
	if p.cfg == nil {
		return out
	}
	for _, in := range p.cfg.Instances {
		for _, v := range in.VIPs {
			out[v.Prefix.Addr()] = true
		}
		for _, v := range in.EVIPs {
			out[v.Prefix.Addr()] = true
		}
	}
	return out
}

// dropSockets closes the sockets bound to iface (it went away); receivers
// stay wanted and are opened again when it comes back.
func (p *Platform) dropSockets(iface string) {
	for _, rc := range p.recvs {
		if rc.key.iface == iface && rc.r != nil {
			p.closeReceiver(rc)
			rc.pending = "interface removed"
		}
	}
	for k, s := range p.sends {
		if k.iface == iface {
			s.Close()
			delete(p.sends, k)
		}
	}
	delete(p.fwd, iface)
}

// Now is the reactor's clock (the system clock, monotonic readings
// included).
func (p *Platform) Now() time.Time { return p.r.Now() }

// AfterFunc is the reactor's timer.
func (p *Platform) AfterFunc(at time.Time, fn func()) (cancel func()) { return p.r.AfterFunc(at, fn) }
