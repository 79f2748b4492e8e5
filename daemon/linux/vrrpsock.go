package linux

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// VRRP sockets as keepalived 2.2.7 opens them (vrrp.c
// open_vrrp_read_socket / open_vrrp_send_socket, vrrp_if.c
// if_setsockopt_*): one receive socket and one send socket per
// (family, protocol, interface, multicast group or unicast source).

const (
	// DefaultMaxDatagram bounds one received datagram. The largest advert
	// is IPv6 with 255 addresses (8 + 255×16 = 4088 bytes of VRRP); IPv4
	// with AH and 255 addresses is 1,120 bytes with a full options header.
	// Anything longer is counted as truncated and dropped.
	DefaultMaxDatagram = 8192

	// tosNetControl is IPTOS_PREC_INTERNETCONTROL, the IPv4 TOS / IPv6
	// traffic class keepalived sets on its send socket
	// (if_setsockopt_priority; the IP_TOS option also sets the socket
	// priority the qdisc sees).
	tosNetControl = vrrp.TOSInternetControl
	// hopLimitVRRP is RFC 5798 §5.1.1.3: TTL / hop limit 255.
	hopLimitVRRP = vrrp.TTLRequired
	// ipv6ChecksumOffset is where the VRRP checksum sits (IPV6_CHECKSUM:
	// the kernel fills it on send and verifies it on receive, dropping a
	// bad one silently; keepalived sets it on both sockets).
	ipv6ChecksumOffset = 6
	// oobSize holds IPV6_PKTINFO + IPV6_HOPLIMIT + IPV6_TCLASS (80 bytes
	// on 64-bit) or IP_PKTINFO, with room to spare.
	oobSize = 128
)

// ReceiverConfig says which adverts a Receiver receives.
type ReceiverConfig struct {
	// Ifname is the interface the socket is bound to (SO_BINDTODEVICE)
	// and joins the group on. Required.
	Ifname string
	// IPv6 selects an AF_INET6 socket.
	IPv6 bool
	// Proto is the IP protocol: 112 (VRRP, the default when 0), or 51 for
	// an IPv4 instance with auth_type AH (keepalived opens IPPROTO_AH).
	Proto int
	// Group is the multicast group (vrrp_mcast_group4/6); zero means
	// 224.0.0.18 / ff02::12. Ignored for a unicast socket.
	Group netip.Addr
	// UnicastSrc makes a unicast socket: bound to this local address
	// (unicast_src_ip), no group joined. Zero: a multicast socket, bound
	// to the group address so unicast datagrams are not delivered to it.
	UnicastSrc netip.Addr
	// RcvBuf sets SO_RCVBUF (vrrp_rx_bufs_*); 0 keeps the kernel default.
	RcvBuf int
	// MaxDatagram is the receive buffer; 0 means DefaultMaxDatagram.
	MaxDatagram int
}

// Datagram is one received advert datagram. It is valid until the next
// read: Data aliases the Receiver's buffer.
type Datagram struct {
	IPv6 bool
	// Ifindex is the interface it arrived on (IP_PKTINFO/IPV6_PKTINFO).
	Ifindex int
	// Src and Dst are the IP source and destination. For IPv6, Dst comes
	// from IPV6_PKTINFO.
	Src, Dst netip.Addr
	// TTL is the IPv4 TTL or the IPv6 hop limit (IPV6_HOPLIMIT).
	TTL uint8
	// TOS is the IPv4 TOS or the IPv6 traffic class (IPV6_TCLASS).
	TOS uint8
	// CtrlTruncated reports that the kernel truncated the ancillary data
	// (MSG_CTRUNC): for IPv6, Dst, TTL, TOS and Ifindex may then be zero.
	// keepalived goes on with the datagram in that case; so may the caller.
	CtrlTruncated bool
	// Data is the whole IPv4 datagram (IP header, AH if any, VRRP) or,
	// for IPv6, the VRRP message (raw IPv6 sockets never deliver the
	// header; see AppendPacket).
	Data []byte
}

// AppendPacket appends the datagram as a whole IP packet to b: IPv4 as
// received, IPv6 behind a 40-byte header rebuilt from Src, Dst, TTL and
// TOS (next header 112), so vrrp.ParsePacket reads both families alike.
func (d *Datagram) AppendPacket(b []byte) []byte {
	if !d.IPv6 {
		return append(b, d.Data...)
	}
	var h [40]byte
	binary.BigEndian.PutUint32(h[0:4], 6<<28|uint32(d.TOS)<<20)
	binary.BigEndian.PutUint16(h[4:6], uint16(len(d.Data)))
	h[6] = vrrp.IPProtoVRRP
	h[7] = d.TTL
	src, dst := d.Src.As16(), d.Dst.As16()
	copy(h[8:24], src[:])
	copy(h[24:40], dst[:])
	b = append(b, h[:]...)
	return append(b, d.Data...)
}

// ReceiverStats counts what a Receiver dropped or flagged.
type ReceiverStats struct {
	Datagrams     uint64 // delivered
	Truncated     uint64 // longer than MaxDatagram (MSG_TRUNC): dropped
	CtrlTruncated uint64 // ancillary data truncated (MSG_CTRUNC): delivered
	Malformed     uint64 // IPv4 datagram without a valid IP header: dropped
}

// Receiver is a raw VRRP receive socket.
type Receiver struct {
	cfg     ReceiverConfig
	ifindex int
	f       *os.File
	rc      syscall.RawConn
	fd      int // OpenReceiverRaw's descriptor, else -1

	// recvmsg state, reused: the hot path allocates nothing.
	buf    []byte
	oob    []byte
	name   unix.RawSockaddrInet6
	iov    unix.Iovec
	msg    unix.Msghdr
	readFn func(fd uintptr) bool
	n      int
	flags  int
	rerr   error

	datagrams, truncated, ctrunc, malformed atomic.Uint64
}

// OpenReceiver opens a receive socket in the calling thread's network
// namespace (see InNamespace) with keepalived's options: SO_RCVBUF when
// set, IP(V6)_MULTICAST_ALL off, SO_BINDTODEVICE, the group joined on the
// interface by index and the socket bound to the group (or bound to
// UnicastSrc), IP_PKTINFO for IPv4, IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
// IPV6_RECVTCLASS and IPV6_CHECKSUM for IPv6.
func OpenReceiver(cfg ReceiverConfig) (*Receiver, error) { return openReceiver(cfg, false) }

// OpenReceiverRaw is OpenReceiver for a caller that polls the socket
// itself (one goroutine's epoll loop, as keepalived's scheduler does):
// the descriptor is not registered with Go's netpoller, so a datagram
// wakes only that loop. Use Fd to poll it, ReadNonblock to read and Close
// to close; Run and Read are not available.
func OpenReceiverRaw(cfg ReceiverConfig) (*Receiver, error) { return openReceiver(cfg, true) }

func openReceiver(cfg ReceiverConfig, raw bool) (*Receiver, error) {
	if cfg.Proto == 0 {
		cfg.Proto = vrrp.IPProtoVRRP
	}
	if cfg.MaxDatagram <= 0 {
		cfg.MaxDatagram = DefaultMaxDatagram
	}
	where := fmt.Sprintf("vrrp receive socket on %s (IPv%d, proto %d)", cfg.Ifname, ipVersion(cfg.IPv6), cfg.Proto)
	if err := checkProto(cfg.Proto, cfg.IPv6); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	unicast := cfg.UnicastSrc.IsValid()
	if unicast && cfg.UnicastSrc.Unmap().Is4() == cfg.IPv6 {
		return nil, fmt.Errorf("%s: unicast source %s is not an IPv%d address", where, cfg.UnicastSrc, ipVersion(cfg.IPv6))
	}
	group := cfg.Group
	if !unicast {
		if !group.IsValid() {
			group = vrrp.MulticastGroup(cfg.IPv6)
		}
		if !group.IsMulticast() || group.Unmap().Is4() == cfg.IPv6 {
			return nil, fmt.Errorf("%s: group %s is not an IPv%d multicast address", where, group, ipVersion(cfg.IPv6))
		}
	}
	ifi, err := net.InterfaceByName(cfg.Ifname)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	fd, err := rawSocket(cfg.IPv6, cfg.Proto)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	r := &Receiver{cfg: cfg, ifindex: ifi.Index}
	if err := r.setup(fd, ifi.Index, group); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if raw {
		r.fd = fd
	} else {
		r.fd = -1
		r.f = os.NewFile(uintptr(fd), "vrrp-recv-"+cfg.Ifname)
		if r.rc, err = r.f.SyscallConn(); err != nil {
			r.f.Close()
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	r.buf = make([]byte, cfg.MaxDatagram)
	r.oob = make([]byte, oobSize)
	r.iov.Base = &r.buf[0]
	r.iov.SetLen(len(r.buf))
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	r.readFn = r.recvmsg
	return r, nil
}

func (r *Receiver) setup(fd, ifindex int, group netip.Addr) error {
	cfg := r.cfg
	if cfg.RcvBuf > 0 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, cfg.RcvBuf); err != nil {
			return fmt.Errorf("SO_RCVBUF %d: %w", cfg.RcvBuf, err)
		}
	}
	if err := setMulticastAll(fd, cfg.IPv6); err != nil {
		return err
	}
	// Bind to the device before binding the address: an IPv6 link-local
	// group or source needs the scope the device gives it.
	if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, cfg.Ifname); err != nil {
		return fmt.Errorf("SO_BINDTODEVICE %s: %w", cfg.Ifname, err)
	}
	bindTo := cfg.UnicastSrc
	if !bindTo.IsValid() {
		if err := joinGroup(fd, cfg.IPv6, ifindex, group); err != nil {
			return err
		}
		// keepalived: "Binding to the multicast address stops us
		// receiving unicast pkts when we are only interested in multicast."
		bindTo = group
	}
	if err := unix.Bind(fd, sockaddr(bindTo, ifindex)); err != nil {
		return fmt.Errorf("bind %s: %w", bindTo, err)
	}
	if !cfg.IPv6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_PKTINFO, 1); err != nil {
			return fmt.Errorf("IP_PKTINFO: %w", err)
		}
		return nil
	}
	for _, o := range []struct {
		opt  int
		name string
	}{
		{unix.IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT"},
		{unix.IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO"},
		{unix.IPV6_RECVTCLASS, "IPV6_RECVTCLASS"},
	} {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, o.opt, 1); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, ipv6ChecksumOffset); err != nil {
		return fmt.Errorf("IPV6_CHECKSUM: %w", err)
	}
	return nil
}

// Ifindex is the index of the interface the socket is bound to.
func (r *Receiver) Ifindex() int { return r.ifindex }

// Stats returns the receiver's counters.
func (r *Receiver) Stats() ReceiverStats {
	return ReceiverStats{
		Datagrams:     r.datagrams.Load(),
		Truncated:     r.truncated.Load(),
		CtrlTruncated: r.ctrunc.Load(),
		Malformed:     r.malformed.Load(),
	}
}

// Close closes the socket; a Run or Read in progress returns.
func (r *Receiver) Close() error {
	if r.fd >= 0 {
		fd := r.fd
		r.fd = -1
		return unix.Close(fd)
	}
	return r.f.Close()
}

// Fd is the descriptor of a receiver opened by OpenReceiverRaw (-1
// otherwise), for the caller's poller.
func (r *Receiver) Fd() int { return r.fd }

// ReadNonblock reads the next valid datagram of a receiver opened by
// OpenReceiverRaw without waiting: ok is false when none is waiting.
// Truncated and malformed datagrams are counted and skipped, as by Read.
func (r *Receiver) ReadNonblock(d *Datagram) (ok bool, err error) {
	if r.fd < 0 {
		return false, fmt.Errorf("vrrp receive on %s: not a raw receiver", r.cfg.Ifname)
	}
	for {
		if !r.recvmsg(uintptr(r.fd)) {
			return false, nil
		}
		if r.rerr != nil {
			return false, fmt.Errorf("vrrp receive on %s: recvmsg: %w", r.cfg.Ifname, r.rerr)
		}
		if r.finish(d) {
			return true, nil
		}
	}
}

// Run reads datagrams and hands each to fn, on the calling goroutine,
// until ctx is done or the receiver is closed (then it returns nil) or a
// read fails. fn must not keep d or d.Data after it returns. Truncated and
// malformed datagrams are counted (Stats) and skipped.
func (r *Receiver) Run(ctx context.Context, fn func(d *Datagram)) error {
	if r.f == nil {
		return fmt.Errorf("vrrp receive on %s: a raw receiver is read with ReadNonblock", r.cfg.Ifname)
	}
	if err := r.f.SetReadDeadline(time.Time{}); err != nil {
		return fmt.Errorf("vrrp receive on %s: %w", r.cfg.Ifname, err)
	}
	stop := context.AfterFunc(ctx, func() {
		// Wakes a blocked read; the error is then reported as ctx's end.
		_ = r.f.SetReadDeadline(time.Unix(1, 0))
	})
	defer stop()
	var d Datagram
	for {
		err := r.Read(&d)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return err
		}
		fn(&d)
	}
}

// Read blocks until the next valid datagram and fills d (d.Data aliases
// the receiver's buffer until the next Read). Truncated and malformed
// datagrams are counted and skipped. One reader at a time: Run and Read
// share the receiver's buffers.
func (r *Receiver) Read(d *Datagram) error {
	if r.f == nil {
		return fmt.Errorf("vrrp receive on %s: a raw receiver is read with ReadNonblock", r.cfg.Ifname)
	}
	for {
		if err := r.rc.Read(r.readFn); err != nil {
			return fmt.Errorf("vrrp receive on %s: %w", r.cfg.Ifname, err)
		}
		if r.rerr != nil {
			return fmt.Errorf("vrrp receive on %s: recvmsg: %w", r.cfg.Ifname, r.rerr)
		}
		if r.finish(d) {
			return nil
		}
	}
}

// finish fills d from the last recvmsg; false when the datagram is
// skipped (truncated or malformed, counted).
func (r *Receiver) finish(d *Datagram) bool {
	if r.n > len(r.buf) || r.flags&unix.MSG_TRUNC != 0 {
		r.truncated.Add(1)
		return false
	}
	*d = Datagram{IPv6: r.cfg.IPv6, Data: r.buf[:r.n]}
	if r.flags&unix.MSG_CTRUNC != 0 {
		d.CtrlTruncated = true
		r.ctrunc.Add(1)
	} else {
		parseControl(r.oob[:r.msg.Controllen], d)
	}
	if !r.cfg.IPv6 {
		if !parseIPv4Header(d) {
			r.malformed.Add(1)
			return false
		}
	} else {
		d.Src = netip.AddrFrom16(r.name.Addr)
	}
	r.datagrams.Add(1)
	return true
}

// recvmsg is the RawConn read callback: one recvmsg(2) into the reused
// buffers, MSG_TRUNC so an oversized datagram reports its real length.
func (r *Receiver) recvmsg(fd uintptr) bool {
	r.msg.Name = (*byte)(unsafe.Pointer(&r.name))
	r.msg.Namelen = unix.SizeofSockaddrInet6
	r.msg.Control = &r.oob[0]
	r.msg.SetControllen(len(r.oob))
	r.msg.Flags = 0
	// A raw system call: the socket is non-blocking, so the call never
	// waits, and the Go runtime need not be told (telling it wakes its
	// sysmon thread on every datagram of an otherwise idle process).
	n, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), unix.MSG_TRUNC)
	if errno == unix.EAGAIN || errno == unix.EINTR {
		return false
	}
	r.rerr = nil
	if errno != 0 {
		r.rerr = errno
	}
	r.n, r.flags = int(n), int(r.msg.Flags)
	return true
}

// parseIPv4Header fills Src, Dst, TTL and TOS from an IPv4 header.
func parseIPv4Header(d *Datagram) bool {
	b := d.Data
	if len(b) < 20 || b[0]>>4 != 4 || int(b[0]&0x0f)*4 < 20 || int(b[0]&0x0f)*4 > len(b) {
		return false
	}
	d.TOS, d.TTL = b[1], b[8]
	d.Src = netip.AddrFrom4([4]byte(b[12:16]))
	d.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	return true
}

// parseControl reads IP_PKTINFO, IPV6_PKTINFO, IPV6_HOPLIMIT and
// IPV6_TCLASS without allocating; anything else is ignored.
func parseControl(oob []byte, d *Datagram) {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return
		}
		data := oob[unix.CmsgLen(0):l]
		switch {
		case h.Level == unix.IPPROTO_IP && h.Type == unix.IP_PKTINFO && len(data) >= unix.SizeofInet4Pktinfo:
			d.Ifindex = int(int32(binary.NativeEndian.Uint32(data[0:4])))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_PKTINFO && len(data) >= unix.SizeofInet6Pktinfo:
			d.Dst = netip.AddrFrom16([16]byte(data[0:16]))
			d.Ifindex = int(int32(binary.NativeEndian.Uint32(data[16:20])))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_HOPLIMIT && len(data) >= 4:
			d.TTL = uint8(binary.NativeEndian.Uint32(data[0:4]))
		case h.Level == unix.IPPROTO_IPV6 && h.Type == unix.IPV6_TCLASS && len(data) >= 4:
			d.TOS = uint8(binary.NativeEndian.Uint32(data[0:4]))
		}
		next := cmsgAlign(l)
		if next >= len(oob) {
			return
		}
		oob = oob[next:]
	}
}

func cmsgAlign(n int) int {
	const a = int(unsafe.Sizeof(uintptr(0)))
	return (n + a - 1) &^ (a - 1)
}

// SenderConfig says how a Sender sends.
type SenderConfig struct {
	// Ifname is the interface (SO_BINDTODEVICE, and IP(V6)_MULTICAST_IF
	// for a multicast sender). Required.
	Ifname string
	// IPv6 selects an AF_INET6 socket.
	IPv6 bool
	// Proto is the socket protocol: 112 (default when 0), or 51 for an
	// IPv4 AH instance. IPv4 senders use IP_HDRINCL, so the header the
	// caller builds decides what goes on the wire.
	Proto int
	// Multicast sets IP(V6)_MULTICAST_IF to the interface, multicast
	// loopback off and, for IPv6, IPV6_MULTICAST_HOPS 255 (keepalived
	// does this for instances without unicast_src_ip).
	Multicast bool
}

// Sender is a raw VRRP send socket. It never blocks: a send the kernel
// cannot queue at once fails with EAGAIN.
type Sender struct {
	cfg     SenderConfig
	ifindex int
	f       *os.File
	rc      syscall.RawConn
}

// OpenSender opens a send socket in the calling thread's network namespace
// with keepalived's options: SO_RCVBUF 0 and a drop-all socket filter (it
// never receives), IP(V6)_MULTICAST_ALL off, IP_HDRINCL (IPv4: keepalived
// builds the IP header itself so it can insert AH and choose the ID),
// IPV6_CHECKSUM (IPv6: the kernel computes the checksum with the
// pseudo-header), SO_BINDTODEVICE, IP_TOS / IPV6_TCLASS 0xC0, and the
// multicast options of SenderConfig.Multicast.
func OpenSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Proto == 0 {
		cfg.Proto = vrrp.IPProtoVRRP
	}
	where := fmt.Sprintf("vrrp send socket on %s (IPv%d, proto %d)", cfg.Ifname, ipVersion(cfg.IPv6), cfg.Proto)
	if err := checkProto(cfg.Proto, cfg.IPv6); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	ifi, err := net.InterfaceByName(cfg.Ifname)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	fd, err := rawSocket(cfg.IPv6, cfg.Proto)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s := &Sender{cfg: cfg, ifindex: ifi.Index}
	if err := s.setup(fd, ifi.Index); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s.f = os.NewFile(uintptr(fd), "vrrp-send-"+cfg.Ifname)
	if s.rc, err = s.f.SyscallConn(); err != nil {
		s.f.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return s, nil
}

func (s *Sender) setup(fd, ifindex int) error {
	cfg := s.cfg
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 0); err != nil {
		return fmt.Errorf("SO_RCVBUF 0: %w", err)
	}
	if err := setMulticastAll(fd, cfg.IPv6); err != nil {
		return err
	}
	if !cfg.IPv6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_HDRINCL, 1); err != nil {
			return fmt.Errorf("IP_HDRINCL: %w", err)
		}
	} else {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_CHECKSUM, ipv6ChecksumOffset); err != nil {
			return fmt.Errorf("IPV6_CHECKSUM: %w", err)
		}
		if cfg.Multicast {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, hopLimitVRRP); err != nil {
				return fmt.Errorf("IPV6_MULTICAST_HOPS: %w", err)
			}
		}
	}
	if err := unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, cfg.Ifname); err != nil {
		return fmt.Errorf("SO_BINDTODEVICE %s: %w", cfg.Ifname, err)
	}
	if cfg.Multicast {
		if !cfg.IPv6 {
			if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifindex)}); err != nil {
				return fmt.Errorf("IP_MULTICAST_IF: %w", err)
			}
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0); err != nil {
				return fmt.Errorf("IP_MULTICAST_LOOP: %w", err)
			}
		} else {
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex); err != nil {
				return fmt.Errorf("IPV6_MULTICAST_IF: %w", err)
			}
			if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0); err != nil {
				return fmt.Errorf("IPV6_MULTICAST_LOOP: %w", err)
			}
		}
	}
	if !cfg.IPv6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TOS, tosNetControl); err != nil {
			return fmt.Errorf("IP_TOS: %w", err)
		}
	} else if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, tosNetControl); err != nil {
		return fmt.Errorf("IPV6_TCLASS: %w", err)
	}
	return attachDropAll(fd)
}

// Ifindex is the index of the interface the socket is bound to.
func (s *Sender) Ifindex() int { return s.ifindex }

// Close closes the socket.
func (s *Sender) Close() error { return s.f.Close() }

// SendIPv4 sends a whole IPv4 datagram the caller built (vrrp's
// MarshalIPv4: TOS, TTL, ID, protocol and, for AH, the sealed header are
// the caller's; the kernel fills the total length and header checksum).
// The destination is the header's; a multicast one is sent with
// MSG_DONTROUTE as keepalived does.
func (s *Sender) SendIPv4(pkt []byte) error {
	if s.cfg.IPv6 {
		return fmt.Errorf("vrrp send on %s: SendIPv4 on an IPv6 socket", s.cfg.Ifname)
	}
	if len(pkt) < 20 || pkt[0]>>4 != 4 || int(pkt[0]&0x0f)*4 < 20 || int(pkt[0]&0x0f)*4 > len(pkt) {
		return fmt.Errorf("vrrp send on %s: %d bytes are not an IPv4 datagram", s.cfg.Ifname, len(pkt))
	}
	dst := [4]byte(pkt[16:20])
	flags := 0
	if netip.AddrFrom4(dst).IsMulticast() {
		flags = unix.MSG_DONTROUTE
	}
	sa := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: dst}
	return s.send(func(fd int) error {
		return rawSendmsg(fd, pkt, nil, unsafe.Pointer(&sa), unix.SizeofSockaddrInet4, flags)
	}, netip.AddrFrom4(dst))
}

// rawSendmsg is sendmsg(2) as a raw system call: the send sockets are
// non-blocking (a full queue is EAGAIN, never a wait), and a raw call
// spares the Go runtime's sysmon thread a wake-up per advert.
func rawSendmsg(fd int, p, oob []byte, sa unsafe.Pointer, salen uint32, flags int) error {
	var iov unix.Iovec
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
	}
	msg := unix.Msghdr{Name: (*byte)(sa), Namelen: salen, Iov: &iov}
	msg.SetIovlen(1)
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	_, _, errno := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if errno != 0 {
		return errno
	}
	return nil
}

// SendIPv6 sends a VRRP message to dst from src (IPV6_PKTINFO with the
// interface; a zero src lets the kernel choose). The kernel fills the
// checksum. hopLimit, for a unicast dst, is sent as IPV6_HOPLIMIT
// (unicast_ttl); 0 keeps the kernel's default. Multicast goes out with
// the socket's hop limit 255 and MSG_DONTROUTE.
func (s *Sender) SendIPv6(msg []byte, src, dst netip.Addr, hopLimit uint8) error {
	if !s.cfg.IPv6 {
		return fmt.Errorf("vrrp send on %s: SendIPv6 on an IPv4 socket", s.cfg.Ifname)
	}
	if !dst.Is6() || dst.Is4In6() || (src.IsValid() && (!src.Is6() || src.Is4In6())) {
		return fmt.Errorf("vrrp send on %s: %s -> %s is not IPv6", s.cfg.Ifname, src, dst)
	}
	var oob [64]byte
	var pi [unix.SizeofInet6Pktinfo]byte
	if src.IsValid() {
		a := src.As16()
		copy(pi[0:16], a[:])
	}
	binary.NativeEndian.PutUint32(pi[16:20], uint32(s.ifindex))
	b := appendCmsg(oob[:0], unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, pi[:])
	flags := unix.MSG_DONTROUTE
	if !dst.IsMulticast() {
		flags = 0
		if hopLimit != 0 {
			var hl [4]byte
			binary.NativeEndian.PutUint32(hl[:], uint32(hopLimit))
			b = appendCmsg(b, unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, hl[:])
		}
	}
	sa := unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: dst.As16()}
	if dst.IsLinkLocalUnicast() || dst.IsLinkLocalMulticast() || dst.IsInterfaceLocalMulticast() {
		sa.Scope_id = uint32(s.ifindex)
	}
	return s.send(func(fd int) error {
		return rawSendmsg(fd, msg, b, unsafe.Pointer(&sa), unix.SizeofSockaddrInet6, flags)
	}, dst)
}

func (s *Sender) send(fn func(fd int) error, dst netip.Addr) error {
	var serr error
	if err := s.rc.Control(func(fd uintptr) { serr = fn(int(fd)) }); err != nil {
		return fmt.Errorf("vrrp send on %s to %s: %w", s.cfg.Ifname, dst, err)
	}
	if serr != nil {
		return fmt.Errorf("vrrp send on %s to %s: %w", s.cfg.Ifname, dst, serr)
	}
	return nil
}

func appendCmsg(b []byte, level, typ int, data []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, unix.CmsgSpace(len(data)))...)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[start]))
	h.Level, h.Type = int32(level), int32(typ)
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[start+unix.CmsgLen(0):], data)
	return b
}

func rawSocket(ipv6 bool, proto int) (int, error) {
	family := unix.AF_INET
	if ipv6 {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	return fd, nil
}

func checkProto(proto int, ipv6 bool) error {
	switch {
	case proto == vrrp.IPProtoVRRP:
		return nil
	case proto == vrrp.IPProtoAH && !ipv6:
		return nil
	}
	return fmt.Errorf("protocol %d: want %d (VRRP), or %d (AH) for IPv4", proto, vrrp.IPProtoVRRP, vrrp.IPProtoAH)
}

func setMulticastAll(fd int, ipv6 bool) error {
	// keepalived: "Don't accept multicast packets we haven't requested".
	if !ipv6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); err != nil {
			return fmt.Errorf("IP_MULTICAST_ALL: %w", err)
		}
		return nil
	}
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0); err != nil {
		return fmt.Errorf("IPV6_MULTICAST_ALL: %w", err)
	}
	return nil
}

func joinGroup(fd int, ipv6 bool, ifindex int, group netip.Addr) error {
	if !ipv6 {
		m := &unix.IPMreqn{Multiaddr: group.As4(), Ifindex: int32(ifindex)}
		if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, m); err != nil {
			return fmt.Errorf("IP_ADD_MEMBERSHIP %s: %w", group, err)
		}
		return nil
	}
	m := &unix.IPv6Mreq{Multiaddr: group.As16(), Interface: uint32(ifindex)}
	if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_ADD_MEMBERSHIP, m); err != nil {
		return fmt.Errorf("IPV6_ADD_MEMBERSHIP %s: %w", group, err)
	}
	return nil
}

// attachDropAll attaches keepalived's "ret #0" socket filter
// (if_setsockopt_no_receive) so a send-only socket never queues input.
func attachDropAll(fd int) error {
	prog := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: 1, Filter: &prog[0]}); err != nil {
		return fmt.Errorf("SO_ATTACH_FILTER: %w", err)
	}
	return nil
}

func sockaddr(a netip.Addr, ifindex int) unix.Sockaddr {
	a = a.Unmap()
	if a.Is4() {
		return &unix.SockaddrInet4{Addr: a.As4()}
	}
	sa := &unix.SockaddrInet6{Addr: a.As16()}
	if a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() {
		sa.ZoneId = uint32(ifindex)
	}
	return sa
}

func ipVersion(ipv6 bool) int {
	if ipv6 {
		return 6
	}
	return 4
}
