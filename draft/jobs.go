package draft

import "context"

// DraftSection drafts section n of dr as one attempt of a queued job and saves it. When final is
// false and drafting fails, nothing is saved and no failure is reported: the error goes back to
// the queue, which tries again after a backoff; on the final attempt the section is saved failed,
// as RunSection does.
func (d *Drafter) DraftSection(ctx context.Context, dr *Draft, n int, emit func(Event), final bool) error {
	return d.runSection(ctx, dr, n, emit, final)
}

// Settle sets the status of dr, whose sections are all ready or failed, from theirs (ready when
// all are ready, failed otherwise), with their usage, and emits draft_done or draft_failed. A
// failed draft is reported as an EUNAVAILABLE error naming the unfinished sections.
func (d *Drafter) Settle(ctx context.Context, dr *Draft, emit func(Event)) error {
	d.defaults()
	if emit == nil {
		emit = func(Event) {}
	}
	return d.finish(ctx, dr, emit)
}

// New validates the figures and returns a new draft whose sections are pending, not yet stored:
// Create stores it alone, a job queue with its jobs.
func (d *Drafter) New(in *Figures) (*Draft, error) {
	d.defaults()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := d.Now().UTC()
	dr := &Draft{ID: newID(), Title: in.Title, Organization: in.Organization, Period: in.Period,
		Status: StatusPending, Model: d.Model, PromptVersion: d.PromptVersion, Input: in, CreatedAt: now, UpdatedAt: now}
	for i, s := range in.Sections {
		dr.Sections = append(dr.Sections, Section{Index: i, Heading: s.Heading, Status: StatusPending, Sentences: []Sentence{}, Sources: []Source{}})
	}
	return dr, nil
}
