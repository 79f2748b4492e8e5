package netns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"golang.org/x/sys/unix"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// The capture: one AF_PACKET socket per segment, opened inside the
// switch's namespace and bound to no interface, so it sees every frame on
// every bridge port in both directions. A frame arriving at the switch
// from a node's veth (any packet type but PACKET_OUTGOING) is what that
// node put on the wire: it is decoded into events and written to the
// segment's pcap. A frame the switch sends out of a port
// (PACKET_OUTGOING) is one delivered to that node: it is only counted,
// which is how a loss rule's effect is measured. The bridge's own
// interface is ignored.

// FrameCounts counts frames by type.
type FrameCounts struct {
	Frames uint64 `json:"frames"`
	VRRP   uint64 `json:"vrrp"` // IP protocol 112 (IPv4 or IPv6)
	ARP    uint64 `json:"arp"`
}

// PortCounters are one node interface's traffic on its segment, as the
// switch saw it.
type PortCounters struct {
	Node      string      `json:"node"`
	Iface     string      `json:"iface"`
	Sent      FrameCounts `json:"sent"`      // frames the node put on the segment
	Delivered FrameCounts `json:"delivered"` // frames the switch handed to the node (after faults)
}

type capture struct {
	l    *Lab
	seg  *segment
	sock *os.File

	ports map[int]*port // switch ifindex → port

	pcapFile *os.File
	pcap     *pcapgo.Writer

	mu     sync.Mutex
	counts map[int]*PortCounters
	done   chan struct{}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (l *Lab) startCapture(seg *segment) error {
	var fd int
	err := inNetns(seg.nsPath, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(htons(unix.ETH_P_ALL)))
		return err
	})
	if err != nil {
		return fmt.Errorf("netns: segment %s: capture socket: %w", seg.name, err)
	}
	sock := os.NewFile(uintptr(fd), "capture "+seg.name)
	for _, o := range []struct{ level, opt, val int }{
		{unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 4 << 20},
		{unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1},
	} {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.val); err != nil {
			sock.Close()
			return fmt.Errorf("netns: segment %s: capture socket option %d: %w", seg.name, o.opt, err)
		}
	}
	c := &capture{l: l, seg: seg, sock: sock, ports: map[int]*port{}, counts: map[int]*PortCounters{}, done: make(chan struct{})}
	l.mu.Lock()
	for _, p := range seg.ports {
		c.ports[p.index] = p
		c.counts[p.index] = &PortCounters{Node: p.node, Iface: p.iface}
	}
	l.mu.Unlock()
	if l.pcap != "" {
		f, err := os.Create(filepath.Join(l.pcap, seg.name+".pcap"))
		if err != nil {
			sock.Close()
			return fmt.Errorf("netns: segment %s: %w", seg.name, err)
		}
		w := pcapgo.NewWriterNanos(f)
		if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
			f.Close()
			sock.Close()
			return fmt.Errorf("netns: segment %s: pcap header: %w", seg.name, err)
		}
		c.pcapFile, c.pcap = f, w
	}
	seg.cap = c
	go c.run()
	return nil
}

func (c *capture) run() {
	defer close(c.done)
	rc, err := c.sock.SyscallConn()
	if err != nil {
		c.warn("capture: " + err.Error())
		return
	}
	buf := make([]byte, 65536)
	oob := make([]byte, 256)
	for {
		var n, oobn int
		var from unix.Sockaddr
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, oob, 0)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if err != nil {
			return // closed
		}
		if rerr != nil {
			if errors.Is(rerr, unix.EINTR) {
				continue
			}
			c.warn("capture: " + rerr.Error())
			return
		}
		sll, ok := from.(*unix.SockaddrLinklayer)
		if !ok {
			continue
		}
		c.frame(sll.Ifindex, sll.Pkttype, kernelTime(oob[:oobn]), buf[:min(n, len(buf))])
	}
}

// kernelTime reads the SO_TIMESTAMPNS control message (the kernel's
// receive time); without one, now.
func kernelTime(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
				sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
				nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
				return time.Unix(sec, nsec)
			}
		}
	}
	return time.Now()
}

func (c *capture) warn(text string) {
	c.l.emit(Event{Kind: KindWarning, Segment: c.seg.name, Text: text}, time.Now(), nil)
}

// classify returns the frame's type for counting.
func classify(f []byte) (vrrpIP []byte, arp bool) {
	if len(f) < 14 {
		return nil, false
	}
	switch binary.BigEndian.Uint16(f[12:14]) {
	case 0x0806:
		return nil, true
	case 0x0800:
		if len(f) >= 14+20 && f[14+9] == vrrp.IPProtoVRRP {
			return f[14:], false
		}
	case 0x86dd:
		if len(f) >= 14+40 && f[14+6] == vrrp.IPProtoVRRP {
			return f[14:], false
		}
	}
	return nil, false
}

func (c *capture) frame(ifindex int, pkttype uint8, ts time.Time, f []byte) {
	p, ok := c.ports[ifindex]
	if !ok {
		return // the bridge's own interface
	}
	ip, arp := classify(f)
	c.mu.Lock()
	pc := c.counts[ifindex]
	fc := &pc.Sent
	if pkttype == unix.PACKET_OUTGOING {
		fc = &pc.Delivered
	}
	fc.Frames++
	if ip != nil {
		fc.VRRP++
	}
	if arp {
		fc.ARP++
	}
	var pcapErr error
	if pkttype != unix.PACKET_OUTGOING && c.pcap != nil {
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f), InterfaceIndex: ifindex}
		if pcapErr = c.pcap.WritePacket(ci, f); pcapErr != nil {
			c.pcap = nil // stop writing; the capture's events go on
		}
	}
	c.mu.Unlock()
	if pcapErr != nil {
		c.warn("pcap: " + pcapErr.Error())
	}
	if pkttype == unix.PACKET_OUTGOING {
		// Wake Await callers watching Counters; no event is logged.
		c.l.events.poke()
		return
	}
	switch {
	case ip != nil:
		c.advert(p, ts, ip)
	case arp:
		c.garp(p, ts, f)
	default:
		c.l.events.poke()
	}
}

func (c *capture) advert(p *port, ts time.Time, ip []byte) {
	e := Event{Kind: KindAdvert, Segment: c.seg.name, Node: p.node, Iface: p.iface}
	pkt, err := vrrp.ParsePacket(ip, vrrp.ParseOptions{})
	if errors.Is(err, vrrp.ErrNotVRRP) {
		return
	}
	e.Src, e.Dst = pkt.Src, pkt.Dst
	a := pkt.Advert
	e.VRID, e.Priority, e.Version, e.AdvertIntCS = int(a.VRID), int(a.Priority), int(a.Version), int(a.AdvertIntCS)
	e.Addrs = append([]netip.Addr(nil), a.Addrs...)
	if err != nil {
		e.Text = err.Error()
	}
	c.l.emit(e, ts, nil)
}

// garp reports an ARP whose sender and target IPv4 addresses are equal:
// keepalived's gratuitous ARP for a VIP.
func (c *capture) garp(p *port, ts time.Time, f []byte) {
	a := f[14:]
	if len(a) < 28 || binary.BigEndian.Uint16(a[0:2]) != 1 || binary.BigEndian.Uint16(a[2:4]) != 0x0800 || a[4] != 6 || a[5] != 4 {
		c.l.events.poke()
		return
	}
	spa, _ := netip.AddrFromSlice(a[14:18])
	tpa, _ := netip.AddrFromSlice(a[24:28])
	if spa != tpa {
		c.l.events.poke()
		return
	}
	c.l.emit(Event{Kind: KindGARP, Segment: c.seg.name, Node: p.node, Iface: p.iface, Addr: netip.PrefixFrom(spa, 32)}, ts, nil)
}

// close stops the capture, reports frames the socket dropped, and closes
// the pcap file.
func (c *capture) close() error {
	var errs []error
	if rc, err := c.sock.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) {
			st, err := unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
			if err == nil && st.Drops > 0 {
				c.warn(fmt.Sprintf("capture dropped %d frames (socket buffer full)", st.Drops))
			}
		})
	}
	errs = append(errs, c.sock.Close())
	<-c.done
	c.mu.Lock()
	if c.pcapFile != nil {
		errs = append(errs, c.pcapFile.Close())
	}
	c.mu.Unlock()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("netns: segment %s: capture: %w", c.seg.name, err)
	}
	return nil
}

// Counters returns the frame counts of every port of segment, in port
// order.
func (l *Lab) Counters(segment string) ([]PortCounters, error) {
	l.mu.Lock()
	seg, ok := l.segs[segment]
	var idx []int
	if ok {
		for _, p := range seg.ports {
			idx = append(idx, p.index)
		}
	}
	l.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("netns: no segment %q", segment)
	}
	if seg.cap == nil {
		return nil, fmt.Errorf("netns: segment %s: no capture", segment)
	}
	c := seg.cap
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]PortCounters, 0, len(idx))
	for _, i := range idx {
		out = append(out, *c.counts[i])
	}
	return out, nil
}
