package vrrp

import (
	"fmt"
	"slices"
)

// checkAdvert applies the instance-level part of keepalived 2.2.7's receive
// pipeline (vrrp.c vrrp_check_packet), in keepalived's order. The codec has
// already checked length, type decoding, checksum and AH ICV. checkAddr is
// keepalived's check_vip_addr: always in MASTER; in BACKUP unless
// skip_check_adv_addr is set and the sender is the last accepted master.
// The multicast TTL check is unconditional; only the unicast source and
// per-peer min_ttl/max_ttl checks sit in keepalived's check_vip_addr block
// (reference §2.10), and those need the peer list, which the driver has.
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
	}
	return RejectNone, ""
}
