package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/pcapio"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

const usage = "usage: vrrpdump FILE.pcap... (- for standard input)"

// parseOpts are keepalived 2.2.7's receive defaults as Debian builds it
// (OLD_CHKSUM_COMPAT: old-form unicast VRRPv3 checksums are accepted).
var parseOpts = vrrp.ParseOptions{OldUnicastChecksum: true}

// record is one output line. Field order is the documented key order.
type record struct {
	Time        string   `json:"time"`
	Src         string   `json:"src"`
	Dst         string   `json:"dst"`
	TTL         uint8    `json:"ttl"`
	Version     uint8    `json:"version"`
	VRID        uint8    `json:"vrid"`
	Priority    uint8    `json:"priority"`
	Count       int      `json:"count"`
	AdvertIntCS uint16   `json:"advert_int_cs"`
	AuthType    *uint8   `json:"auth_type"`
	Auth        *string  `json:"auth"`
	Addrs       []string `json:"addrs"`
	ChecksumOK  bool     `json:"checksum_ok"`
	Error       *string  `json:"error"`
	Detail      *string  `json:"detail"`
}

// run is the whole command; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintln(stdout, usage)
			return 0
		}
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	status := 0
	for _, name := range args {
		if err := dumpFile(name, stdin, w); err != nil {
			w.Flush()
			fmt.Fprintf(stderr, "vrrpdump: %v\n", err)
			status = 1
		}
	}
	return status
}

func dumpFile(name string, stdin io.Reader, w io.Writer) error {
	var in io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	if err := dump(in, w); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// dump writes one JSON line per VRRP advert in the pcap stream r.
func dump(r io.Reader, w io.Writer) error {
	pr, err := pcapio.NewReader(r)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var p vrrp.Packet
	for {
		pp, err := pr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if pp.IP == nil {
			continue
		}
		rec, ok := decode(pp, &p)
		if !ok {
			continue
		}
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("write: %w", err)
		}
	}
}

// decode turns one captured datagram into a record; ok is false for
// packets that are not VRRP.
func decode(pp pcapio.Packet, p *vrrp.Packet) (rec record, ok bool) {
	err := p.Unmarshal(pp.IP, parseOpts)
	if errors.Is(err, vrrp.ErrNotVRRP) || !p.Src.IsValid() {
		return rec, false
	}
	a := &p.Advert
	rec = record{
		Time:        pp.Time.UTC().Format(time.RFC3339Nano),
		Src:         p.Src.String(),
		Dst:         p.Dst.String(),
		TTL:         p.TTL,
		Version:     a.Version,
		VRID:        a.VRID,
		Priority:    a.Priority,
		AdvertIntCS: a.AdvertIntCS,
		Addrs:       make([]string, 0, len(a.Addrs)),
		ChecksumOK:  vrrp.ChecksumOK(p.VRRP, p.Src, p.Dst, parseOpts),
	}
	if len(p.VRRP) > 3 {
		rec.Count = int(p.VRRP[3])
	}
	for _, ip := range a.Addrs {
		rec.Addrs = append(rec.Addrs, ip.String())
	}
	if a.Version == 2 {
		t := uint8(a.AuthType)
		rec.AuthType = &t
		if a.AuthType == vrrp.AuthPass {
			s := string(bytes.TrimRight(a.AuthData[:], "\x00"))
			rec.Auth = &s
		}
	}
	reason, detail := vrrp.RejectNone, ""
	var pe *vrrp.PacketError
	switch {
	case errors.As(err, &pe):
		reason, detail = pe.Reason, pe.Detail
	case err != nil:
		// Not a packet verdict (cannot happen with IP addresses present);
		// report it rather than call the packet valid.
		reason, detail = vrrp.RejectTruncated, err.Error()
	default:
		reason = p.Reject()
		switch reason {
		case vrrp.RejectTTL:
			detail = fmt.Sprintf("TTL/hop limit %d to multicast %v, must be %d", p.TTL, p.Dst, vrrp.TTLRequired)
		case vrrp.RejectAuthData:
			detail = fmt.Sprintf("AH SPI %#08x is not the source address", p.AH.SPI)
		}
	}
	if reason != vrrp.RejectNone {
		s := reason.String()
		rec.Error = &s
	} else if vrrp.IsOldUnicastChecksum(p.VRRP, p.Src, p.Dst) {
		detail = "checksum in the old unicast form (224.0.0.18 in the pseudo-header: keepalived ≤1.3.6 / old_unicast_checksum); keepalived 2.2.7 accepts it and switches to it"
	}
	if detail != "" {
		rec.Detail = &detail
	}
	return rec, true
}
