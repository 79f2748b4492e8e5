// Package memipvs is an in-memory IPVS table with the Linux kernel's
// semantics, for the simulator and for tests: the same lvs.IPVS contract
// as daemon/ipvs, the same rejections (EEXIST for a duplicate service or
// destination, ESRCH for a missing service, ENOENT for an unknown
// scheduler or a missing destination, EINVAL for a destination address the
// kernel would not route, ERANGE for bad thresholds), and the kernel's
// read-back quirks (the HASHED flag on every service).
//
// It must never touch the kernel, read a clock or keep package-level
// mutable state: one table per simulated node, created with New.
package memipvs
