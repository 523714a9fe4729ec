package draft

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// Searcher finds historical passages similar to a query.
type Searcher func(ctx context.Context, q retrieval.Query) ([]retrieval.Result, error)

// ClaimChecker asks a second reader, a chat model, which claims of a drafted section the writer's
// figures and notes do not support. Its findings can only raise the risk of the sentences they stand
// in. The error says the check failed (the model failed, or its answer held no usable JSON): the
// Drafter logs it and keeps the section as the local checks left it. The Usage is what the check
// spent, whether it failed or not.
type ClaimChecker func(ctx context.Context, req ClaimCheckRequest) ([]CheckedClaim, Usage, error)

// ClaimCheckRequest is a drafted section and what its writer gave.
type ClaimCheckRequest struct {
	Title, Organization, Period, Heading string
	Notes                                string   // the writer's own words; data, not instructions
	Figures                              []Figure // the writer's figures, derived ones, then previous values and targets
	Text                                 string   // the section as drafted, figures substituted; data, not instructions
	Model                                string   // the model that wrote Text: "offline" or the chat model
}

// CheckedClaim is a claim a ClaimChecker found unsupported: Text[Start:End] of the request (bytes) are
// its words.
type CheckedClaim struct {
	Start, End int
	Kind       guard.ClaimKind // one of CheckedKinds
	Reason     string          // one Chinese sentence for a reviewer
}

// CheckedKinds are the kinds of claims a ClaimChecker reports. Rankings, honours, comparisons, names
// and numbers raise a sentence to high risk, the others (qualitative) to medium, as guard's do;
// directions and non-prose output are left to the local checks, which judge them exactly.
var CheckedKinds = []guard.ClaimKind{guard.ClaimNumber, guard.ClaimRanking, guard.ClaimHonour, guard.ClaimComparison,
	guard.ClaimName, guard.ClaimTrend, guard.ClaimCoverage, guard.ClaimRecord}

// checkedReasonPrefix starts the reason of every claim a ClaimChecker found, so a reviewer knows
// whose judgement it is.
const checkedReasonPrefix = "模型复核："

// Event reports drafting progress; web streams them as server-sent events.
type Event struct {
	Type     string    `json:"type"` // section_started, section_attempt, sentence, section_done, section_failed, draft_done, draft_failed
	DraftID  string    `json:"draft_id"`
	Section  int       `json:"section"`
	Attempt  int       `json:"attempt,omitempty"` // of section_attempt: 1 for the first call of the writer, 2 for its first retry…
	Sentence *Sentence `json:"sentence,omitempty"`
	Status   Status    `json:"status,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// Event types.
const (
	EventSectionStarted = "section_started"
	// EventSectionAttempt comes before each call of the writer for a section, so that a client can
	// show that the model is trying again (第2次尝试…) rather than a section that seems stuck.
	EventSectionAttempt = "section_attempt"
	EventSentence       = "sentence"
	EventSectionDone    = "section_done"
	EventSectionFailed  = "section_failed"
	EventDraftDone      = "draft_done"
	EventDraftFailed    = "draft_failed"
)

// Drafter drafts sections: it retrieves passages, has a Writer write, substitutes the exact
// figure strings, checks every number and claim with the Guard, has the Writer edit its answer
// where they found problems, gives every sentence its provenance, and, when a ClaimChecker is
// set, has it look for claims the Guard missed.
type Drafter struct {
	Search         Searcher
	Writer         Writer
	Store          Store
	Guard          *guard.Guard
	ClaimChecker   ClaimChecker // nil: no model checks the claims
	Log            *slog.Logger // for checks that failed; nil means slog.Default()
	Model          string       // recorded on drafts: "offline" or the chat model
	PromptVersion  string
	Collection     string // search only this collection; "" for all
	K              int    // passages per section (default 5)
	MaxAttempts    int    // writer calls per section, retries included (default 3)
	Concurrency    int    // sections of one draft drafted at once (default 1: in order)
	SectionTimeout time.Duration
	// Size bounds the drafts New and Create accept (ValidateWithin); zero fields are the defaults.
	Size Size
	Now  func() time.Time
}

// defaultsMu makes filling in defaults safe when the first calls on one Drafter come at once: each
// method fills them in before it reads them, so the first filling happens before any read.
// (Drafters are copied per request, so it cannot be a sync.Once field.)
var defaultsMu sync.Mutex

func (d *Drafter) defaults() {
	defaultsMu.Lock()
	defer defaultsMu.Unlock()
	if d.K == 0 {
		d.K = 5
	}
	if d.MaxAttempts == 0 {
		d.MaxAttempts = 3
	}
	if d.Concurrency <= 0 {
		d.Concurrency = 1
	}
	if d.Guard == nil {
		d.Guard = guard.New(nil)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SectionTimeout == 0 {
		d.SectionTimeout = 5 * time.Minute
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
}

// Create validates the figures, within d.Size, and stores a new draft whose sections are pending.
func (d *Drafter) Create(ctx context.Context, in *Figures) (*Draft, error) {
	dr, err := d.New(in)
	if err != nil {
		return nil, err
	}
	if err := d.Store.CreateDraft(ctx, dr); err != nil {
		return nil, fmt.Errorf("draft: create: %w", err)
	}
	return dr, nil
}

// Run drafts every section of dr that is not ready, in order, saving each as it finishes.
// A failed section does not stop the others; the draft fails if any section failed.
func (d *Drafter) Run(ctx context.Context, dr *Draft, emit func(Event)) error {
	d.defaults()
	if emit == nil {
		emit = func(Event) {}
	}
	if err := d.Store.SetStatus(ctx, dr.ID, StatusGenerating, dr.Usage); err != nil {
		return err
	}
	dr.Status = StatusGenerating
	// Sections are independent, so up to Concurrency of them are drafted at once: a draft then
	// waits for about one model call per Concurrency sections instead of one per section.
	// Events of different sections interleave; each carries its section's index.
	var mu sync.Mutex
	locked := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		emit(e)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(d.Concurrency)
	for i := range dr.Sections {
		if dr.Sections[i].Status == StatusReady {
			continue
		}
		g.Go(func() error {
			if gctx.Err() != nil {
				return nil
			}
			d.RunSection(ctx, dr, i, locked) // a failed section is recorded; the others go on
			return nil
		})
	}
	g.Wait()
	return d.finish(ctx, dr, emit)
}

// finish sets the draft's status from its sections' and emits draft_done or draft_failed.
func (d *Drafter) finish(ctx context.Context, dr *Draft, emit func(Event)) error {
	st, u, end := Outcome(dr)
	dr.Status, dr.Usage = st, u
	// The store write must happen even when the request that started the draft is gone.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.Store.SetStatus(sctx, dr.ID, st, dr.Usage); err != nil {
		return err
	}
	emit(end)
	if st == StatusReady {
		return nil
	}
	return retrieval.Errorf(retrieval.EUNAVAILABLE, "%s", end.Error)
}

// Regenerate drafts section n of dr again and updates the draft's status.
func (d *Drafter) Regenerate(ctx context.Context, dr *Draft, n int, emit func(Event)) error {
	d.defaults()
	if emit == nil {
		emit = func(Event) {}
	}
	// A caller that answers before drafting (the API's asynchronous regenerate) has marked it already.
	if n < 0 || n >= len(dr.Sections) || dr.Sections[n].Status != StatusGenerating {
		if err := d.MarkRegenerating(ctx, dr, n); err != nil {
			return err
		}
	}
	d.RunSection(ctx, dr, n, emit)
	return d.finish(ctx, dr, emit)
}

// MarkRegenerating records that section n of dr is being generated again, so that a client that
// asks right after a regenerate request sees the draft generating, never a stale "ready".
func (d *Drafter) MarkRegenerating(ctx context.Context, dr *Draft, n int) error {
	if n < 0 || n >= len(dr.Sections) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有第 %d 部分（共 %d 部分）", dr.ID, n, len(dr.Sections))
	}
	dr.Status = StatusGenerating
	dr.Sections[n].Status, dr.Sections[n].Error = StatusGenerating, ""
	if err := d.Store.SetStatus(ctx, dr.ID, StatusGenerating, dr.Usage); err != nil {
		return err
	}
	return d.Store.SaveSection(ctx, dr.ID, dr.Sections[n])
}

// RunSection drafts section n of dr and saves it, ready or failed.
func (d *Drafter) RunSection(ctx context.Context, dr *Draft, n int, emit func(Event)) error {
	return d.runSection(ctx, dr, n, emit, true)
}

// runSection does the work of RunSection. Unless final, a section that fails is neither saved
// nor reported failed: the error goes back to the job queue, which tries again later.
func (d *Drafter) runSection(ctx context.Context, dr *Draft, n int, emit func(Event), final bool) error {
	d.defaults()
	if emit == nil {
		emit = func(Event) {}
	}
	sec := &dr.Sections[n]
	sec.Status, sec.Error = StatusGenerating, ""
	emit(Event{Type: EventSectionStarted, DraftID: dr.ID, Section: n, Status: StatusGenerating})
	sctx, cancel := context.WithTimeout(ctx, d.SectionTimeout)
	defer cancel()
	err := d.draftSection(sctx, dr, n, func(k int) {
		emit(Event{Type: EventSectionAttempt, DraftID: dr.ID, Section: n, Status: StatusGenerating, Attempt: k})
	}, func(s Sentence) {
		emit(Event{Type: EventSentence, DraftID: dr.ID, Section: n, Sentence: &s})
	})
	if err != nil {
		sec.Status = StatusFailed
		sec.Error = retrieval.ErrorMessage(err)
		if retrieval.ErrorCode(err) == retrieval.EINTERNAL {
			sec.Error = "内部错误"
		}
		if errors.Is(err, context.DeadlineExceeded) {
			sec.Error = "本部分生成超时"
		}
		if !final {
			return err
		}
	} else {
		sec.Status = StatusReady
	}
	// Save even when ctx is done: a failed section is recorded, never lost.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer wcancel()
	if serr := d.Store.SaveSection(wctx, dr.ID, *sec); serr != nil {
		return fmt.Errorf("draft: save section: %w", serr)
	}
	if err != nil {
		emit(Event{Type: EventSectionFailed, DraftID: dr.ID, Section: n, Status: StatusFailed, Error: sec.Error})
		return err
	}
	emit(Event{Type: EventSectionDone, DraftID: dr.ID, Section: n, Status: StatusReady})
	return nil
}

// SectionRole tells from a heading what a section does, as retrieval stores the passages it
// retrieves: retrieval.RoleOf's role, retrieval.RoleAchievements when the heading names none.
// Passages of that role are retrieved for it, and the offline writer opens it accordingly.
func SectionRole(heading string) string {
	return retrieval.Role([]string{heading}, retrieval.RoleAchievements)
}

// draftSection does the work of RunSection; it fills dr.Sections[n], calls started with the
// attempt's number (from 1) before each call of the writer and each for each sentence.
func (d *Drafter) draftSection(ctx context.Context, dr *Draft, n int, started func(int), each func(Sentence)) error {
	in := dr.Input.Sections[n]
	sec := &dr.Sections[n]
	figures, bound, userText := sectionFigures(dr, n)
	// A template that states a figure's previous value (比2023年的【s1f6.previous】) asks for it.
	for _, f := range in.Figures {
		for _, x := range Compared(f) {
			if in.TemplateText != "" && strings.Contains(in.TemplateText, Token(x.ID)) {
				figures = append(figures, x)
			}
		}
	}
	byID := map[string]Figure{}
	for _, f := range figures {
		byID[f.ID] = f
	}

	passages, err := d.retrieve(ctx, dr, in, figures)
	if err != nil {
		return err
	}
	if dr.Input.TemplatePeriod != "" || dr.Input.TemplateOrganization != "" {
		sec.Heading = RetargetHeading(in.Heading, dr.Input.TemplateOrganization, dr.Organization, dr.Input.TemplatePeriod, dr.Period)
		userText = append(userText, sec.Heading) // the year a plan heading names now (2026年工作安排)
	}
	if dr.Input.Template != "" {
		// The template is the writer's own choice: its sentences are rewritten, not borrowed as
		// another organisation's, so it is no source to copy-check against.
		passages = slices.DeleteFunc(passages, func(p retrieval.Result) bool { return p.DocumentID == dr.Input.Template })
	}
	sec.Sources = sec.Sources[:0]
	for _, p := range passages {
		sec.Sources = append(sec.Sources, Source{PassageID: p.PassageID, DocumentID: p.DocumentID, DocumentTitle: p.DocumentTitle, HeadingPath: p.HeadingPath, Text: p.Text})
	}

	// The writer is asked only for the figures the section must state: a change the template did
	// not state stays bound (a reviewer's edit may say it) but is not offered (SectionInput.Optional).
	unasked := map[string]bool{}
	asked := slices.DeleteFunc(slices.Clone(figures), func(f Figure) bool {
		unasked[f.ID] = in.Optional(f)
		return unasked[f.ID]
	})
	req := SectionRequest{Title: dr.Title, Organization: dr.Organization, Period: dr.Period, Heading: in.Heading, Notes: in.Notes, Figures: asked, Passages: passages,
		TemplateText: in.TemplateText, TemplateOrganization: dr.Input.TemplateOrganization, TemplatePeriod: dr.Input.TemplatePeriod,
		Kind: dr.Input.Kind, OrgKind: dr.Input.OrgKind, Length: in.Length}
	if req.Kind == "" {
		req.Kind = "总结"
	}
	if req.OrgKind == "" {
		req.OrgKind = DefaultOrgKind
	}
	for i, s := range dr.Input.Sections {
		if i != n {
			req.Outline = append(req.Outline, s.Heading)
		}
	}
	var best attempt
	sec.Attempts, sec.Usage = 0, Usage{}
	for k := 0; k < d.MaxAttempts; k++ {
		started(k + 1)
		out, err := d.Writer.Write(ctx, req)
		sec.Attempts++
		sec.Usage.Add(out.Usage)
		if err != nil {
			if k > 0 {
				break // keep the best earlier attempt rather than lose it
			}
			return err
		}
		var a attempt
		withCPU(func() { a = d.check(out.Text, byID, bound, userText) })
		if k == 0 || len(a.problems) < len(best.problems) {
			best = a
		}
		if len(a.problems) == 0 {
			break
		}
		req.Previous, req.Feedback = a.edit()
	}
	var sents []Sentence
	withCPU(func() {
		sents = analyse(analysis{text: best.text, report: best.report, claims: best.claims, guard: d.Guard, bound: bound, userText: userText, figures: figures, passages: passages})
		if in.TemplateText != "" {
			flagTemplate(d.Guard, best.text, best.report, sents, in.TemplateText, unasked)
		}
	})
	if d.ClaimChecker != nil && len(sents) > 0 {
		d.checkClaims(ctx, dr, n, figures, best.text, sents)
	}
	// A figure the model left out is stated in a sentence of draftd's own, marked as added.
	for _, id := range best.report.Missing {
		f := byID[id]
		sents = append(sents, Sentence{Text: addedText(f), Generated: true, Added: true,
			Figures: []string{id}, UnboundNumbers: []string{}, Sources: []Source{}, Claims: []Claim{}, Risk: RiskLow,
			Review: Review{Decision: DecisionPending}, History: []Revision{},
			Reasons: []string{"模型稿中遗漏了这一数据，由系统按原数据补写，请润色。"}})
	}
	for i := range sents {
		sents[i].ID = fmt.Sprintf("s%d-%d", n+1, i+1)
		each(sents[i])
	}
	sec.Sentences = sents
	return nil
}

// attempt is one answer of the Writer's, checked.
type attempt struct {
	prepared
	report   guard.Report
	claims   []guard.Claim // of the whole text, for analyse to reuse
	problems []problem
}

// problem is something a retry must fix: the bytes of the attempt's text it stands in (-1, -1 for
// a figure left out) and what to tell the writer.
type problem struct {
	start, end int
	say        string
}

// check prepares an answer and lists its problems: numbers that are no figure's, figures not stated
// exactly, unknown tokens, and claims of a High kind the writer's input does not support (rankings,
// honours, comparisons, names, numbers said of the wrong thing, trends the figures contradict,
// output that is no prose). Supported claims and claims of the other kinds are no problem: a retry
// spent on them would be spent on a false alarm or on wording a reviewer judges anyway.
func (d *Drafter) check(answer string, byID map[string]Figure, bound []guard.BoundFigure, userText []string) attempt {
	a := attempt{prepared: prepareAnswer(answer, byID)}
	a.report = d.Guard.Check(a.text, bound, userText)
	a.report.Missing = notStatedExactly(a.report, bound)
	unbound := map[[2]int]bool{}
	for _, f := range a.report.Unbound {
		unbound[[2]int{f.Start, f.End}] = true
		say := fmt.Sprintf("不得自行写出数字“%s”；数据只能用给定的占位符表示，没有对应数据的内容请用定性表述。", f.Text)
		if fig, ok := byID[f.FigureID]; ok {
			say += fmt.Sprintf("如果这里说的是%s，请直接写占位符%s。", fig.Label, Token(fig.ID))
		}
		a.problems = append(a.problems, problem{f.Start, f.End, say})
	}
	for i, id := range a.unknown {
		at := a.unknownAt[i]
		unbound[at] = true
		a.problems = append(a.problems, problem{at[0], at[1], fmt.Sprintf("占位符%s不存在，只能使用给定的占位符。", Token(id))})
	}
	a.claims = d.Guard.Claims(a.text, a.report, bound, userText)
	for _, c := range a.claims {
		if c.Supported || !c.Kind.High() || unbound[[2]int{c.Start, c.End}] {
			continue // an unbound number is a claim too, and said once
		}
		a.problems = append(a.problems, problem{c.Start, c.End, withoutValues(c.Reason, bound, byID)})
	}
	for _, id := range a.report.Missing {
		a.problems = append(a.problems, problem{-1, -1, fmt.Sprintf("遗漏了数据%s（%s），必须原样写出该占位符一次。", Token(id), byID[id].Label)})
	}
	return a
}

// withoutValues writes the figures a guard reason quotes as the writer's prompt shows them: a figure
// as its token, a previous value or target by its label. The prompt never shows a value, so that
// the model cannot copy one wrong.
func withoutValues(reason string, bound []guard.BoundFigure, byID map[string]Figure) string {
	spans := guard.ExtractNumbers(reason)
	for i := len(spans) - 1; i >= 0; i-- {
		sp := spans[i]
		for _, b := range bound {
			if b.Text != sp.Text {
				continue
			}
			name := "“" + b.Label + "”"
			if _, ok := byID[b.ID]; ok {
				name = Token(b.ID)
			}
			reason = reason[:sp.Start] + name + reason[sp.End:]
			break
		}
	}
	return reason
}

// edit returns what a retry is told about attempt a: the answer as the writer wrote it with the words
// of each problem marked ⟦…⟧〔n〕 (problems whose words overlap share a mark), and one line per mark
// that starts with its number and quotes its words, then one per figure left out.
func (a attempt) edit() (previous string, feedback []string) {
	type mark struct {
		start, end int
		says       []string
	}
	var marks []mark
	var unplaced []string
	for _, p := range a.problems {
		if p.start < 0 {
			unplaced = append(unplaced, p.say)
			continue
		}
		s, e := a.toWritten(p.start, p.end)
		if e <= s {
			unplaced = append(unplaced, p.say)
			continue
		}
		marks = append(marks, mark{s, e, []string{p.say}})
	}
	sort.SliceStable(marks, func(i, j int) bool { return marks[i].start < marks[j].start })
	var merged []mark
	for _, m := range marks {
		if k := len(merged) - 1; k >= 0 && m.start < merged[k].end {
			merged[k].end = max(merged[k].end, m.end)
			merged[k].says = append(merged[k].says, m.says...)
			continue
		}
		merged = append(merged, m)
	}
	var b strings.Builder
	last := 0
	for i, m := range merged {
		words := a.written[m.start:m.end]
		fmt.Fprintf(&b, "%s⟦%s⟧〔%d〕", a.written[last:m.start], words, i+1)
		last = m.end
		feedback = append(feedback, fmt.Sprintf("〔%d〕“%s”：%s", i+1, words, strings.Join(m.says, "")))
	}
	b.WriteString(a.written[last:])
	return b.String(), append(feedback, unplaced...)
}

// checkClaims has the ClaimChecker look at section n's text, written with figures, and applies what
// it found to the sentences analyse made of text. The check's usage counts as the section's; a
// failed check is logged and changes nothing else.
func (d *Drafter) checkClaims(ctx context.Context, dr *Draft, n int, figures []Figure, text string, sents []Sentence) {
	in := dr.Input.Sections[n]
	figures = slices.Clone(figures)
	for _, f := range in.Figures {
		figures = append(figures, Compared(f)...)
	}
	found, usage, err := d.ClaimChecker(ctx, ClaimCheckRequest{Title: dr.Title, Organization: dr.Organization, Period: dr.Period,
		Heading: in.Heading, Notes: in.Notes, Figures: figures, Text: text, Model: d.Model})
	dr.Sections[n].Usage.Add(usage)
	if err != nil {
		d.Log.Warn("claim check failed; the section keeps the local checks' risks", "draft_id", dr.ID, "section", n, "err", err)
		return
	}
	withCPU(func() {
		for _, skipped := range raise(text, sents, found) {
			d.Log.Info("claim check finding ignored", "draft_id", dr.ID, "section", n, "why", skipped)
		}
	})
}

// raise applies a ClaimChecker's findings to the sentences analyse made of text: each becomes an
// unsupported claim of each generated sentence it stands in, its reason prefixed 模型复核：, and
// raises the sentence's risk to high for a High kind, to medium for another. It never lowers a risk
// nor drops a reason. It ignores, and says why, a finding outside text or of another kind, one on a
// number that states a figure of the writer's, and one the local checks already found.
func raise(text string, sents []Sentence, found []CheckedClaim) (ignored []string) {
	ss, offs := guard.SplitSentences(text)
	if len(ss) != len(sents) {
		return []string{fmt.Sprintf("the text has %d sentences, the analysis %d", len(ss), len(sents))}
	}
	level := map[Risk]int{RiskLow: 0, RiskMedium: 1, RiskHigh: 2}
	for _, f := range found {
		if f.Start < 0 || f.End > len(text) || f.Start >= f.End || !utf8.ValidString(text[f.Start:f.End]) {
			ignored = append(ignored, fmt.Sprintf("span [%d, %d) is not within the text", f.Start, f.End))
			continue
		}
		if !slices.Contains(CheckedKinds, f.Kind) {
			ignored = append(ignored, fmt.Sprintf("kind %q is not one of CheckedKinds", f.Kind))
			continue
		}
		for i := range sents {
			st := &sents[i]
			a, b := max(f.Start, offs[i]), min(f.End, offs[i]+len(ss[i]))
			if a >= b || !st.Generated {
				continue
			}
			c := Claim{Start: utf8.RuneCountInString(ss[i][:a-offs[i]]), End: utf8.RuneCountInString(ss[i][:b-offs[i]]),
				Text: text[a:b], Kind: string(f.Kind), Reason: checkedReasonPrefix + f.Reason}
			if why := redundant(st.Claims, c); why != "" {
				ignored = append(ignored, fmt.Sprintf("%q: %s", c.Text, why))
				continue
			}
			st.Claims = append(st.Claims, c)
			sort.SliceStable(st.Claims, func(x, y int) bool { return st.Claims[x].Start < st.Claims[y].Start })
			risk := RiskMedium
			if f.Kind.High() {
				risk = RiskHigh
			}
			if level[risk] > level[st.Risk] {
				if st.Risk == RiskLow {
					st.Reasons = nil // "nothing to check" and "only the writer's figures" no longer hold
				}
				st.Risk = risk
			}
			st.Reasons = append(st.Reasons, c.Reason)
		}
	}
	return ignored
}

// redundant says why claim c, found by a ClaimChecker, adds nothing to a sentence's claims: a number
// the local checks bound to a figure of the writer's and found said of that figure, or an
// unsupported claim of the same kind they already found in the same words. "" if it adds something.
func redundant(claims []Claim, c Claim) string {
	for _, x := range claims {
		switch {
		case c.Kind == string(guard.ClaimNumber) && x.Kind == c.Kind && x.Supported && x.Figure != "" && x.Start <= c.Start && c.End <= x.End:
			return "it states the writer's figure " + x.Figure
		case !x.Supported && x.Kind == c.Kind && x.Start == c.Start && x.End == c.End:
			return "the local checks found it already"
		}
	}
	return ""
}

// addedText states a figure the model left out. A derived figure's label ends with what it says
// (…比上期提高, …比上期增长, …完成目标, …与上期持平), so its value follows it directly: 比上期提高5个百分点,
// never 比上期提高为5个百分点.
func addedText(f Figure) string {
	switch {
	case !f.Derived && VerbLabel(f.Label):
		return f.Label + f.Text() + "。" // 新建村卫生室12所, never 新建村卫生室为12所
	case !f.Derived:
		return f.Label + "为" + f.Text() + "。"
	case strings.HasSuffix(f.Label, "持平"):
		return f.Label + "，变化量为" + f.Text() + "。"
	case strings.HasSuffix(f.Label, "完成目标"):
		return f.Label + "的" + f.Text() + "。"
	}
	return f.Label + f.Text() + "。"
}

// cpuSlots bounds how many sections are being checked (the guard, then analysis) at once, in every
// Drafter of the process, to the number of cores. That work is all CPU; with hundreds of sections
// under way, sharing the cores among all of them would finish each one late, where taking them in
// turn finishes the first ones early. Nothing that waits (the model, a store) holds a slot.
var cpuSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// withCPU runs f holding one of cpuSlots; the wait is short, since no holder waits on anything.
func withCPU(f func()) {
	cpuSlots <- struct{}{}
	defer func() { <-cpuSlots }()
	f()
}

// notStatedExactly returns the IDs of figures whose exact string the text does not carry: a bare
// numeral bound to a figure ("67637" for 67637个) is allowed, but the exact string must appear too.
func notStatedExactly(rep guard.Report, bound []guard.BoundFigure) []string {
	exact := map[string]bool{}
	for _, m := range rep.Bound {
		if m.Exact {
			exact[m.FigureID] = true
		}
	}
	var out []string
	for _, f := range bound {
		if !exact[f.ID] && !f.Optional {
			out = append(out, f.ID)
		}
	}
	return out
}

// retrieve finds passages for a section: first of the section's role, then of any role if too few.
func (d *Drafter) retrieve(ctx context.Context, dr *Draft, in SectionInput, figures []Figure) ([]retrieval.Result, error) {
	if d.Search == nil {
		return nil, nil
	}
	var q strings.Builder
	q.WriteString(in.Heading)
	for _, f := range figures {
		if !f.Derived {
			q.WriteString(" " + f.Label)
		}
	}
	if in.Notes != "" {
		q.WriteString(" " + in.Notes)
	}
	query := retrieval.Query{Text: truncateRunes(q.String(), 500), K: d.K, Filter: retrieval.Filter{Collection: d.Collection, Roles: []string{SectionRole(in.Heading)}},
		Prefer: preference(dr)}
	res, err := d.Search(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("draft: retrieve: %w", err)
	}
	if len(res) < 2 {
		query.Filter.Roles = nil
		if res, err = d.Search(ctx, query); err != nil {
			return nil, fmt.Errorf("draft: retrieve: %w", err)
		}
	}
	return res, nil
}

// retrievalKinds maps a kind of document to the kind retrieval reads from a title (DetectMeta).
var retrievalKinds = map[string]string{"总结": "总结", "计划": "计划", "汇报": "汇报", "述职": "报告"}

// preference is what a draft's retrieval prefers: passages of documents by the same kind of
// organisation, as its title and organisation name it (a county health bureau is not given a
// provincial government's report as its style), and of the same kind of document.
func preference(dr *Draft) retrieval.Preference {
	var p retrieval.Preference
	if k := retrieval.DetectMeta(dr.Title+" "+dr.Organization, "").OrgKind; slices.Contains(retrieval.OrgKinds(), k) {
		p.OrgKinds = []string{k}
	}
	kind := "总结"
	if dr.Input != nil && dr.Input.Kind != "" {
		kind = dr.Input.Kind
	}
	if k, ok := retrievalKinds[kind]; ok {
		p.Kinds = []string{k}
	}
	return p
}

func truncateRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n])
}

// newID returns a random 16-hex-digit draft ID.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
