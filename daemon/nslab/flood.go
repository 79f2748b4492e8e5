package nslab

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Frame is an Ethernet frame: dst MAC, the node's MAC as source, the
// ethertype and payload.
func (n *Node) Frame(dst net.HardwareAddr, ethertype uint16, payload []byte) []byte {
	f := make([]byte, 14, 14+len(payload))
	copy(f[0:6], dst)
	copy(f[6:12], n.MAC)
	binary.BigEndian.PutUint16(f[12:14], ethertype)
	return append(f, payload...)
}

// Flood sends frames round-robin out of the node's eth0 from an AF_PACKET
// socket, at about pps frames per second for d, and returns how many the
// kernel took (a full queue drops the rest, as on a real flood).
func (n *Node) Flood(t testing.TB, frames [][]byte, pps int, d time.Duration) int {
	t.Helper()
	var fd int
	n.Do(t, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		return err
	})
	defer unix.Close(fd)
	l, err := n.NL.LinkByName(n.Ifname)
	Must(t, err)
	idx := l.Attrs().Index
	sent := 0
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	i := 0
	for time.Since(start) < d {
		<-tick.C
		// Catch up with the wall clock, whatever the ticker's slips.
		due := int(time.Since(start).Seconds()*float64(pps)) - i
		for range due {
			f := frames[i%len(frames)]
			i++
			sa := &unix.SockaddrLinklayer{Ifindex: idx, Halen: 6, Protocol: htons(binary.BigEndian.Uint16(f[12:14]))}
			copy(sa.Addr[:], f[0:6])
			if unix.Sendto(fd, f, unix.MSG_DONTWAIT, sa) == nil {
				sent++
			}
		}
	}
	return sent
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
