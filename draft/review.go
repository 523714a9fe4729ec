package draft

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// Reviewer applies reviewers' decisions to drafts: approve, reject or edit a sentence.
// An edited sentence is checked again by the number guard and keeps its earlier texts.
// Every decision is made in a scope: a draft of another workspace is retrieval.ErrNotFound.
//
// Decisions are safe among any number of processes on one store: each is made by Store.Review on
// the draft as it is under the store's lock on it, and writes only the sentences it changes, so
// two reviewers of one section never undo each other's work. A decision that names the sentence
// version it was made on (Verdict.Version) is refused with ESTALE once another has changed the
// sentence; a draft being generated is not reviewed (EGENERATING), so a review is ordered before
// or after a regeneration, never within it.
type Reviewer struct {
	Store Store
	Guard *guard.Guard
	Now   func() time.Time
	Log   *slog.Logger // store failures that are retried; nil: slog.Default()
}

func (r *Reviewer) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

func (r *Reviewer) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// Error codes of review under concurrency; web maps them to 409.
const (
	// ESTALE refuses a decision made on a version of a sentence that another decision has changed since.
	ESTALE = "stale_sentence"
	// EGENERATING refuses a review of a draft while it is being generated or regenerated.
	EGENERATING = "draft_generating"
)

// StaleError is the ESTALE error of sentence sid, decided on at version seen and stored at version now.
func StaleError(sid string, seen, now int) error {
	return retrieval.Errorf(ESTALE, "句子 %s 已被他人修改（您看到的是第 %d 版，现在是第 %d 版），请刷新稿件、查看新的内容后再审核", sid, seen, now)
}

// reviewable refuses a draft whose generation has not finished (EGENERATING).
func reviewable(d *Draft) error {
	if d.Status == StatusPending || d.Status == StatusGenerating {
		return retrieval.Errorf(EGENERATING, "稿件 %s 正在生成，生成完毕后再审核", d.ID)
	}
	return nil
}

// reviewAttempts bounds the tries of one decision when the store is unavailable.
const reviewAttempts = 3

// review has the store apply decide to draft id (see Store.Review), trying again, after a pause,
// when the store is unavailable (EUNAVAILABLE) — at most reviewAttempts times, each failure logged —
// then returns the draft as stored.
func (r *Reviewer) review(ctx context.Context, sc retrieval.Scope, id string, decide func(d *Draft) (ReviewWrite, error)) (*Draft, error) {
	var err error
	for attempt := 1; attempt <= reviewAttempts; attempt++ {
		if err = r.Store.Review(ctx, sc, id, decide); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
			break
		}
		r.log().Warn("review: store write failed", "draft", id, "attempt", attempt, "of", reviewAttempts, "err", err)
		if attempt == reviewAttempts {
			break
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt*attempt) * 200 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, err
	}
	return r.Store.Draft(ctx, sc, id)
}

// changed returns the writes of the sentences of section sec that differ from before (their JSON,
// by sentence ID, from fingerprints) or are new.
func changed(sec *Section, before map[string]string) []SentenceWrite {
	var out []SentenceWrite
	for _, x := range sec.Sentences {
		if b, ok := before[x.ID]; !ok || b != fingerprint(x) {
			out = append(out, SentenceWrite{Section: sec.Index, Sentence: x})
		}
	}
	return out
}

// fingerprints returns each sentence of sec's JSON by its ID, for changed.
func fingerprints(sec *Section) map[string]string {
	out := make(map[string]string, len(sec.Sentences))
	for _, x := range sec.Sentences {
		out[x.ID] = fingerprint(x)
	}
	return out
}

func fingerprint(x Sentence) string {
	b, _ := json.Marshal(x) // a Sentence always encodes
	return string(b)
}

// Error codes of the review rules; web maps them to statuses.
const (
	// EREASONREQUIRED refuses to approve a high-risk sentence without the reviewer's reason.
	EREASONREQUIRED = "reason_required"
	// EOWNDRAFT refuses the holder of the key that created a draft a decision that reviews it.
	EOWNDRAFT = "own_draft"
)

// Verdict is a decision on one sentence of a draft.
type Verdict struct {
	// Decision is "approve", "reject", "edit" (a reviewer's new text, which counts as reviewed) or
	// "revise" (a writer's new text, which goes back to pending).
	Decision string
	Text     string // the new text, to edit or revise
	Reason   string // why, recorded in the audit trail; required to approve a high-risk sentence
	By       string // who decides: the reviewer's name, or the API key's holder
	// Version is the Sentence.Version the decision was made on; a sentence changed since is
	// ESTALE. 0 decides on the sentence as stored.
	Version int
}

// Decide records verdict v on sentence sid of draft id. Both kinds of edit are checked again by
// the number guard and keep the earlier text. Approving a high-risk sentence takes a reason
// (EREASONREQUIRED without one). The creator of a draft (Draft.CreatedBy, when set) may not approve
// or reject its sentences (EOWNDRAFT); their edit is a revision, which waits for another reviewer.
func (r *Reviewer) Decide(ctx context.Context, sc retrieval.Scope, id, sid string, v Verdict) (*Draft, error) {
	by, err := reviewer(v.By)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(v.Reason)
	var dec string
	switch v.Decision {
	case "approve":
		dec = DecisionApproved
	case "reject":
		dec = DecisionRejected
	case "edit", "revise":
		dec = DecisionEdited
		if v.Decision == "revise" {
			dec = DecisionRevised
		}
		if strings.TrimSpace(v.Text) == "" {
			return nil, retrieval.Errorf(retrieval.EINVALID, "修改句子需要填写新的文字（text）；不要的句子请驳回")
		}
	default:
		return nil, retrieval.Errorf(retrieval.EINVALID, "decision 只能是 approve、reject、edit 或 revise，收到的是 %q", v.Decision)
	}
	return r.review(ctx, sc, id, func(d *Draft) (ReviewWrite, error) {
		if err := reviewable(d); err != nil {
			return ReviewWrite{}, err
		}
		si, xi := findSentence(d, sid)
		if si < 0 {
			return ReviewWrite{}, retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有句子 %s", id, sid)
		}
		sec := &d.Sections[si]
		x := &sec.Sentences[xi]
		if v.Version != 0 && v.Version != x.Version {
			return ReviewWrite{}, StaleError(sid, v.Version, x.Version)
		}
		dec := dec
		if ownDraft(d, by) {
			switch dec {
			case DecisionApproved, DecisionRejected:
				return ReviewWrite{}, ownDraftError(d)
			case DecisionEdited:
				dec = DecisionRevised
			}
		}
		if dec == DecisionApproved && x.Risk == RiskHigh && reason == "" {
			return ReviewWrite{}, retrieval.Errorf(EREASONREQUIRED, "句子 %s 为高风险，请核实后写明通过理由（reason），理由将记入审核记录", sid)
		}
		before := fingerprints(sec)
		at := r.now()
		entry := AuditEntry{SentenceID: sid, Decision: dec, By: by, At: at, Reason: reason}
		if dec == DecisionEdited || dec == DecisionRevised {
			text := strings.TrimSpace(v.Text)
			entry.Before, entry.After = x.Text, text
			if text != x.Text {
				x.History = append(slices.Clip(x.History), Revision{Text: x.Text, By: by, At: at})
				r.recheck(d, si, x, text)
			}
		}
		x.Review = Review{Decision: dec, By: by, At: &at}
		if dec == DecisionRevised {
			x.Review = Review{Decision: DecisionPending} // a writer's text still needs a reviewer
		}
		renumber(sec, at)
		return ReviewWrite{Sentences: changed(sec, before), Entries: []AuditEntry{entry}, Status: reviewStatus(d)}, nil
	})
}

// ownDraft reports whether by created d with an API key: in single-user mode no draft has a creator.
func ownDraft(d *Draft, by string) bool { return d.CreatedBy != "" && by == d.CreatedBy }

// ownDraftError is the EOWNDRAFT error for a decision by d's creator.
func ownDraftError(d *Draft) error {
	return retrieval.Errorf(EOWNDRAFT, "稿件由“%s”创建，不能由本人审核：请由其他审核人通过或驳回", d.CreatedBy)
}

// ApproveLowRisk approves every pending low-risk generated sentence of draft id at once; the
// draft's creator may not (EOWNDRAFT).
func (r *Reviewer) ApproveLowRisk(ctx context.Context, sc retrieval.Scope, id, by string) (*Draft, error) {
	by, err := reviewer(by)
	if err != nil {
		return nil, err
	}
	return r.review(ctx, sc, id, func(d *Draft) (ReviewWrite, error) {
		if err := reviewable(d); err != nil {
			return ReviewWrite{}, err
		}
		if ownDraft(d, by) {
			return ReviewWrite{}, ownDraftError(d)
		}
		at := r.now()
		w := ReviewWrite{}
		for si := range d.Sections {
			for xi := range d.Sections[si].Sentences {
				x := &d.Sections[si].Sentences[xi]
				if x.Generated && x.Risk == RiskLow && !x.Review.Reviewed() {
					x.Review = Review{Decision: DecisionApproved, By: by, At: &at}
					w.Sentences = append(w.Sentences, SentenceWrite{Section: d.Sections[si].Index, Sentence: *x})
					w.Entries = append(w.Entries, AuditEntry{SentenceID: x.ID, Decision: DecisionApproved, By: by, At: at})
				}
			}
		}
		w.Status = reviewStatus(d)
		return w, nil
	})
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
	merged := Sentence{ID: x.ID, Version: x.Version, Text: text, Generated: true, Added: x.Added, Review: x.Review, History: x.History,
		Figures: []string{}, UnboundNumbers: []string{}, Sources: []Source{}, Claims: []Claim{}, Reasons: []string{}, Risk: RiskLow}
	rank := map[Risk]int{RiskLow: 0, RiskMedium: 1, RiskHigh: 2}
	_, offs := guard.SplitSentences(text)
	for i, p := range parts {
		// Claims count characters of their part; the merged sentence is the whole text.
		shift := 0
		if i < len(offs) {
			shift = utf8.RuneCountInString(text[:offs[i]])
		}
		for _, c := range p.Claims {
			c.Start, c.End = c.Start+shift, c.End+shift
			merged.Claims = append(merged.Claims, c)
		}
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

// reviewStatus is approved when no generated sentence is pending, no figure is missing and no
// section failed; else ready.
func reviewStatus(d *Draft) Status {
	for i, s := range d.Sections {
		if s.Status != StatusReady {
			return d.Status
		}
		if len(d.Missing(i)) > 0 {
			return StatusReady
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
// bound figures (those and, optional, the values they were compared with: see Compared; derived
// figures a template section need not state are optional too: see SectionInput.Optional), and the
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
		bound = append(bound, boundOf(f, in.Optional(f)))
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
// them; not the previous and target values, nor the changes a template section need not state: see
// SectionInput.Optional) that no sentence carries any more —
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
	in := d.Input.Sections[n]
	for _, f := range d.SectionFigures(n) {
		if f.Origin == OriginPrevious || f.Origin == OriginTarget || carried[f.ID] {
			continue
		}
		if f.Origin == OriginDerived && in.Optional(Figure{ID: f.ID, Derived: true, DerivedFrom: f.DerivedFrom}) {
			continue
		}
		out = append(out, f.ID)
	}
	return out
}

// Restore states a missing figure of section n of draft id again, in a sentence draftd writes as it
// writes a figure the model left out; the sentence waits for a reviewer. The figure must be missing.
func (r *Reviewer) Restore(ctx context.Context, sc retrieval.Scope, id string, n int, figureID, by string) (*Draft, error) {
	return r.decideFigure(ctx, sc, id, n, figureID, by, false, func(sec *Section, f Figure, by string, at time.Time) AuditEntry {
		text := addedText(f)
		sec.Sentences = append(sec.Sentences, Sentence{ID: nextSentenceID(sec), Text: text, Generated: true, Added: true,
			Figures: []string{f.ID}, UnboundNumbers: []string{}, Sources: []Source{}, Risk: RiskLow, History: []Revision{},
			Claims: []Claim{{Start: utf8.RuneCountInString(text) - utf8.RuneCountInString(f.Text()+"。"), End: utf8.RuneCountInString(text) - 1,
				Text: f.Text(), Kind: string(guard.ClaimNumber), Supported: true, Figure: f.ID, Reason: "撰稿人提供的数据：" + f.Label}},
			Review:  Review{Decision: DecisionPending},
			Reasons: []string{"审核人恢复了被删去的数据，由系统按原数据补写，请润色。"}})
		return AuditEntry{FigureID: f.ID, Decision: DecisionRestored, By: by, At: at, After: text}
	})
}

// Drop records that section n of draft id need not state a missing figure, with the reviewer's
// reason, which is required. The draft's creator may not (EOWNDRAFT): a drop lets the draft be
// approved without the figure.
func (r *Reviewer) Drop(ctx context.Context, sc retrieval.Scope, id string, n int, figureID, reason, by string) (*Draft, error) {
	if reason = strings.TrimSpace(reason); reason == "" && strings.TrimSpace(by) != "" {
		return nil, retrieval.Errorf(retrieval.EINVALID, "请说明不再陈述该数据的理由（reason）")
	}
	return r.decideFigure(ctx, sc, id, n, figureID, by, true, func(sec *Section, f Figure, by string, at time.Time) AuditEntry {
		sec.Dropped = append(sec.Dropped, DroppedFigure{FigureID: f.ID, Reason: reason, By: by, At: at})
		return AuditEntry{FigureID: f.ID, Decision: DecisionDropped, By: by, At: at, Before: f.Text(), After: reason}
	})
}

// decideFigure applies a decision on missing figure figureID of section n of draft id, under the
// draft's lock: apply changes the section and returns the audit entry, which is stored with it.
// With notOwn, the draft's creator may not decide (EOWNDRAFT).
func (r *Reviewer) decideFigure(ctx context.Context, sc retrieval.Scope, id string, n int, figureID, by string, notOwn bool,
	apply func(sec *Section, f Figure, by string, at time.Time) AuditEntry) (*Draft, error) {
	by, err := reviewer(by)
	if err != nil {
		return nil, err
	}
	return r.review(ctx, sc, id, func(d *Draft) (ReviewWrite, error) {
		if err := reviewable(d); err != nil {
			return ReviewWrite{}, err
		}
		if notOwn && ownDraft(d, by) {
			return ReviewWrite{}, ownDraftError(d)
		}
		f, err := missingFigure(d, n, figureID)
		if err != nil {
			return ReviewWrite{}, err
		}
		sec := &d.Sections[n]
		before := fingerprints(sec)
		entry := apply(sec, f, by, r.now())
		return ReviewWrite{Sentences: changed(sec, before), Dropped: map[int][]DroppedFigure{sec.Index: sec.Dropped},
			Entries: []AuditEntry{entry}, Status: reviewStatus(d)}, nil
	})
}

// reviewer returns the reviewer's name trimmed, or EINVALID when there is none.
func reviewer(by string) (string, error) {
	if by = strings.TrimSpace(by); by == "" {
		return "", retrieval.Errorf(retrieval.EINVALID, "请填写审核人姓名（by）")
	}
	return by, nil
}

// missingFigure returns the figure figureID of section n of d, which must be missing.
func missingFigure(d *Draft, n int, figureID string) (Figure, error) {
	if n < 0 || n >= len(d.Sections) {
		return Figure{}, retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有第 %d 部分", d.ID, n)
	}
	figures, _, _ := sectionFigures(d, n)
	for _, f := range figures {
		if f.ID != figureID {
			continue
		}
		for _, m := range d.Missing(n) {
			if m == figureID {
				return f, nil
			}
		}
		return Figure{}, retrieval.Errorf(retrieval.ECONFLICT, "数据 %s 仍在稿中或已标记为删去，无需处理", figureID)
	}
	return Figure{}, retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 第 %d 部分没有数据 %s", d.ID, n, figureID)
}

// nextSentenceID returns an ID no sentence of sec has: s<section>-<one past the highest>.
func nextSentenceID(sec *Section) string {
	high := len(sec.Sentences)
	prefix := fmt.Sprintf("s%d-", sec.Index+1)
	for _, x := range sec.Sentences {
		if k, err := strconv.Atoi(strings.TrimPrefix(x.ID, prefix)); err == nil && k > high {
			high = k
		}
	}
	return fmt.Sprintf("%s%d", prefix, high+1)
}

// enumeratorRE finds the enumerators of running prose at a sentence start: 一是, 其一, 第一，.
var enumeratorRE = regexp.MustCompile(`^(其)?([一二三四五六七八九十]+)(是|[，,、])`)

// renumber numbers the enumerations of sec's sentences again in order, counting only sentences not
// rejected, so that rejecting 一是… leaves 一是 where 二是 stood. Each kind (X是, 其X, 第X，) counts
// apart. A renumbered sentence keeps its earlier text in its history and its review.
func renumber(sec *Section, at time.Time) {
	counts := map[string]int{}
	for i := range sec.Sentences {
		x := &sec.Sentences[i]
		if x.Review.Decision == DecisionRejected {
			continue
		}
		text := strings.TrimSpace(x.Text)
		prefix := ""
		if strings.HasPrefix(text, "第") {
			prefix, text = "第", strings.TrimPrefix(text, "第")
		}
		m := enumeratorRE.FindStringSubmatch(text)
		if m == nil || (prefix == "第" && m[3] == "是") || (prefix == "" && m[1] == "" && m[3] != "是") {
			continue
		}
		kind := prefix + m[1] + "|" + m[3]
		counts[kind]++
		want := ChineseOrdinal(counts[kind])
		if want == m[2] {
			continue
		}
		renumbered := prefix + m[1] + want + m[3] + text[len(m[0]):]
		x.History = append(x.History, Revision{Text: x.Text, By: "draftd（重新编号）", At: at})
		x.Text = renumbered
		for j := range x.Claims {
			// The numeral may change length (十 → 十一): claims after it move with it.
			shift := utf8.RuneCountInString(want) - utf8.RuneCountInString(m[2])
			if x.Claims[j].Start > 0 {
				x.Claims[j].Start += shift
				x.Claims[j].End += shift
			}
		}
	}
}

// Rewrite modes: what a Rewriter is asked to do with one sentence.
const (
	ModeRewrite = "rewrite" // 改写: the same facts in other words
	ModeExpand  = "expand"  // 扩写: a fuller sentence, with no new facts
	ModeShorten = "shorten" // 缩写: a shorter one that keeps every figure
)

// ModeNames names each rewrite mode in Chinese, as the prompt and the audit trail say it.
var ModeNames = map[string]string{ModeRewrite: "改写", ModeExpand: "扩写", ModeShorten: "缩写"}

// RewriteRequest asks a model for a new version of one sentence of a section.
type RewriteRequest struct {
	Mode                                 string // ModeRewrite, ModeExpand or ModeShorten
	Title, Organization, Period, Heading string
	Notes                                string   // the writer's own words; data, not instructions
	Figures                              []Figure // the figures the sentence states, in the section's order; written only as Token(ID)
	// Sentence is the sentence with each figure it states written as its Token; the new version
	// must keep every token of it, exactly once.
	Sentence string
}

// Rewriter writes a new version of one sentence, with figure tokens in place of numbers. The chat
// model's writer is one; the offline writer is not. Errors are as Writer's.
type Rewriter interface {
	Rewrite(ctx context.Context, req RewriteRequest) (SectionText, error)
}

// Rewrite has w write a new version of sentence sid of draft id — reworded, expanded or shortened
// as mode says — and checks it as Decide checks an edit: the number guard, the claims and the risk
// are found again, the earlier text goes to the sentence's history and the audit trail records a
// revision by by, with the mode and model as its reason. The sentence then waits for a reviewer,
// whoever asked. The model is called without the draft's lock; if the sentence changed meanwhile
// the rewrite is ECONFLICT. An answer that leaves out a figure the sentence stated, or names one the
// section lacks, is EUNAVAILABLE and changes nothing, as is a failed model call.
func (r *Reviewer) Rewrite(ctx context.Context, sc retrieval.Scope, id, sid, mode, by string, w Rewriter) (*Draft, error) {
	by, err := reviewer(by)
	if err != nil {
		return nil, err
	}
	name, ok := ModeNames[mode]
	if !ok {
		return nil, retrieval.Errorf(retrieval.EINVALID, "mode 只能是 rewrite（改写）、expand（扩写）或 shorten（缩写），收到的是 %q", mode)
	}
	d, err := r.Store.Draft(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := reviewable(d); err != nil {
		return nil, err
	}
	si, xi := findSentence(d, sid)
	if si < 0 {
		return nil, retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有句子 %s", id, sid)
	}
	x := d.Sections[si].Sentences[xi]
	if !x.Generated {
		return nil, retrieval.Errorf(retrieval.EINVALID, "句子 %s 是撰稿人原文，不需要改写", sid)
	}
	figures, _, _ := sectionFigures(d, si)
	for _, f := range d.Input.Sections[si].Figures {
		figures = append(figures, Compared(f)...)
	}
	byID := make(map[string]Figure, len(figures))
	for _, f := range figures {
		byID[f.ID] = f
	}
	var stated []Figure // the model is shown only the figures the sentence states: a rewrite adds none
	for _, f := range figures {
		if slices.Contains(x.Figures, f.ID) {
			stated = append(stated, f)
		}
	}
	in := d.Input.Sections[si]
	req := RewriteRequest{Mode: mode, Title: d.Title, Organization: d.Organization, Period: d.Period, Heading: in.Heading,
		Notes: in.Notes, Figures: stated, Sentence: tokenized(x, byID)}
	out, err := w.Rewrite(ctx, req)
	if err != nil {
		return nil, err
	}
	a := prepareAnswer(strings.Trim(strings.TrimSpace(out.Text), "“”\"「」"), byID)
	if len(a.unknown) > 0 {
		return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型%s时写了不存在的数据标记 %s，句子未作修改，请重试或手工修改", name, Token(a.unknown[0]))
	}
	for _, fid := range x.Figures {
		if !strings.Contains(a.written, Token(fid)) {
			return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型%s时漏掉了数据“%s”，句子未作修改，请重试或手工修改", name, byID[fid].Label)
		}
	}
	if a.text == "" {
		return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型没有给出%s结果，句子未作修改，请重试", name)
	}

	return r.review(ctx, sc, id, func(d *Draft) (ReviewWrite, error) {
		if err := reviewable(d); err != nil {
			return ReviewWrite{}, err
		}
		si, xi := findSentence(d, sid)
		if si < 0 || d.Sections[si].Sentences[xi].Version != x.Version || d.Sections[si].Sentences[xi].Text != x.Text {
			return ReviewWrite{}, retrieval.Errorf(ESTALE, "句子 %s 在%s期间被修改了，请查看新的文字后再试", sid, name)
		}
		sec := &d.Sections[si]
		before := fingerprints(sec)
		y := &sec.Sentences[xi]
		at := r.now()
		model := out.Model
		if model == "" {
			model = d.Model
		}
		entry := AuditEntry{SentenceID: sid, Decision: DecisionRevised, By: by, At: at, Before: y.Text, After: a.text,
			Reason: fmt.Sprintf("由模型 %s %s", model, name)}
		if a.text != y.Text {
			y.History = append(slices.Clip(y.History), Revision{Text: y.Text, By: by, At: at})
			r.recheck(d, si, y, a.text)
		}
		y.Review = Review{Decision: DecisionPending}
		renumber(sec, at)
		return ReviewWrite{Sentences: changed(sec, before), Entries: []AuditEntry{entry}, Status: reviewStatus(d)}, nil
	})
}

// tokenized returns x's text with each figure it states as its Token: at the words of a supported
// number claim bound to the figure when there is one, else at the first occurrence of its text.
func tokenized(x Sentence, byID map[string]Figure) string {
	rs := []rune(x.Text)
	type span struct {
		start, end int
		id         string
	}
	var spans []span
	done := map[string]bool{}
	for _, c := range x.Claims {
		f, ok := byID[c.Figure]
		if !ok || !c.Supported || c.Start < 0 || c.End > len(rs) || c.Start >= c.End || string(rs[c.Start:c.End]) != f.Text() {
			continue
		}
		if len(spans) > 0 && c.Start < spans[len(spans)-1].end {
			continue // claims come in order; an overlapping one is said already
		}
		spans = append(spans, span{c.Start, c.End, f.ID})
		done[f.ID] = true
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(string(rs[last:sp.start]) + Token(sp.id))
		last = sp.end
	}
	b.WriteString(string(rs[last:]))
	text := b.String()
	for _, id := range x.Figures {
		if f, ok := byID[id]; ok && !done[id] && f.Text() != "" {
			text = strings.Replace(text, f.Text(), Token(id), 1)
		}
	}
	return text
}
