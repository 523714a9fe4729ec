package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Runner is the Worker that drafts a job's section with a Drafter rebuilt for the job, records
// every event in the EventLog, and settles the draft's status when its last section is done,
// whichever worker finishes it.
//
// A section's end is saved (SaveSection) and then recorded as an event, so a process can die in
// between. Only the section's own job records that end, in its next run (a job whose process
// died runs again), and the draft is settled (draft_done or draft_failed) only once every
// section's end is recorded: the end of a draft always comes after those of its sections, and no
// section's end is recorded twice. Two workers finishing a draft's last sections at once may both
// find it ready to settle: the store's conditional write lets one end it (EventLog.EndDraft).
type Runner struct {
	Store  draft.Store
	Events EventLog
	// Drafter returns the drafter for j: its model's writer, counting against j's budget, over
	// j's workspace. An error on the final attempt fails the section with its message.
	Drafter func(ctx context.Context, j Job) (*draft.Drafter, error)
	// Observe, when set, also sees every event (the server logs failures with it).
	Observe func(draft.Event)
	Log     *slog.Logger // nil: slog.Default()
}

var _ Worker = (*Runner)(nil)

// errLost says that an event could not be recorded: the job runs again to record it.
var errLost = errors.New("queue: a drafting event could not be recorded")

// Work drafts j's section. A section found ready or failed was finished by an earlier run whose
// process died before the queue recorded it: it is not drafted again; its end is recorded if that
// run could not, and the draft settled. With tracing on, the attempt is a span, the parent of its
// model calls' and store statements'.
func (r *Runner) Work(ctx context.Context, j Job, final bool) (err error) {
	ctx, span := otel.Tracer("github.com/draftd/draftd/draft/queue").Start(ctx, "draft_section job",
		trace.WithAttributes(attribute.String("draftd.draft_id", j.DraftID), attribute.Int("draftd.section", j.Section),
			attribute.Bool("draftd.final_attempt", final)))
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "attempt failed")
		}
		span.End()
	}()
	return r.work(ctx, j, final)
}

func (r *Runner) work(ctx context.Context, j Job, final bool) error {
	dr, err := r.Store.Draft(ctx, retrieval.AllWorkspaces(), j.DraftID)
	if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
		return fmt.Errorf("%w: %s", ErrGone, j.DraftID)
	}
	if err != nil {
		return err
	}
	if j.Section < 0 || j.Section >= len(dr.Sections) {
		return fmt.Errorf("%w: %s has no section %d", ErrGone, j.DraftID, j.Section)
	}
	d, err := r.Drafter(ctx, j)
	if err != nil {
		if !final {
			return err
		}
		// Without a drafter (the model is not configured on this process) the section fails.
		sec := dr.Sections[j.Section]
		sec.Status, sec.Error = draft.StatusFailed, retrieval.ErrorMessage(err)
		if err := r.Store.SaveSection(ctx, dr.ID, sec); err != nil {
			return err
		}
		dr.Sections[j.Section] = sec
	}
	switch dr.Sections[j.Section].Status {
	case draft.StatusReady, draft.StatusFailed:
		if err := r.recordEnd(ctx, dr, j.Section); err != nil {
			return err
		}
		return r.settle(ctx, dr.ID)
	}
	if dr.Status == draft.StatusPending {
		if err := r.Store.SetStatus(ctx, dr.ID, draft.StatusGenerating, dr.Usage); err != nil {
			return err
		}
		dr.Status = draft.StatusGenerating
	}
	lost := false
	emit := func(e draft.Event) {
		if !r.emit(ctx, e) && (e.Type == draft.EventSectionDone || e.Type == draft.EventSectionFailed) {
			lost = true
		}
	}
	if err := d.DraftSection(ctx, dr, j.Section, emit, final); err != nil {
		if !final {
			r.log().Info("draft section attempt failed; the queue tries again", "draft_id", dr.ID, "section", j.Section, "err", err)
			return err
		}
		// On the final attempt a failed section is saved failed and the draft is settled, unless
		// the save itself failed: then the attempt fails too, and the draft, left generating with
		// no live job, is recovered as interrupted (Drafter.RecoverInterrupted).
		if serr := r.saved(ctx, dr.ID, j.Section); serr != nil {
			r.log().Error("a failed section could not be saved on its last attempt", "draft_id", dr.ID, "section", j.Section, "err", err, "check", serr)
			return fmt.Errorf("queue: section %d of %s: %w", j.Section, dr.ID, err)
		}
	}
	if lost {
		return errLost // the next run finds the section saved and records its end
	}
	return r.settle(ctx, dr.ID)
}

// saved returns nil when section n of draft id is stored ready or failed, an error when it is
// not (its end was not saved) or cannot be read.
func (r *Runner) saved(ctx context.Context, id string, n int) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	dr, err := r.Store.Draft(sctx, retrieval.AllWorkspaces(), id)
	if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
		return nil // deleted meanwhile: nothing is left to finish
	}
	if err != nil {
		return err
	}
	if n >= len(dr.Sections) {
		return fmt.Errorf("queue: %s has no section %d", id, n)
	}
	if st := dr.Sections[n].Status; st != draft.StatusReady && st != draft.StatusFailed {
		return fmt.Errorf("queue: section %d of %s is still %s", n, id, st)
	}
	return nil
}

// ended reports, per section of draft id, whether the event log records the end of its latest
// run (the events after its latest section_started).
func (r *Runner) ended(ctx context.Context, id string) (map[int]bool, error) {
	ended := map[int]bool{}
	for from := int64(0); ; {
		evs, err := r.Events.Events(ctx, id, from, 500)
		if err != nil {
			return nil, err
		}
		for _, l := range evs {
			switch l.Event.Type {
			case draft.EventSectionStarted:
				ended[l.Event.Section] = false
			case draft.EventSectionDone, draft.EventSectionFailed:
				ended[l.Event.Section] = true
			}
			from = l.Seq
		}
		if len(evs) < 500 {
			return ended, nil
		}
	}
}

// recordEnd records the end of section n of dr, which is saved ready or failed, unless the log
// has it already.
func (r *Runner) recordEnd(ctx context.Context, dr *draft.Draft, n int) error {
	ended, err := r.ended(ctx, dr.ID)
	if err != nil {
		return err
	}
	if ended[n] {
		return nil
	}
	sec := dr.Sections[n]
	e := draft.Event{Type: draft.EventSectionDone, DraftID: dr.ID, Section: n, Status: sec.Status}
	if sec.Status == draft.StatusFailed {
		e.Type, e.Error = draft.EventSectionFailed, sec.Error
	}
	if !r.emit(ctx, e) {
		return errLost
	}
	return nil
}

// settle ends draft id once every section is ready or failed and its end recorded (see Runner):
// its status and its draft_done or draft_failed are written by one conditional write
// (EventLog.EndDraft), so that of two workers finishing its last sections at once only one ends
// it and its end is recorded once.
func (r *Runner) settle(ctx context.Context, id string) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	dr, err := r.Store.Draft(sctx, retrieval.AllWorkspaces(), id)
	if retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if dr.Status != draft.StatusPending && dr.Status != draft.StatusGenerating {
		return nil
	}
	for _, s := range dr.Sections {
		if s.Status == draft.StatusPending || s.Status == draft.StatusGenerating {
			return nil
		}
	}
	ended, err := r.ended(sctx, id)
	if err != nil {
		return err
	}
	for _, s := range dr.Sections {
		if !ended[s.Index] {
			return nil // its job records its end, then settles
		}
	}
	st, u, e := draft.Outcome(dr)
	var changed bool
	if !r.retry(ctx, e, func(ctx context.Context) (err error) {
		changed, err = r.Events.EndDraft(ctx, id, st, u, e)
		return err
	}) {
		return errLost
	}
	if changed && r.Observe != nil {
		r.Observe(e)
	}
	return nil
}

// emit records e, trying a few times (see retry). It reports whether e is recorded; an event of
// a draft that is gone counts as recorded.
func (r *Runner) emit(ctx context.Context, e draft.Event) bool {
	if r.Observe != nil {
		r.Observe(e)
	}
	return r.retry(ctx, e, func(ctx context.Context) error {
		_, err := r.Events.AppendEvent(ctx, e)
		return err
	})
}

// retry runs write, which records e, up to four times: a write the database refuses for a moment
// is retried and logged, never dropped silently. It reports whether write succeeded or found
// e's draft gone.
func (r *Runner) retry(ctx context.Context, e draft.Event, write func(ctx context.Context) error) bool {
	ctx = context.WithoutCancel(ctx)
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt*attempt) * 200 * time.Millisecond)
		}
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = write(actx)
		cancel()
		if err == nil || errors.Is(err, retrieval.ErrNotFound) || retrieval.ErrorCode(err) == retrieval.ENOTFOUND {
			return true
		}
		r.log().Warn("recording a drafting event failed", "draft_id", e.DraftID, "type", e.Type, "attempt", attempt+1, "err", err)
	}
	r.log().Error("a drafting event was not recorded", "draft_id", e.DraftID, "type", e.Type, "err", err)
	return false
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}
