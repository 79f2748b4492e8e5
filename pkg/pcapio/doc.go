// Package pcapio reads classic pcap files (as written by tcpdump -w) and
// hands back the IP datagram of each frame, whatever the link type:
// Ethernet (with 802.1Q/802.1ad tags), Linux cooked capture v1 and v2 (SLL,
// SLL2: tcpdump -i any) and raw IP. It wraps gopacket's pure-Go pcapgo and
// never opens a live capture: the daemon's tools and tests use it to read
// golden captures and user-supplied captures of split brains.
//
// A truncated or corrupt file yields a *FormatError carrying the byte
// offset of the record that could not be read. Bad input never panics and
// never makes the reader allocate more than MaxSnaplen bytes per packet.
package pcapio
