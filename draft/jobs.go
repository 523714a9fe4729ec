package draft

import (
	"context"
	"strings"
)

// DraftSection drafts section n of dr as one attempt of a queued job and saves it. When final is
// false and drafting fails, nothing is saved and no failure is reported: the error goes back to
// the queue, which tries again after a backoff; on the final attempt the section is saved failed,
// as RunSection does.
func (d *Drafter) DraftSection(ctx context.Context, dr *Draft, n int, emit func(Event), final bool) error {
	return d.runSection(ctx, dr, n, emit, final)
}

// Outcome returns how dr, whose sections are all ready or failed, ends: ready when every section
// is ready, failed otherwise, with its sections' usage and the event that records the end
// (draft_done, or draft_failed naming the unfinished sections). A job queue writes the status and
// records the event in one conditional write, so that of two workers finishing a draft's last
// sections at once only one ends it.
func Outcome(dr *Draft) (Status, Usage, Event) {
	st := StatusReady
	var u Usage
	var failed []string
	for _, s := range dr.Sections {
		u.Add(s.Usage)
		if s.Status != StatusReady {
			st = StatusFailed
			failed = append(failed, s.Heading)
		}
	}
	if st == StatusReady {
		return st, u, Event{Type: EventDraftDone, DraftID: dr.ID, Status: st}
	}
	return st, u, Event{Type: EventDraftFailed, DraftID: dr.ID, Status: st, Error: "未完成的部分：" + strings.Join(failed, "、")}
}

// New validates the figures, within d.Size, and returns a new draft whose sections are pending,
// not yet stored: Create stores it alone, a job queue with its jobs.
func (d *Drafter) New(in *Figures) (*Draft, error) {
	d.defaults()
	if err := in.ValidateWithin(d.Size); err != nil {
		return nil, err
	}
	now := d.Now().UTC()
	dr := &Draft{ID: newID(), Title: in.DraftTitle(), Organization: in.Organization, Period: in.Period,
		Status: StatusPending, Model: d.Model, PromptVersion: d.PromptVersion, Input: in, CreatedAt: now, UpdatedAt: now}
	for i, s := range in.Sections {
		dr.Sections = append(dr.Sections, Section{Index: i, Heading: s.Heading, Status: StatusPending, Sentences: []Sentence{}, Sources: []Source{}})
	}
	return dr, nil
}
