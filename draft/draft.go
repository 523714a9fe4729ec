package draft

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/draftd/draftd/retrieval"
)

// Status is the state of a draft or of one of its sections.
type Status string

// Statuses of drafts and sections.
const (
	StatusPending    Status = "pending"
	StatusGenerating Status = "generating"
	StatusReady      Status = "ready"
	StatusFailed     Status = "failed"
	StatusApproved   Status = "approved" // every sentence reviewed, none pending
)

// Risk is how closely a reviewer must check a sentence.
type Risk string

// Risk levels, from a sentence's claims (see guard.Claims): low when every claim is supported by the
// writer's input; medium when a trend, coverage or record claim is not; high when a number, a
// direction, a ranking, an honour, a comparison with others, a name or non-prose output is not, or
// the sentence copies a retrieved passage.
const (
	RiskLow    Risk = "low"
	RiskMedium Risk = "medium"
	RiskHigh   Risk = "high"
)

// Draft is a generated summary: the writer's figures and, per section, sentences with provenance.
type Draft struct {
	ID             string       `json:"id"`
	Workspace      string       `json:"workspace"` // whose it is; "" is retrieval.DefaultWorkspace
	Title          string       `json:"title"`
	Organization   string       `json:"organization"`
	Period         string       `json:"period"`
	Status         Status       `json:"status"`
	Model          string       `json:"model"`          // "offline" or the chat model's name
	PromptVersion  string       `json:"prompt_version"` // version of prompts/ used
	Input          *Figures     `json:"input"`
	Sections       []Section    `json:"sections"`
	Usage          Usage        `json:"usage"`
	CreatedAt      time.Time    `json:"created_at"`
	CreatedBy      string       `json:"created_by"` // the holder of the API key that asked for it; "" in single-user mode
	UpdatedAt      time.Time    `json:"updated_at"`
	Audit          []AuditEntry `json:"audit"`           // review decisions, oldest first
	ReviewProgress Progress     `json:"review_progress"` // filled by Progress when served
}

// Progress counts the draft's generated sentences and how many a reviewer has decided on.
func (d *Draft) Progress() Progress {
	var p Progress
	for _, s := range d.Sections {
		for _, x := range s.Sentences {
			if x.Generated {
				p.Total++
				if x.Review.Reviewed() {
					p.Reviewed++
				}
			}
		}
	}
	return p
}

// Section is one drafted section of a draft.
type Section struct {
	Index     int        `json:"index"` // 0-based position in the draft
	Heading   string     `json:"heading"`
	Status    Status     `json:"status"`
	Error     string     `json:"error,omitempty"` // why it failed, for the writer
	Attempts  int        `json:"attempts"`        // model calls made, retries included
	Sentences []Sentence `json:"sentences"`
	Sources   []Source   `json:"sources"` // the passages retrieved for it, best first
	Usage     Usage      `json:"usage"`
	// Figures are the figures the section may state, derived ones with how they were computed,
	// so a reviewer can check every number. Stores do not keep them: Draft.MarshalJSON fills them
	// in from the draft's input.
	Figures []SectionFigure `json:"figures"`
	// Dropped are figures a reviewer decided the section need not state, with who and why. Stores
	// keep them.
	Dropped []DroppedFigure `json:"dropped"`
	// Missing lists the IDs of figures the section must state that no sentence still carries (the
	// sentence that did was rejected) and no reviewer dropped. A draft with a missing figure is not
	// approved. Stores do not keep it: Draft.MarshalJSON fills it in (see Draft.Missing).
	Missing []string `json:"missing"`
	// PrintedHeading is the heading as every export prints it, "" for the opening paragraph, and
	// Opening marks that paragraph (see Draft.PrintedHeadings). Stores do not keep them:
	// Draft.MarshalJSON fills them in, so the web app prints what the exports print.
	PrintedHeading string `json:"printed_heading"`
	Opening        bool   `json:"opening"`
	// HeadingWarnings are what a reviewer must check in the heading: a template's number in it
	// (see Draft.HeadingWarnings). Stores do not keep them: Draft.MarshalJSON fills them in.
	HeadingWarnings []string `json:"heading_warnings,omitempty"`
}

// DroppedFigure records a reviewer's decision that a section need not state a figure.
type DroppedFigure struct {
	FigureID string    `json:"figure_id"`
	Reason   string    `json:"reason"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Origins of a SectionFigure.
const (
	OriginWriter   = "writer"   // a figure the writer gave
	OriginDerived  = "derived"  // computed by draftd from a figure's previous or target value
	OriginPrevious = "previous" // a figure's previous value, which the writer gave
	OriginTarget   = "target"   // a figure's target, which the writer gave
)

// SectionFigure is a number a section may state, as a reviewer checks it.
type SectionFigure struct {
	ID          string `json:"id"` // as in Sentence.Figures: f2, f2.change, f2.previous
	Label       string `json:"label"`
	Value       string `json:"value"`
	Unit        string `json:"unit"`
	Text        string `json:"text"`   // exactly as the draft writes it: value and unit
	Origin      string `json:"origin"` // OriginWriter, OriginDerived, OriginPrevious or OriginTarget
	DerivedFrom string `json:"derived_from,omitempty"`
	Rule        string `json:"rule,omitempty"` // how it was computed, in Chinese, rounding included
	// Optional: a derived figure the section need not state (SectionInput.Optional: a change in a
	// section drafted from a template that did not state it); never missing when left out.
	Optional bool `json:"optional,omitempty"`
}

// SectionFigures returns the figures section n may state: each of the writer's figures followed by
// the figures derived from it, then its previous and target values. Empty when the draft has no input.
func (d *Draft) SectionFigures(n int) []SectionFigure {
	out := []SectionFigure{}
	if d.Input == nil || n < 0 || n >= len(d.Input.Sections) {
		return out
	}
	in := d.Input.Sections[n]
	add := func(f Figure, origin string) {
		out = append(out, SectionFigure{ID: f.ID, Label: f.Label, Value: f.Value, Unit: f.Unit, Text: f.Text(),
			Origin: origin, DerivedFrom: f.DerivedFrom, Rule: f.Rule, Optional: in.Optional(f)})
	}
	for _, f := range in.Figures {
		if f.Derived { // computed earlier and kept with the input
			add(f, OriginDerived)
			continue
		}
		add(f, OriginWriter)
		for _, x := range Derive(f) {
			add(x, OriginDerived)
		}
		for _, x := range Compared(f) {
			origin := OriginPrevious
			if strings.HasSuffix(x.ID, SuffixTarget) {
				origin = OriginTarget
			}
			add(x, origin)
		}
	}
	return out
}

// MarshalJSON writes the draft with every section's figures filled in from its input, and its
// heading as printed.
func (d Draft) MarshalJSON() ([]byte, error) {
	type plain Draft // the same fields, without this method
	p := plain(d)
	p.Sections = make([]Section, len(d.Sections))
	printed, lead := d.PrintedHeadings()
	for i, s := range d.Sections {
		s.PrintedHeading, s.Opening = printed[i], i == 0 && lead
		s.Figures = d.SectionFigures(s.Index)
		s.Missing = d.Missing(s.Index)
		s.HeadingWarnings = d.HeadingWarnings(s.Index)
		if s.Dropped == nil {
			s.Dropped = []DroppedFigure{}
		}
		p.Sections[i] = s
	}
	if d.Sections == nil {
		p.Sections = nil
	}
	return json.Marshal(p)
}

// Sentence is one sentence of a draft with its provenance.
type Sentence struct {
	ID             string     `json:"id"`
	Text           string     `json:"text"`
	Generated      bool       `json:"generated"`       // false only for text the writer supplied verbatim
	Added          bool       `json:"added,omitempty"` // written by draftd to state a figure the model left out
	Figures        []string   `json:"figures"`         // IDs of the figures it states
	UnboundNumbers []string   `json:"unbound_numbers"` // numbers it states that are no figure of the writer's
	Sources        []Source   `json:"sources"`         // passages it leans on, with character n-gram overlap
	Claims         []Claim    `json:"claims"`          // what it asserts, each supported or not
	Risk           Risk       `json:"risk"`
	Reasons        []string   `json:"reasons"` // short Chinese sentences a reviewer understands
	Review         Review     `json:"review"`
	History        []Revision `json:"history"` // earlier texts, oldest first
	// Version counts the writes to the sentence: a review moves it on by one, and a section drafted
	// again starts its sentences past every version they had, so a version seen once names one text
	// and one review state. A reviewer's decision may name the version it was made on (see Verdict).
	Version int `json:"version"`
}

// Claim is one thing a generated sentence asserts — a number, a change, a ranking, an honour, a
// comparison, coverage, a record, a name, or output that is no prose — and whether the writer's input
// supports it. Start and End count characters (Unicode code points) of the sentence's text, so the
// web app, HTML, Markdown and DOCX mark the exact words.
type Claim struct {
	Start     int    `json:"start"`
	End       int    `json:"end"`
	Text      string `json:"text"`
	Kind      string `json:"kind"` // a guard.ClaimKind
	Supported bool   `json:"supported"`
	Figure    string `json:"figure,omitempty"` // the figure that supports or contradicts it
	Reason    string `json:"reason"`
}

// Review decisions on a sentence.
const (
	DecisionPending  = "pending"
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
	DecisionEdited   = "edited"
	// DecisionRevised records a writer's new text: the sentence is checked again and waits for a reviewer.
	DecisionRevised = "revised"
	// DecisionRestored and DecisionDropped are decisions on a missing figure: stated again in a
	// sentence draftd writes, or dropped from the section with a reason.
	DecisionRestored = "restored"
	DecisionDropped  = "dropped"
)

// Review is the latest review decision on a sentence.
type Review struct {
	Decision string     `json:"decision"`
	By       string     `json:"by,omitempty"`
	At       *time.Time `json:"at,omitempty"`
}

// Reviewed reports whether a reviewer has decided on the sentence.
func (r Review) Reviewed() bool { return r.Decision != "" && r.Decision != DecisionPending }

// Revision is an earlier text of an edited sentence.
type Revision struct {
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// AuditEntry records one review decision: who decided what on which sentence, and when.
type AuditEntry struct {
	SentenceID string    `json:"sentence_id"`         // "" for a decision on a figure
	FigureID   string    `json:"figure_id,omitempty"` // the figure restored or dropped
	Decision   string    `json:"decision"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
	Before     string    `json:"before,omitempty"`
	After      string    `json:"after,omitempty"`
	Reason     string    `json:"reason,omitempty"` // why, as the reviewer gave it: required to approve a high-risk sentence
}

// Progress counts reviewed generated sentences.
type Progress struct {
	Reviewed int `json:"reviewed"`
	Total    int `json:"total"`
}

// Source is a retrieved passage a section or sentence leans on.
type Source struct {
	PassageID     string   `json:"passage_id"`
	DocumentID    string   `json:"document_id,omitempty"`
	DocumentTitle string   `json:"document_title,omitempty"`
	HeadingPath   []string `json:"heading_path,omitempty"`
	Text          string   `json:"text,omitempty"`
	Overlap       float64  `json:"overlap"` // share of the sentence's character n-grams found in the passage
}

// Usage counts model tokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Add adds u2 to u.
func (u *Usage) Add(u2 Usage) {
	u.PromptTokens += u2.PromptTokens
	u.CompletionTokens += u2.CompletionTokens
}

// DraftInfo is a draft as listed.
type DraftInfo struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Status    Status    `json:"status"`
	Model     string    `json:"model"`
	CreatedAt time.Time `json:"created_at"`
}

// Store keeps drafts. The embedded and pgvector stores implement it. A draft belongs to one
// workspace: the calls that find drafts take a scope, and a draft of another workspace is
// retrieval.ErrNotFound, as if it did not exist. The calls by ID alone come after one that found it.
type Store interface {
	// CreateDraft stores a new draft with its sections, in workspace d.Workspace ("" is the
	// default workspace, and CreateDraft sets it so).
	CreateDraft(ctx context.Context, d *Draft) error
	// Draft returns a draft of sc's workspace with its sections; retrieval.ErrNotFound if absent.
	Draft(ctx context.Context, sc retrieval.Scope, id string) (*Draft, error)
	// Drafts lists the drafts of sc's workspace, newest first.
	Drafts(ctx context.Context, sc retrieval.Scope) ([]DraftInfo, error)
	// SaveSection replaces section s.Index of draft id; retrieval.ErrNotFound if absent.
	SaveSection(ctx context.Context, id string, s Section) error
	// SetStatus sets a draft's status and usage; retrieval.ErrNotFound if absent.
	SetStatus(ctx context.Context, id string, st Status, u Usage) error
	// SaveReview stores the given sections' sentences (text, checks, review state, history),
	// appends the audit entries and sets the draft's status, in one transaction;
	// retrieval.ErrNotFound if the draft is absent. Draft returns the audit entries oldest first.
	// It replaces whole sections from the caller's copy, so reviews use Review, which does not.
	SaveReview(ctx context.Context, id string, sections []Section, entries []AuditEntry, st Status) error
	// Review reads draft id of sc's workspace under a lock that every write to the draft takes
	// (the draft's row lock on PostgreSQL, the single writer of the embedded store), calls decide
	// with it and stores what decide returns, in the same transaction: decisions on one draft, by
	// any number of processes, are applied one after another, each to the draft as the last left
	// it. Only the sentences and sections named are written. decide's error is returned as it is
	// and nothing is written; decide must have no other effect, since it may be called again.
	// retrieval.ErrNotFound if there is no such draft; ECONFLICT if a sentence named has moved on
	// from the Version decide saw.
	Review(ctx context.Context, sc retrieval.Scope, id string, decide func(d *Draft) (ReviewWrite, error)) error
	// DeleteDraft removes draft id of sc's workspace with its sections, sentences and audit trail,
	// in one transaction; retrieval.ErrNotFound if absent.
	DeleteDraft(ctx context.Context, sc retrieval.Scope, id string) error
}

// ReviewWrite is what one review decision changes in a draft, for Store.Review.
type ReviewWrite struct {
	// Sentences are the sentences decided on, each replacing the sentence of its ID in its section
	// when its Version is the stored one (and then stored with the next), or appended to the
	// section when the section has no sentence of that ID.
	Sentences []SentenceWrite
	// Dropped replaces the dropped figures of the sections it names, by index.
	Dropped map[int][]DroppedFigure
	Entries []AuditEntry // appended to the audit trail, in order
	Status  Status       // the draft's status after the decision
}

// SentenceWrite is one sentence of section Section (an index) as a review leaves it.
type SentenceWrite struct {
	Section  int
	Sentence Sentence
}

// Stores keep each sentence's Claims and each section's Dropped figures with the sentences, and an
// AuditEntry's FigureID and Reason with the entry; SaveSection and SaveReview write them, Draft returns
// them (empty lists, never nil). CreateDraft keeps the draft's CreatedBy; nothing changes it afterwards.

// NextInput returns the draft's input made ready for the next period: each figure's value becomes
// its previous value and its value is left for the writer; labels, units, targets, notes and headings
// stay; derived figures go (draftd computes them again). The title and period are title and period
// when given, else the draft's moved on by NextPeriod. The result is not valid figures until the
// writer fills in the values, so it is meant for the new-draft form, not for drafting.
func (d *Draft) NextInput(title, period string) *Figures {
	in := &Figures{Title: d.Title, Organization: d.Organization, Period: d.Period}
	if d.Input != nil {
		in.Title, in.Organization, in.Period = d.Input.Title, d.Input.Organization, d.Input.Period
	}
	next := NextPeriod(in.Period)
	if period = strings.TrimSpace(period); period == "" {
		period = next
	}
	if title = strings.TrimSpace(title); title == "" {
		title = in.Title
		if in.Period != "" && period != "" {
			title = strings.Replace(title, in.Period, period, 1)
		}
	}
	in.Title, in.Period = title, period
	in.Sections = []SectionInput{}
	if d.Input == nil {
		return in
	}
	for _, s := range d.Input.Sections {
		sec := SectionInput{Heading: s.Heading, Notes: s.Notes, Figures: []Figure{}}
		for _, f := range s.Figures {
			if f.Derived {
				continue
			}
			f.Previous, f.Value = f.Value, ""
			sec.Figures = append(sec.Figures, f)
		}
		in.Sections = append(in.Sections, sec)
	}
	return in
}

// periodRE finds a period's year and what follows it: 2025年上半年, 2025年第一季度, 2025年.
var periodRE = regexp.MustCompile(`((?:19|20)[0-9]{2})年(上半年|下半年|第?[一二三四]季度)?`)

// quarters are the quarters' numerals, in order.
const quarters = "一二三四"

// NextPeriod names the period after period: 2025年上半年 → 2025年下半年, 2025年下半年 → 2026年上半年,
// 2025年第四季度 → 2026年第一季度, 2025年 (or any other period of a year) → 2026年. The rest of
// period is kept. "" when period names no year.
func NextPeriod(period string) string {
	m := periodRE.FindStringSubmatchIndex(period)
	if m == nil {
		return ""
	}
	year, _ := strconv.Atoi(period[m[2]:m[3]])
	part := ""
	if m[4] >= 0 {
		part = period[m[4]:m[5]]
	}
	switch {
	case part == "上半年":
		part = "下半年"
	case part == "下半年":
		year, part = year+1, "上半年"
	case part != "":
		q := []rune(part)
		at := len(q) - 3 // the numeral before 季度
		i := strings.IndexRune(quarters, q[at]) / len("一")
		if i == 3 {
			year++
		}
		q[at] = []rune(quarters)[(i+1)%4]
		part = string(q)
	default:
		year++
	}
	return period[:m[0]] + strconv.Itoa(year) + "年" + part + period[m[1]:]
}
