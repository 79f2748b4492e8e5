// Package ipvs is the one package of gokeepalived that touches the
// kernel's IPVS table: Kernel implements lvs.IPVS through
// github.com/moby/ipvs v1.1.0 (read the table back, add, update and delete
// services and destinations, flush, lvs_timeouts), and Available detects a
// kernel without IPVS reliably (moby/ipvs itself silently sends no-ops
// then). Reconciler keeps any lvs.IPVS in line with the LVS core's desired
// table and heals drift within one interval.
//
// Kernel errors are the kernel's errno values (errors.Is(err,
// syscall.EEXIST)), the same as memipvs reports in the simulator. Known
// gaps of moby/ipvs v1.1.0: no GUE/GRE tunnel types or tunnel checksum
// flags (ErrUnsupported), no mixed-family destinations, no lvs_sync_daemon,
// no read-back of the persistence engine (Kernel remembers what it set).
//
// Nothing else in gokeepalived may import moby/ipvs; this package must
// never decide policy (what the table should be is pkg/lvs's job) nor keep
// package-level mutable state.
package ipvs
