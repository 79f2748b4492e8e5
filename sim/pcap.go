package sim

// pcapWriter writes a segment's traffic as a pcap file (see CaptureSegment).
type pcapWriter struct{}

func (p *pcapWriter) write(w *World, src *nodeIface, pkt packet) {}
