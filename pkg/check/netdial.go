package check

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// NetDialer is the real host's Dialer: the process's own network stack,
// with bindto / bind_port, bind_if (SO_BINDTODEVICE) and fwmark (SO_MARK).
// PING_CHECK needs a raw socket (root or CAP_NET_RAW).
type NetDialer struct{}

var _ Dialer = NetDialer{}

func (NetDialer) DialContext(ctx context.Context, network string, opt DialOpts, dst netip.AddrPort) (net.Conn, error) {
	d := net.Dialer{}
	addr := dst.String()
	switch network {
	case "tcp", "tcp4", "tcp6":
		if opt.Src.IsValid() {
			d.LocalAddr = net.TCPAddrFromAddrPort(opt.Src)
		}
	case "udp", "udp4", "udp6":
		if opt.Src.IsValid() {
			d.LocalAddr = net.UDPAddrFromAddrPort(opt.Src)
		}
	default:
		addr = dst.Addr().String()
		if opt.Src.IsValid() {
			d.LocalAddr = &net.IPAddr{IP: opt.Src.Addr().AsSlice()}
		}
	}
	if opt.Mark != 0 || opt.Iface != "" {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				if opt.Mark != 0 {
					if e := unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(opt.Mark)); e != nil {
						serr = fmt.Errorf("SO_MARK %d: %w", opt.Mark, e)
						return
					}
				}
				if opt.Iface != "" {
					if e := unix.BindToDevice(int(fd), opt.Iface); e != nil {
						serr = fmt.Errorf("SO_BINDTODEVICE %s: %w", opt.Iface, e)
					}
				}
			})
			if err != nil {
				return err
			}
			return serr
		}
	}
	return d.DialContext(ctx, network, addr)
}

// RunnerFunc adapts a function to ScriptRunner.
type RunnerFunc func(ctx context.Context, c Command, timeout time.Duration) ScriptResult

func (f RunnerFunc) Run(ctx context.Context, c Command, timeout time.Duration) ScriptResult {
	return f(ctx, c, timeout)
}
