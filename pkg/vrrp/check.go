package vrrp

import (
	"fmt"
	"slices"
)

// checkAdvert applies the instance-level part of keepalived 2.2.7's receive
// pipeline (vrrp.c vrrp_check_packet), in keepalived's order. The driver
// has already checked length, decoding, checksum and the AH ICV and SPI.
// checkAddr is keepalived's check_vip_addr: always in MASTER; in BACKUP
// unless skip_check_adv_addr is set and the sender is the last accepted
// master. The multicast TTL check is unconditional; the unicast source
// and per-peer min_ttl/max_ttl checks sit in keepalived 2.2.7's
// check_vip_addr block, and only with check_unicast_src (reference
// §2.10). An AH sequence number that passes becomes the instance's
// counter, as in keepalived, even if a later check rejects the advert.
func (in *instance) checkAdvert(ev *EvAdvert, checkAddr bool) (RejectReason, string) {
	a := &ev.Advert
	c := &in.cfg
	// RFC 5798 §7.1 / RFC 3768 §7.1: TTL must be 255 (not for unicast).
	if r := CheckTTL(ev.TTL, c.Unicast); r != RejectNone {
		return r, fmt.Sprintf("invalid TTL/HL. Received %d and expect %d", ev.TTL, TTLRequired)
	}
	// RFC 5798 §7.1: version must match.
	if a.Version != c.Version {
		return RejectVersion, fmt.Sprintf("wrong VRRP version %d, expected %d", a.Version, c.Version)
	}
	if c.Version == 2 {
		// RFC 2338 §7.1 (kept by keepalived for v2): auth type must match.
		if a.AuthType > AuthAH || a.AuthType != c.AuthType {
			return RejectAuthType, fmt.Sprintf("received a %d auth, expecting %d!", a.AuthType, c.AuthType)
		}
		// keepalived: PASS is an 8-byte constant-time compare.
		if c.AuthType == AuthPass && !CheckPass(a.AuthData, c.AuthPass) {
			return RejectAuthData, "received an invalid passwd!"
		}
		// keepalived vrrp_in_chk_ipsecah: anti-replay.
		if c.AuthType == AuthAH {
			if ev.AHSeq <= in.ahSeq {
				return RejectAuthData, fmt.Sprintf("IPSEC-AH : sequence number %d already processed. Packet dropped. Local(%d)", ev.AHSeq, in.ahSeq)
			}
			in.ahSeq = ev.AHSeq
		}
		// RFC 3768 §7.1: the advert interval must equal ours (keepalived DROP).
		if a.AdvertIntCS != in.advIntCS {
			return RejectAdvertInt, fmt.Sprintf("advertisement interval mismatch mine=%d sec rcv'd=%d sec",
				in.advIntCS/100, a.AdvertIntCS/100)
		}
	}
	if a.Type != TypeAdvertisement {
		return RejectType, fmt.Sprintf("Invalid type %d", a.Type)
	}
	// keepalived 2.2.7: the VIP count is checked before the checksum (done
	// by the codec) and the unicast/multicast check; the list after them.
	// Both reject (≥ 2.3.3 only warns).
	if checkAddr && len(a.Addrs) != len(c.VIPs) {
		return RejectAddrCount, fmt.Sprintf("received an unexpected ip number count %d, expected %d!",
			len(a.Addrs), len(c.VIPs))
	}
	// keepalived: "Expected unicast packet but received multicast" and vice versa.
	if ev.Dst.IsValid() && ev.Dst.IsMulticast() == c.Unicast {
		if c.Unicast {
			return RejectUnicastMcast, "Expected unicast packet but received multicast"
		}
		return RejectUnicastMcast, "Expected multicast packet but received unicast"
	}
	if checkAddr {
		for _, v := range c.VIPs {
			if !slices.Contains(a.Addrs, v) {
				return RejectAddrMismatch, fmt.Sprintf("ip address associated with VRID %d not present in MASTER advert : %s",
					c.VRID, v)
			}
		}
		if c.Unicast && c.CheckUnicastSrc {
			return in.checkPeer(ev)
		}
	}
	return RejectNone, ""
}

// checkPeer is keepalived 2.2.7's check_unicast_src: the source must be a
// unicast peer ("unicast source address %s not a unicast peer") and the
// TTL within that peer's min_ttl..max_ttl ("TTL/HL %d not in range %d -
// %d").
func (in *instance) checkPeer(ev *EvAdvert) (RejectReason, string) {
	for _, p := range in.cfg.Peers {
		if p.Addr != ev.Src {
			continue
		}
		if ev.TTL < p.MinTTL || ev.TTL > p.MaxTTL {
			return RejectTTL, fmt.Sprintf("TTL/HL %d not in range %d - %d", ev.TTL, p.MinTTL, p.MaxTTL)
		}
		return RejectNone, ""
	}
	return RejectUnicastSrc, fmt.Sprintf("unicast source address %s not a unicast peer", ev.Src)
}
