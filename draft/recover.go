package draft

import (
	"context"
	"fmt"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// interruptedError is the section error a stopped process leaves behind.
const interruptedError = "draftd 在生成本节时停止运行，本节未完成，请重新生成本节。"

// RecoverInterrupted finds drafts left pending or generating by a process
// that stopped, last written before cutoff, marks their unfinished sections
// failed (so that each can be regenerated alone, keeping the sections that
// are ready) and sets the drafts' status. It returns how many drafts it
// recovered. A live process writes a generating draft at least once per
// SectionTimeout, so a cutoff of SectionTimeout and more ago is safe even
// when several processes share the store; one process alone on its store
// may pass its start time.
func (d *Drafter) RecoverInterrupted(ctx context.Context, cutoff time.Time) (int, error) {
	d.defaults()
	infos, err := d.Store.Drafts(ctx, retrieval.AllWorkspaces())
	if err != nil {
		return 0, fmt.Errorf("draft: recover: %w", err)
	}
	n := 0
	for _, info := range infos {
		if info.Status != StatusPending && info.Status != StatusGenerating {
			continue
		}
		dr, err := d.Store.Draft(ctx, retrieval.AllWorkspaces(), info.ID)
		if err != nil {
			return n, fmt.Errorf("draft: recover %s: %w", info.ID, err)
		}
		if !dr.UpdatedAt.Before(cutoff) || dr.Status != StatusPending && dr.Status != StatusGenerating {
			continue
		}
		for i := range dr.Sections {
			s := &dr.Sections[i]
			if s.Status != StatusPending && s.Status != StatusGenerating {
				continue
			}
			s.Status, s.Error = StatusFailed, interruptedError
			if err := d.Store.SaveSection(ctx, dr.ID, *s); err != nil {
				return n, fmt.Errorf("draft: recover %s: %w", dr.ID, err)
			}
		}
		// finish reports a draft with failed sections as an error; here that is the expected outcome.
		if err := d.finish(ctx, dr, func(Event) {}); err != nil && dr.Status != StatusFailed {
			return n, fmt.Errorf("draft: recover %s: %w", dr.ID, err)
		}
		n++
	}
	return n, nil
}

// StaleBefore returns the cutoff before which a pending or generating draft
// cannot still be in the hands of a live process: one SectionTimeout and a
// minute before now.
func (d *Drafter) StaleBefore(now time.Time) time.Time {
	d.defaults()
	return now.Add(-d.SectionTimeout - time.Minute)
}
