package lvs

// Diff returns the operations that turn actual into desired, in this
// order: owned services that are no longer desired are deleted (the kernel
// drops their destinations with them); then, service by service in key
// order, a missing service is added or a changed one updated, and its
// surplus destinations are deleted before changed ones are updated and
// missing ones added.
//
// owns says which of actual's services are ours: a service that is neither
// desired nor owned (another program's, or one added by hand) is never
// touched. Every desired service is ours. owns may be nil (own nothing
// beyond desired). Both tables must be sorted (Table.Sort).
func Diff(desired, actual *Table, owns func(ServiceKey) bool) []Op {
	return AppendDiff(nil, desired, actual, owns)
}

// AppendDiff is Diff appending to ops (to reuse a slice across rounds).
func AppendDiff(ops []Op, desired, actual *Table, owns func(ServiceKey) bool) []Op {
	// Deletions first: a removed service frees nothing the adds need, but
	// an operator reading the log sees the old world go before the new.
	i, j := 0, 0
	for j < len(actual.Entries) {
		ak := actual.Entries[j].Service.Key
		for i < len(desired.Entries) && desired.Entries[i].Service.Key.Compare(ak) < 0 {
			i++
		}
		if (i >= len(desired.Entries) || desired.Entries[i].Service.Key != ak) && owns != nil && owns(ak) {
			ops = append(ops, Op{Kind: OpDelService, Service: Service{Key: ak}})
		}
		j++
	}
	i, j = 0, 0
	for i < len(desired.Entries) {
		d := &desired.Entries[i]
		for j < len(actual.Entries) && actual.Entries[j].Service.Key.Compare(d.Service.Key) < 0 {
			j++
		}
		if j >= len(actual.Entries) || actual.Entries[j].Service.Key != d.Service.Key {
			ops = append(ops, Op{Kind: OpAddService, Service: d.Service})
			for _, dst := range d.Dests {
				ops = append(ops, Op{Kind: OpAddDest, Service: Service{Key: d.Service.Key}, Dest: dst})
			}
			i++
			continue
		}
		a := &actual.Entries[j]
		if !d.Service.sameAttrs(a.Service) {
			ops = append(ops, Op{Kind: OpUpdateService, Service: d.Service})
		}
		ops = diffDests(ops, d, a)
		i++
	}
	return ops
}

func diffDests(ops []Op, d, a *Entry) []Op {
	key := Service{Key: d.Service.Key}
	// Pass 1: surplus destinations.
	x := 0
	for _, ad := range a.Dests {
		for x < len(d.Dests) && d.Dests[x].Key.Compare(ad.Key) < 0 {
			x++
		}
		if x >= len(d.Dests) || d.Dests[x].Key != ad.Key {
			ops = append(ops, Op{Kind: OpDelDest, Service: key, Dest: ad})
		}
	}
	// Pass 2: changed and missing ones.
	y := 0
	for _, dd := range d.Dests {
		for y < len(a.Dests) && a.Dests[y].Key.Compare(dd.Key) < 0 {
			y++
		}
		switch {
		case y >= len(a.Dests) || a.Dests[y].Key != dd.Key:
			ops = append(ops, Op{Kind: OpAddDest, Service: key, Dest: dd})
		case !dd.sameAttrs(a.Dests[y]):
			ops = append(ops, Op{Kind: OpUpdateDest, Service: key, Dest: dd})
		}
	}
	return ops
}
