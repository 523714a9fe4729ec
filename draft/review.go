package draft

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// Reviewer applies reviewers' decisions to drafts: approve, reject or edit a sentence.
// An edited sentence is checked again by the number guard and keeps its earlier texts.
type Reviewer struct {
	Store Store
	Guard *guard.Guard
	Now   func() time.Time

	mu    sync.Mutex
	locks map[string]*sync.Mutex // per draft: decisions on one draft are applied one at a time
}

// lock serialises the read-modify-write of one draft's review in this process.
func (r *Reviewer) lock(id string) func() {
	r.mu.Lock()
	if r.locks == nil {
		r.locks = map[string]*sync.Mutex{}
	}
	l := r.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		r.locks[id] = l
	}
	r.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (r *Reviewer) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// load returns a draft that can be reviewed: its generation has finished.
func (r *Reviewer) load(ctx context.Context, id string) (*Draft, error) {
	d, err := r.Store.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Status == StatusPending || d.Status == StatusGenerating {
		return nil, retrieval.Errorf(retrieval.ECONFLICT, "draft %s is still being generated; review it when it is ready", id)
	}
	return d, nil
}

// Decide records decision on sentence sid of draft id by reviewer by: "approve", "reject", "edit"
// (a reviewer's new text, which counts as reviewed) or "revise" (a writer's new text, which goes back
// to pending). Both kinds of edit are checked again by the number guard and keep the earlier text.
func (r *Reviewer) Decide(ctx context.Context, id, sid, decision, text, by string) (*Draft, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return nil, retrieval.Errorf(retrieval.EINVALID, "by (the reviewer's name) is required")
	}
	var dec string
	switch decision {
	case "approve":
		dec = DecisionApproved
	case "reject":
		dec = DecisionRejected
	case "edit", "revise":
		dec = DecisionEdited
		if decision == "revise" {
			dec = DecisionRevised
		}
		if strings.TrimSpace(text) == "" {
			return nil, retrieval.Errorf(retrieval.EINVALID, "text is required to edit a sentence (reject it to remove it)")
		}
	default:
		return nil, retrieval.Errorf(retrieval.EINVALID, "decision must be approve, reject, edit or revise, got %q", decision)
	}
	defer r.lock(id)()
	d, err := r.load(ctx, id)
	if err != nil {
		return nil, err
	}
	si, xi := findSentence(d, sid)
	if si < 0 {
		return nil, retrieval.Errorf(retrieval.ENOTFOUND, "draft %s has no sentence %s", id, sid)
	}
	sec := &d.Sections[si]
	x := &sec.Sentences[xi]
	at := r.now()
	entry := AuditEntry{SentenceID: sid, Decision: dec, By: by, At: at}
	if dec == DecisionEdited || dec == DecisionRevised {
		text = strings.TrimSpace(text)
		entry.Before, entry.After = x.Text, text
		if text != x.Text {
			x.History = append(x.History, Revision{Text: x.Text, By: by, At: at})
			r.recheck(d, si, x, text)
		}
	}
	x.Review = Review{Decision: dec, By: by, At: &at}
	if dec == DecisionRevised {
		x.Review = Review{Decision: DecisionPending} // a writer's text still needs a reviewer
	}
	st := reviewStatus(d)
	if err := r.Store.SaveReview(ctx, id, []Section{*sec}, []AuditEntry{entry}, st); err != nil {
		return nil, err
	}
	return r.Store.Draft(ctx, id)
}

// ApproveLowRisk approves every pending low-risk generated sentence of draft id at once.
func (r *Reviewer) ApproveLowRisk(ctx context.Context, id, by string) (*Draft, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return nil, retrieval.Errorf(retrieval.EINVALID, "by (the reviewer's name) is required")
	}
	defer r.lock(id)()
	d, err := r.load(ctx, id)
	if err != nil {
		return nil, err
	}
	at := r.now()
	var secs []Section
	var entries []AuditEntry
	for si := range d.Sections {
		changed := false
		for xi := range d.Sections[si].Sentences {
			x := &d.Sections[si].Sentences[xi]
			if x.Generated && x.Risk == RiskLow && !x.Review.Reviewed() {
				x.Review = Review{Decision: DecisionApproved, By: by, At: &at}
				entries = append(entries, AuditEntry{SentenceID: x.ID, Decision: DecisionApproved, By: by, At: at})
				changed = true
			}
		}
		if changed {
			secs = append(secs, d.Sections[si])
		}
	}
	if len(entries) > 0 {
		if err := r.Store.SaveReview(ctx, id, secs, entries, reviewStatus(d)); err != nil {
			return nil, err
		}
	}
	return r.Store.Draft(ctx, id)
}

// recheck replaces x's text and runs the number guard and risk analysis on it again.
func (r *Reviewer) recheck(d *Draft, si int, x *Sentence, text string) {
	g := r.Guard
	if g == nil {
		g = guard.New(nil)
	}
	figures, bound, userText := sectionFigures(d, si)
	var passages []retrieval.Result
	for _, s := range d.Sections[si].Sources {
		passages = append(passages, retrieval.Result{PassageID: s.PassageID, DocumentID: s.DocumentID, DocumentTitle: s.DocumentTitle, HeadingPath: s.HeadingPath, Text: s.Text})
	}
	rep := g.Check(text, bound, userText)
	rep.Missing = nil // one sentence need not state every figure
	parts := analyse(analysis{text: text, report: rep, guard: g, bound: bound, userText: userText, figures: figures, passages: passages})
	merged := Sentence{ID: x.ID, Text: text, Generated: true, Added: x.Added, Review: x.Review, History: x.History,
		Figures: []string{}, UnboundNumbers: []string{}, Sources: []Source{}, Reasons: []string{}, Risk: RiskLow}
	rank := map[Risk]int{RiskLow: 0, RiskMedium: 1, RiskHigh: 2}
	for _, p := range parts {
		merged.Figures = append(merged.Figures, p.Figures...)
		merged.UnboundNumbers = append(merged.UnboundNumbers, p.UnboundNumbers...)
		merged.Sources = append(merged.Sources, p.Sources...)
		if rank[p.Risk] > rank[merged.Risk] {
			merged.Risk = p.Risk
			merged.Reasons = nil
		}
		if p.Risk == merged.Risk {
			merged.Reasons = append(merged.Reasons, p.Reasons...)
		}
	}
	if len(merged.Reasons) == 0 {
		merged.Reasons = []string{"只陈述撰稿人提供的数据。"}
	}
	*x = merged
}

// reviewStatus is approved when no generated sentence is pending and no section failed; else ready.
func reviewStatus(d *Draft) Status {
	for _, s := range d.Sections {
		if s.Status != StatusReady {
			return d.Status
		}
		for _, x := range s.Sentences {
			if x.Generated && !x.Review.Reviewed() {
				return StatusReady
			}
		}
	}
	return StatusApproved
}

func findSentence(d *Draft, sid string) (int, int) {
	for si, s := range d.Sections {
		for xi, x := range s.Sentences {
			if x.ID == sid {
				return si, xi
			}
		}
	}
	return -1, -1
}

// sectionFigures returns section si's figures (derived included), the figures a draft may state as
// bound figures (those and, optional, the values they were compared with: see Compared), and the
// writer's own text the guard accepts numbers from.
func sectionFigures(d *Draft, si int) ([]Figure, []guard.BoundFigure, []string) {
	in := d.Input.Sections[si]
	var figures, compared []Figure
	for _, f := range in.Figures {
		figures = append(figures, f)
		figures = append(figures, Derive(f)...)
		compared = append(compared, Compared(f)...)
	}
	bound := make([]guard.BoundFigure, 0, len(figures)+len(compared))
	userText := []string{d.Title, d.Organization, d.Period, in.Heading, in.Notes}
	base := map[string]Figure{}
	for _, f := range in.Figures {
		base[f.ID] = f
	}
	boundOf := func(f Figure, optional bool) guard.BoundFigure {
		b := base[f.ID]
		if f.DerivedFrom != "" {
			b = base[f.DerivedFrom]
		}
		return guard.BoundFigure{ID: f.ID, Text: f.Text(), Optional: optional, Label: f.Label, Derived: f.Derived,
			Trend: direction(b.Value, b.Previous), VsTarget: direction(b.Value, b.Target)}
	}
	for _, f := range figures {
		bound = append(bound, boundOf(f, false))
		userText = append(userText, f.Label, f.Note)
	}
	for _, f := range compared {
		bound = append(bound, boundOf(f, true))
	}
	return figures, bound, userText
}

// direction says which way value stands against other: guard.DirNone when either does not parse.
func direction(value, other string) guard.Direction {
	v, _, ok := parseExact(value)
	if !ok {
		return guard.DirNone
	}
	o, _, ok := parseExact(other)
	if !ok {
		return guard.DirNone
	}
	switch v.Cmp(o) {
	case 1:
		return guard.DirUp
	case -1:
		return guard.DirDown
	}
	return guard.DirFlat
}

// Missing returns the IDs of the figures section n must state (the writer's and those derived from
// them; not the previous and target values, which are optional) that no sentence carries any more —
// the sentence that did was rejected, or edited without it — and that no reviewer dropped, in the
// order of SectionFigures. A section that is not ready misses nothing yet.
func (d *Draft) Missing(n int) []string {
	out := []string{}
	if n < 0 || n >= len(d.Sections) || d.Input == nil || n >= len(d.Input.Sections) || d.Sections[n].Status != StatusReady {
		return out
	}
	carried := map[string]bool{}
	for _, x := range d.Sections[n].Sentences {
		if x.Review.Decision == DecisionRejected {
			continue
		}
		for _, id := range x.Figures {
			carried[id] = true
		}
	}
	for _, f := range d.Sections[n].Dropped {
		carried[f.FigureID] = true
	}
	for _, f := range d.SectionFigures(n) {
		if f.Origin != OriginPrevious && f.Origin != OriginTarget && !carried[f.ID] {
			out = append(out, f.ID)
		}
	}
	return out
}
