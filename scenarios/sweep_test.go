package scenarios

import (
	"context"
	"testing"
	"time"
)

// The packet-loss sweep's qualitative facts (RFC 3768 §6.4.2: a backup
// takes over only when no advert arrives for a whole Master_Down_Interval;
// keepalived 2.2.7 vrrp.c: a MASTER that hears a lower priority answers at
// once with its own advert):
//   - no loss: no flap, no split brain;
//   - losing only the backup's traffic to the master changes nothing (a
//     BACKUP does not advertise);
//   - 100 % loss of the master's adverts, one way or both: split brain for
//     the whole time after the first Master_Down_Interval, one takeover;
//   - more loss, more flaps; every cell heals within one
//     Master_Down_Interval plus an advert interval once the loss stops.
func TestSweepFacts(t *testing.T) {
	const d = 3 * time.Minute
	rows, err := Sweep(context.Background(), SweepOptions{Seed: 1, Runs: 2, Duration: d})
	if err != nil {
		t.Fatal(err)
	}
	cell := map[SweepDirection]map[float64]SweepRow{}
	for _, r := range rows {
		if cell[r.Direction] == nil {
			cell[r.Direction] = map[float64]SweepRow{}
		}
		cell[r.Direction][r.Loss] = r
		if !r.Healed {
			t.Errorf("%s %g%%: not healed within one Master_Down_Interval + advert_int after the loss stopped", r.Direction, r.Loss)
		}
	}
	mdi, _, err := sweepTimers()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []SweepDirection{MasterToBackup, BackupToMaster, BothDirections} {
		if r := cell[dir][0]; r.Flaps != 0 || r.SplitBrain != 0 {
			t.Errorf("%s 0%%: %.1f flaps, %v split brain; want none", dir, r.Flaps, r.SplitBrain)
		}
	}
	for loss, r := range cell[BackupToMaster] {
		if r.Flaps != 0 || r.SplitBrain != 0 {
			t.Errorf("%s %g%%: %.1f flaps, %v split brain; want none", BackupToMaster, loss, r.Flaps, r.SplitBrain)
		}
	}
	for _, dir := range []SweepDirection{MasterToBackup, BothDirections} {
		r := cell[dir][100]
		if r.Flaps != 1 || r.SplitBrain < d-mdi-time.Second {
			t.Errorf("%s 100%%: %.1f flaps, %v split brain of %v; want 1 takeover and split brain throughout", dir, r.Flaps, r.SplitBrain, d)
		}
		if !(cell[dir][60].Flaps > cell[dir][10].Flaps) {
			t.Errorf("%s: %.1f flaps at 60%% loss, not more than %.1f at 10%%", dir, cell[dir][60].Flaps, cell[dir][10].Flaps)
		}
	}
}
