package vrrp

import "net/netip"

// Protocol constants (RFC 3768 §5, RFC 5798 §5).
const (
	IPProtoVRRP = 112 // IANA protocol number for VRRP
	IPProtoAH   = 51  // IPsec AH, used by keepalived's auth_type AH (VRRPv2/IPv4)

	TypeAdvertisement = 1

	// PriorityStop is sent by a master that stops (RFC 3768 §5.3.4).
	PriorityStop = 0
	// PriorityOwner is the address owner's priority.
	PriorityOwner = 255

	// TTLRequired is the TTL/hop limit every multicast advert must carry (RFC 5798 §5.1.1.3).
	TTLRequired = 255
)

// AuthType is the VRRPv2 authentication type field (RFC 2338 §5.3.6; keepalived still speaks it).
type AuthType uint8

const (
	AuthNone AuthType = 0
	AuthPass AuthType = 1 // simple text password, first 8 bytes
	AuthAH   AuthType = 2 // IPsec AH, HMAC-MD5-96
)

// Advert is one decoded VRRP advertisement. It is the unit the state machine
// emits (ActSendAdvert) and consumes (EvAdvert); the codec turns it into
// bytes and back.
type Advert struct {
	Version  uint8 // 2 or 3
	Type     uint8 // TypeAdvertisement
	VRID     uint8
	Priority uint8
	// AdvertIntCS is the advertisement interval in centiseconds. VRRPv2
	// carries whole seconds on the wire (AdvertIntCS/100); VRRPv3 carries
	// the 12-bit centisecond Max Adver Int.
	AdvertIntCS uint16
	AuthType    AuthType // VRRPv2 only
	AuthData    [8]byte  // VRRPv2 only: PASS text, zero padded
	Checksum    uint16   // as received / as computed by Marshal
	// Addrs are the virtual addresses carried in the advert, all of one
	// family (IPv4 for v2; IPv4 or IPv6 for v3). Count IP Addrs = len(Addrs).
	Addrs []netip.Addr
}
