package daemon

import (
	"fmt"
	"maps"
	"net/netip"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// Reload applies a new configuration and keeps the run-time state, as
// keepalived does on SIGHUP (reference §3.3): kept instances keep their
// state and timers (a MASTER sends an advert at once), removed ones stop
// (priority 0, VIPs released), new ones start; a kept MASTER whose VIP list
// changed removes the old addresses and adds and announces the new ones.
// vrrp_scripts with an unchanged definition keep their rise/fall counters.
// On error nothing changes.
func (d *Driver) Reload(cfg *config.Config) error {
	if !d.running {
		return fmt.Errorf("daemon: reload: not running")
	}
	ec, metas, err := buildEngineConfig(cfg, d.p, d.log)
	if err != nil {
		return fmt.Errorf("daemon: reload: %w", err)
	}
	ec.RephaseOnRejected = d.opts.rephaseRejected
	d.log.Info("Reloading")
	wasMaster := map[string]bool{}
	for _, m := range d.insts {
		wasMaster[m.name] = d.isMaster(m.name)
	}
	acts, err := d.eng.Reload(d.now(), ec)
	if err != nil {
		return fmt.Errorf("daemon: reload: %w", err)
	}
	// Removed instances' actions (priority 0, VIP release) still need
	// their old metadata while the reload's actions run.
	old := d.byName
	merged := maps.Clone(old)
	for _, m := range metas {
		o := old[m.name]
		if o == nil || o.cfg.VRID == m.cfg.VRID {
			merged[m.name] = m
		}
		if o != nil && o.cfg.VRID == m.cfg.VRID && o.ipv6 == m.ipv6 && o.cfg.Version == m.cfg.Version {
			m.wire = o.wire // the IP id and checksum mode go on, as in keepalived
		}
	}
	d.byName = merged
	d.perform(acts)

	d.cfg = cfg
	d.index(metas)
	for k, t := range d.timers {
		if d.byName[k.inst] == nil {
			t.cancel()
			delete(d.timers, k)
		}
	}
	for _, m := range metas {
		if wasMaster[m.name] && d.isMaster(m.name) {
			d.reconcileHeld(m)
		}
	}
	d.reloadTrackers()
	return nil
}

// index rebuilds the lookup tables for metas.
func (d *Driver) index(metas []*instanceMeta) {
	d.insts = metas
	d.ours = ourAddresses(d.cfg)
	d.byName = map[string]*instanceMeta{}
	d.byVRID = map[demuxKey]*instanceMeta{}
	d.byAddr = map[netip.Addr][]*instanceMeta{}
	for _, m := range metas {
		d.byName[m.name] = m
		k := demuxKey{m.iface, m.ipv6, uint8(m.cfg.VRID)}
		if _, dup := d.byVRID[k]; dup {
			d.log.Warn(fmt.Sprintf("(%s) duplicate VRID %d on %s: adverts go to the first instance", m.name, k.vrid, k.iface))
		} else {
			d.byVRID[k] = m
		}
		for _, v := range m.addrs {
			d.byAddr[v.Prefix.Addr()] = append(d.byAddr[v.Prefix.Addr()], m)
		}
	}
}

// reloadTrackers keeps the scripts and track files whose definition did
// not change, stops the removed ones and starts the new ones.
func (d *Driver) reloadTrackers() {
	oldScripts := map[string]*scriptState{}
	for _, s := range d.scripts {
		oldScripts[s.def.Name] = s
	}
	var scripts, fresh []*scriptState
	for i := range d.cfg.Scripts {
		def := &d.cfg.Scripts[i]
		if !d.scriptUsed(def.Name) {
			continue
		}
		if s := oldScripts[def.Name]; s != nil && sameScript(s.def, def) {
			s.def = def
			delete(oldScripts, def.Name)
			scripts = append(scripts, s)
			continue
		}
		s := newScriptState(def)
		scripts = append(scripts, s)
		fresh = append(fresh, s)
	}
	for _, s := range oldScripts {
		if s.cancel != nil {
			s.cancel()
			s.cancel = nil
		}
	}
	d.scripts = scripts
	for _, s := range fresh {
		if s.def.InitFail {
			d.step(vrrp.EvTracker{ID: scriptID(s.def.Name), OK: false})
		}
		d.runScript(s)
	}

	oldFiles := map[string]*fileState{}
	for _, f := range d.files {
		oldFiles[f.def.Name] = f
	}
	d.files = nil
	for i := range d.cfg.TrackFiles {
		def := &d.cfg.TrackFiles[i]
		f := oldFiles[def.Name]
		if f == nil || f.def.File != def.File {
			f = &fileState{def: def}
			d.readTrackFile(f, true)
		}
		f.def = def
		d.files = append(d.files, f)
	}
	if len(d.files) > 0 && d.filePoll == nil {
		d.scheduleFilePoll()
	}
	for _, name := range d.watchedIfaces() {
		if _, known := d.linkState[name]; known {
			continue
		}
		up, err := d.p.LinkUp(name)
		if err != nil {
			up = false
		}
		d.linkState[name] = up
		d.linkEvents(name, up, true)
	}
}

func sameScript(a, b *config.VRRPScript) bool {
	return a.Script == b.Script && a.Interval == b.Interval && a.Timeout == b.Timeout &&
		a.Rise == b.Rise && a.Fall == b.Fall && a.InitFail == b.InitFail && a.User == b.User
}
