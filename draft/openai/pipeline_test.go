package openai

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/openai/openaitest"
	"github.com/draftd/draftd/prompts"
	"github.com/draftd/draftd/retrieval"
	"github.com/draftd/draftd/retrieval/embedded"
)

// These tests draft through the whole production chain: an embedded store holding the fictional
// summaries of testdata/corpus, hybrid search over it, the prompts, the streaming client against
// the fake model, the number guard, and the store keeping the result.

const pipeKey = "sk-pipeline-secret-7731"

// pipeCorpus opens an embedded store in a temporary directory holding testdata/corpus.
func pipeCorpus(t testing.TB) (*embedded.Store, draft.Searcher) {
	t.Helper()
	ctx := context.Background()
	store, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	emb := retrieval.NewLocalEmbedder(64)
	if err := store.CheckEmbedder(ctx, emb.Spec()); err != nil {
		t.Fatal(err)
	}
	in := &retrieval.Ingester{Store: store, Embed: emb.Embed}
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.txt"))
	if len(files) == 0 {
		t.Fatal("no testdata/corpus/*.txt")
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := in.Ingest(ctx, retrieval.Scope{}, filepath.Base(f), string(text), ""); err != nil {
			t.Fatalf("ingest %s: %v", f, err)
		}
	}
	searcher := &retrieval.Searcher{Store: store, Embed: emb.Embed}
	return store, searcher.Search
}

// pipeDrafter wires a Drafter the way cmd/draftd does, with a client of srv that does not really
// wait before retrying and gives up on a silent stream after 300ms.
func pipeDrafter(t testing.TB, srv *openaitest.Server, store draft.Store, search draft.Searcher) *draft.Drafter {
	t.Helper()
	c := newClient(Config{BaseURL: srv.URL(), APIKey: pipeKey, Model: "fake-model", Timeout: 5 * time.Second, IdleTimeout: 300 * time.Millisecond},
		func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return &draft.Drafter{Search: search, Writer: &Writer{Complete: c.Complete, Model: "fake-model"}, Store: store,
		Model: "fake-model", PromptVersion: prompts.Version, MaxAttempts: 3, SectionTimeout: 10 * time.Second}
}

// pipeFigures is one section with a plain figure and one with a previous value, so derived figures
// (change, growth) are drafted too.
func pipeFigures() *draft.Figures {
	return &draft.Figures{
		Title: "青岚县卫生健康局2025年上半年工作总结", Organization: "青岚县卫生健康局", Period: "2025年上半年",
		Sections: []draft.SectionInput{{
			Heading: "（一）基层卫生服务能力持续提升",
			Figures: []draft.Figure{
				{ID: "f1", Label: "家庭医生签约服务人数", Value: "36239", Unit: "人"},
				{ID: "f2", Label: "基层医疗机构诊疗量", Value: "226.7", Unit: "万人次", Previous: "210.5"},
			},
		}},
	}
}

// pipeTwoSections adds a second section to pipeFigures.
func pipeTwoSections() *draft.Figures {
	in := pipeFigures()
	in.Sections = append(in.Sections, draft.SectionInput{
		Heading: "（二）健康扶贫成果巩固拓展",
		Figures: []draft.Figure{
			{ID: "f3", Label: "享受健康扶贫政策人数", Value: "1026", Unit: "人"},
			{ID: "f4", Label: "大病患者住院费用实际报销比例", Value: "90", Unit: "%", Previous: "85"},
		},
	})
	return in
}

// sectionFigureList returns section n's figures as the drafter binds them: each followed by its derived ones.
func sectionFigureList(in *draft.Figures, n int) []draft.Figure {
	var out []draft.Figure
	for _, f := range in.Sections[n].Figures {
		out = append(out, f)
		out = append(out, draft.Derive(f)...)
	}
	return out
}

// pipeValues tells the fake every figure's text, so it can misstate them as a model would.
func pipeValues(in *draft.Figures) openaitest.Option {
	v := map[string]string{}
	for n := range in.Sections {
		for _, f := range sectionFigureList(in, n) {
			v[f.ID] = f.Text()
		}
	}
	return openaitest.Values(v)
}

// eventLog collects a draft's events.
type eventLog struct {
	mu     sync.Mutex
	events []draft.Event
}

func (l *eventLog) emit(e draft.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) of(typ string) []draft.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []draft.Event
	for _, e := range l.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// pipeRun creates and runs a draft of in and returns it as the store keeps it.
func pipeRun(t *testing.T, d *draft.Drafter, store draft.Store, in *draft.Figures) (*draft.Draft, *eventLog, error) {
	t.Helper()
	ctx := context.Background()
	dr, err := d.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	log := &eventLog{}
	runErr := d.Run(ctx, dr, log.emit)
	saved, err := store.Draft(ctx, retrieval.Scope{}, dr.ID)
	if err != nil {
		t.Fatal(err)
	}
	return saved, log, runErr
}

// checkFiguresExact fails unless every figure of section n (derived ones included) is stated with its
// exact text in a sentence that lists it.
func checkFiguresExact(t *testing.T, dr *draft.Draft, n int) {
	t.Helper()
	for _, f := range sectionFigureList(dr.Input, n) {
		found := false
		for _, s := range dr.Sections[n].Sentences {
			if slices.Contains(s.Figures, f.ID) && strings.Contains(s.Text, f.Text()) {
				found = true
			}
		}
		if !found {
			t.Errorf("section %d: figure %s (%s) is not stated exactly in any sentence:\n%s", n, f.ID, f.Text(), sectionText(dr.Sections[n]))
		}
	}
}

// checkFlagsHigh fails if a sentence with an unbound number is not high risk: a flag is never silent.
func checkFlagsHigh(t *testing.T, dr *draft.Draft) {
	t.Helper()
	for _, sec := range dr.Sections {
		for _, s := range sec.Sentences {
			if len(s.UnboundNumbers) > 0 && s.Risk != draft.RiskHigh {
				t.Errorf("%s %q has unbound numbers %v but risk %s", s.ID, s.Text, s.UnboundNumbers, s.Risk)
			}
			if s.Risk == draft.RiskHigh && len(s.Reasons) == 0 {
				t.Errorf("%s %q is high risk without a reason", s.ID, s.Text)
			}
		}
	}
}

// checkClean fails unless section n states only its figures: no unbound number, nothing added by
// draftd, no high risk.
func checkClean(t *testing.T, dr *draft.Draft, n int) {
	t.Helper()
	sec := dr.Sections[n]
	if sec.Status != draft.StatusReady || len(sec.Sentences) == 0 {
		t.Fatalf("section %d is %s with %d sentences (%s)", n, sec.Status, len(sec.Sentences), sec.Error)
	}
	checkFiguresExact(t, dr, n)
	for _, s := range sec.Sentences {
		if len(s.UnboundNumbers) > 0 || s.Added || (s.Risk != draft.RiskLow && s.Risk != draft.RiskMedium) {
			t.Errorf("%s %q: unbound %v, added %v, risk %s %v", s.ID, s.Text, s.UnboundNumbers, s.Added, s.Risk, s.Reasons)
		}
	}
}

// sentenceWith returns the first sentence of sec whose text contains sub.
func sentenceWith(t *testing.T, sec draft.Section, sub string) draft.Sentence {
	t.Helper()
	for _, s := range sec.Sentences {
		if strings.Contains(s.Text, sub) {
			return s
		}
	}
	t.Fatalf("no sentence contains %q:\n%s", sub, sectionText(sec))
	return draft.Sentence{}
}

// checkAdded fails unless the figure id is stated in a sentence draftd added, marked so.
func checkAdded(t *testing.T, dr *draft.Draft, n int, id string) {
	t.Helper()
	for _, f := range sectionFigureList(dr.Input, n) {
		if f.ID != id {
			continue
		}
		for _, s := range dr.Sections[n].Sentences {
			if s.Added && slices.Equal(s.Figures, []string{id}) && strings.Contains(s.Text, f.Text()) && s.Generated && len(s.Reasons) > 0 {
				return
			}
		}
		t.Errorf("no added sentence states %s (%s):\n%s", id, f.Text(), sectionText(dr.Sections[n]))
		return
	}
	t.Fatalf("section %d has no figure %s", n, id)
}

// checkFlagged fails unless bad is kept in a high-risk sentence that lists it as unbound, with a
// reason naming it (and naming the figure it resembles, when like is set).
func checkFlagged(t *testing.T, dr *draft.Draft, n int, bad, like string) {
	t.Helper()
	s := sentenceWith(t, dr.Sections[n], bad)
	if s.Risk != draft.RiskHigh || !slices.Contains(s.UnboundNumbers, bad) {
		t.Errorf("%q: risk %s, unbound %v; want high with %q", s.Text, s.Risk, s.UnboundNumbers, bad)
	}
	reasons := strings.Join(s.Reasons, " ")
	if !strings.Contains(reasons, bad) || (like != "" && !strings.Contains(reasons, like)) {
		t.Errorf("reasons %q should name %q and %q", reasons, bad, like)
	}
}

func sectionText(sec draft.Section) string {
	var b strings.Builder
	for _, s := range sec.Sentences {
		b.WriteString("  " + s.ID + " [" + string(s.Risk) + "] " + s.Text + "\n")
	}
	return b.String()
}

// feedbackMentions fails unless the nth chat request (0-based) told the model about sub.
func feedbackMentions(t *testing.T, srv *openaitest.Server, nth int, sub string) {
	t.Helper()
	var chats []openaitest.Request
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/chat/completions") {
			chats = append(chats, r)
		}
	}
	if nth >= len(chats) {
		t.Fatalf("only %d chat requests", len(chats))
	}
	if u := chats[nth].User; !strings.Contains(u, "上一稿的问题") || !strings.Contains(u, sub) {
		t.Errorf("request %d carries no feedback about %q:\n%s", nth+1, sub, u)
	}
}

func TestPipelineBehaviours(t *testing.T) {
	store, search := pipeCorpus(t)
	one := pipeFigures()
	figs := sectionFigureList(one, 0)
	last := figs[len(figs)-1].ID // the token DropFigure leaves out

	type row struct {
		name    string
		in      *draft.Figures // pipeFigures when nil
		opts    []openaitest.Option
		calls   int // chat requests the fake must see, retries included; 0 to leave unchecked
		status  draft.Status
		fastest time.Duration // the draft must be done within this; 0 for no limit
		check   func(t *testing.T, dr *draft.Draft, srv *openaitest.Server, log *eventLog)
	}
	rows := []row{
		{
			name: "a model that follows the tokens gives a ready draft stating every figure exactly",
			opts: []openaitest.Option{openaitest.Default(openaitest.Follow)}, calls: 1, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, _ *openaitest.Server, log *eventLog) {
				checkClean(t, dr, 0)
				if dr.Sections[0].Attempts != 1 || dr.Usage.PromptTokens == 0 || dr.Usage.CompletionTokens == 0 {
					t.Errorf("attempts %d, usage %+v", dr.Sections[0].Attempts, dr.Usage)
				}
				if dr.Model != "fake-model" || dr.PromptVersion != prompts.Version || len(dr.Sections[0].Sources) == 0 {
					t.Errorf("model %q, prompt version %q, %d sources", dr.Model, dr.PromptVersion, len(dr.Sections[0].Sources))
				}
				if n := len(log.of(draft.EventSentence)); n != len(dr.Sections[0].Sentences) {
					t.Errorf("%d sentence events for %d sentences", n, len(dr.Sections[0].Sentences))
				}
				if len(log.of(draft.EventDraftDone)) != 1 {
					t.Errorf("no draft_done event")
				}
			},
		},
	}
	// Each misstated number is retried with feedback: corrected by the retry when the model listens,
	// else kept, flagged high, and the figure it replaced stated in a sentence of draftd's.
	for _, m := range []struct {
		b    openaitest.Behaviour
		bad  string // what the fake writes
		like string // the figure the guard says it resembles ("" if none)
		lost bool   // the bad number replaced the first token, so f1 is added
	}{
		{openaitest.WrongDigits, "36240人", "", true},
		{openaitest.Round, "3.6万人", "f1", true},
		{openaitest.ChineseNumerals, "三万六千二百三十九人", "f1", true},
		{openaitest.InventPercent, "98%", "", false},
	} {
		rows = append(rows, row{
			name: m.b.String() + " every time is retried to the limit, then kept, flagged high and listed unbound",
			opts: []openaitest.Option{openaitest.Default(m.b), pipeValues(one)}, calls: 3, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, srv *openaitest.Server, _ *eventLog) {
				checkFlagged(t, dr, 0, m.bad, m.like)
				checkFiguresExact(t, dr, 0)
				if m.lost {
					checkAdded(t, dr, 0, "f1")
				}
				feedbackMentions(t, srv, 1, m.bad)
				feedbackMentions(t, srv, 2, m.bad)
				if dr.Sections[0].Attempts != 3 {
					t.Errorf("attempts = %d, want 3", dr.Sections[0].Attempts)
				}
			},
		}, row{
			name: m.b.String() + " once is corrected by the retry",
			opts: []openaitest.Option{openaitest.Script(m.b, openaitest.Follow), pipeValues(one)}, calls: 2, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, srv *openaitest.Server, _ *eventLog) {
				checkClean(t, dr, 0)
				feedbackMentions(t, srv, 1, m.bad)
				if strings.Contains(sectionText(dr.Sections[0]), m.bad) {
					t.Errorf("the corrected draft still has %q", m.bad)
				}
			},
		})
	}
	rows = append(rows, []row{
		{
			name: "an invented ranking is kept as a high-risk sentence with a ranking reason",
			opts: []openaitest.Option{openaitest.Default(openaitest.InventRanking)}, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, _ *openaitest.Server, _ *eventLog) {
				s := sentenceWith(t, dr.Sections[0], "全市第一")
				if s.Risk != draft.RiskHigh || !strings.Contains(strings.Join(s.Reasons, " "), "排名") {
					t.Errorf("%q: risk %s, reasons %v; want high with a ranking reason", s.Text, s.Risk, s.Reasons)
				}
				checkFiguresExact(t, dr, 0)
			},
		},
		{
			name: "a figure the model keeps leaving out is added in a sentence marked as added",
			opts: []openaitest.Option{openaitest.Default(openaitest.DropFigure)}, calls: 3, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, srv *openaitest.Server, _ *eventLog) {
				checkAdded(t, dr, 0, last)
				checkFiguresExact(t, dr, 0)
				feedbackMentions(t, srv, 1, draft.Token(last))
				for _, s := range dr.Sections[0].Sentences {
					if s.Added && !slices.Equal(s.Figures, []string{last}) {
						t.Errorf("%q was added though the model stated %v", s.Text, s.Figures)
					}
				}
			},
		},
		{
			name: "a copied passage is high risk and names the passage it copies",
			opts: []openaitest.Option{openaitest.Default(openaitest.CopyPassage)}, calls: 3, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, _ *openaitest.Server, _ *eventLog) {
				sec := dr.Sections[0]
				if len(sec.Sources) == 0 {
					t.Fatal("no passages were retrieved")
				}
				first := sec.Sources[0] // the passage the fake copies: the first one in the prompt
				copied := 0
				for _, s := range sec.Sentences {
					if s.Added || len(s.Sources) == 0 || s.Sources[0].PassageID != first.PassageID || s.Sources[0].Overlap < 0.5 {
						continue
					}
					copied++
					if s.Risk != draft.RiskHigh || !strings.Contains(strings.Join(s.Reasons, " "), first.DocumentTitle) {
						t.Errorf("copied %q: risk %s, reasons %v; want high naming 《%s》", s.Text, s.Risk, s.Reasons, first.DocumentTitle)
					}
				}
				if copied == 0 {
					t.Errorf("no sentence is attributed to passage %s (%s):\n%s", first.PassageID, first.Text, sectionText(sec))
				}
				for _, f := range figs {
					checkAdded(t, dr, 0, f.ID)
				}
			},
		},
		{
			name: "a 429 is retried after Retry-After and the draft is ready",
			opts: []openaitest.Option{openaitest.Script(openaitest.Status429, openaitest.Follow)}, calls: 2, status: draft.StatusReady,
			check: func(t *testing.T, dr *draft.Draft, _ *openaitest.Server, _ *eventLog) {
				checkClean(t, dr, 0)
				if dr.Sections[0].Attempts != 1 {
					t.Errorf("attempts = %d: the client's retry is not a new draft attempt", dr.Sections[0].Attempts)
				}
			},
		},
		{
			name:   "a model failing with 500 fails its section and the draft but keeps the section that succeeded",
			in:     pipeTwoSections(),
			opts:   []openaitest.Option{openaitest.Script(openaitest.Follow), openaitest.Default(openaitest.Status500), openaitest.APIKey(pipeKey)},
			status: draft.StatusFailed,
			check: func(t *testing.T, dr *draft.Draft, srv *openaitest.Server, log *eventLog) {
				checkClean(t, dr, 0)
				sec := dr.Sections[1]
				if sec.Status != draft.StatusFailed || !strings.Contains(sec.Error, "500") || len(sec.Sentences) != 0 {
					t.Errorf("section 2 is %s with error %q and %d sentences; want failed with the HTTP status", sec.Status, sec.Error, len(sec.Sentences))
				}
				if strings.Contains(sec.Error, pipeKey) {
					t.Errorf("the error shows the API key: %q", sec.Error)
				}
				// The 500s are retried by the client (bounded), not drafted again and again.
				if n := srv.ChatCalls() - 1; n < 2 || n > 4 {
					t.Errorf("section 2 made %d chat requests; want a few retries, bounded", n)
				}
				if ev := log.of(draft.EventSectionFailed); len(ev) != 1 || ev[0].Section != 1 || ev[0].Error != sec.Error {
					t.Errorf("section_failed events: %+v", ev)
				}
				if ev := log.of(draft.EventDraftFailed); len(ev) != 1 || !strings.Contains(ev[0].Error, sec.Heading) {
					t.Errorf("draft_failed events: %+v", ev)
				}
			},
		},
	}...)
	for _, f := range []struct {
		b    openaitest.Behaviour
		want string // in the section's error
	}{
		{openaitest.Stall, "没有返回任何内容"},
		{openaitest.CutStream, "finish_reason"},
		{openaitest.LengthFinish, "length"},
	} {
		rows = append(rows, row{
			name: "a model that answers " + f.b.String() + " fails the section quickly with a message",
			opts: []openaitest.Option{openaitest.Default(f.b)}, calls: 1, status: draft.StatusFailed, fastest: 3 * time.Second,
			check: func(t *testing.T, dr *draft.Draft, _ *openaitest.Server, _ *eventLog) {
				sec := dr.Sections[0]
				if sec.Status != draft.StatusFailed || !strings.Contains(sec.Error, f.want) || len(sec.Sentences) != 0 {
					t.Errorf("section is %s with error %q and %d sentences; want failed mentioning %q", sec.Status, sec.Error, len(sec.Sentences), f.want)
				}
			},
		})
	}

	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if in == nil {
				in = pipeFigures()
			}
			srv := openaitest.New(t, tt.opts...)
			d := pipeDrafter(t, srv, store, search)
			start := time.Now()
			dr, log, err := pipeRun(t, d, store, in)
			took := time.Since(start)
			if tt.fastest > 0 && took > tt.fastest {
				t.Errorf("drafting took %v, want under %v", took, tt.fastest)
			}
			if dr.Status != tt.status || (err == nil) != (tt.status == draft.StatusReady) {
				t.Fatalf("draft is %s (Run: %v), want %s:\n%s", dr.Status, err, tt.status, sectionText(dr.Sections[0]))
			}
			if tt.calls > 0 && srv.ChatCalls() != tt.calls {
				t.Errorf("the fake saw %d chat requests, want %d", srv.ChatCalls(), tt.calls)
			}
			checkFlagsHigh(t, dr)
			tt.check(t, dr, srv, log)
		})
	}
}

func TestPipelineRegenerate(t *testing.T) {
	t.Run("a section that failed is regenerated alone once the model recovers and the draft becomes ready", func(t *testing.T) {
		store, search := pipeCorpus(t)
		ctx := context.Background()
		down := openaitest.New(t, openaitest.Script(openaitest.Follow), openaitest.Default(openaitest.Status500))
		d := pipeDrafter(t, down, store, search)
		dr, _, err := pipeRun(t, d, store, pipeTwoSections())
		if err == nil || dr.Status != draft.StatusFailed || dr.Sections[1].Status != draft.StatusFailed {
			t.Fatalf("draft %s, section 2 %s (Run: %v); want both failed", dr.Status, dr.Sections[1].Status, err)
		}
		kept := dr.Sections[0].Sentences

		// The recovered endpoint: a fake that follows. The draft is reloaded, as the API does.
		up := openaitest.New(t)
		d = pipeDrafter(t, up, store, search)
		loaded, err := store.Draft(ctx, retrieval.Scope{}, dr.ID)
		if err != nil {
			t.Fatal(err)
		}
		log := &eventLog{}
		if err := d.Regenerate(ctx, loaded, 1, log.emit); err != nil {
			t.Fatalf("Regenerate: %v", err)
		}
		saved, err := store.Draft(ctx, retrieval.Scope{}, dr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if saved.Status != draft.StatusReady {
			t.Fatalf("draft is %s after regenerating, want ready", saved.Status)
		}
		checkClean(t, saved, 0)
		checkClean(t, saved, 1)
		if up.ChatCalls() != 1 {
			t.Errorf("regenerating made %d chat requests; want 1, for the failed section only", up.ChatCalls())
		}
		if len(saved.Sections[0].Sentences) != len(kept) || saved.Sections[0].Sentences[0].Text != kept[0].Text {
			t.Errorf("the section that had succeeded changed")
		}
		if ev := log.of(draft.EventDraftDone); len(ev) != 1 {
			t.Errorf("draft_done events: %+v", log.events)
		}
	})
}

// chatRequests returns the chat requests srv received, drafting and checking, in order.
func chatRequests(srv *openaitest.Server) []openaitest.Request {
	var out []openaitest.Request
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/chat/completions") {
			out = append(out, r)
		}
	}
	return out
}

// emitted returns the first sentence event's sentence whose text contains sub: as drafted, claims
// included, whatever the store keeps.
func emitted(t *testing.T, log *eventLog, sub string) draft.Sentence {
	t.Helper()
	for _, e := range log.of(draft.EventSentence) {
		if strings.Contains(e.Sentence.Text, sub) {
			return *e.Sentence
		}
	}
	t.Fatalf("no sentence event has %q", sub)
	return draft.Sentence{}
}

// checkNoHigh fails if a sentence of section n is high risk.
func checkNoHigh(t *testing.T, dr *draft.Draft, n int) {
	t.Helper()
	for _, s := range dr.Sections[n].Sentences {
		if s.Risk == draft.RiskHigh {
			t.Errorf("%s %q is high risk: %v", s.ID, s.Text, s.Reasons)
		}
	}
}

func TestPipelineEdits(t *testing.T) {
	store, search := pipeCorpus(t)
	const planted = "相关做法得到省卫生健康委充分肯定，群众满意度达到98%。"

	t.Run("a planted honour and an invented number are marked in the answer sent back, and the edited answer is kept", func(t *testing.T) {
		srv := openaitest.New(t, openaitest.Script(openaitest.Plant(planted), openaitest.Edit))
		dr, _, err := pipeRun(t, pipeDrafter(t, srv, store, search), store, pipeFigures())
		if err != nil {
			t.Fatal(err)
		}
		reqs := chatRequests(srv)
		if len(reqs) != 2 {
			t.Fatalf("%d chat requests, want 2: the planted answer and its edit", len(reqs))
		}
		first := strings.TrimSpace(reqs[0].Answer)
		marked := strings.Replace(first, "得到省卫生健康委充分肯定", "⟦得到省卫生健康委充分肯定⟧〔1〕", 1)
		marked = strings.Replace(marked, "98%", "⟦98%⟧〔2〕", 1)
		u := reqs[1].User
		if !strings.Contains(u, "<<<上一稿\n"+marked+"\n>>>") {
			t.Errorf("the second request does not carry the first answer with its problems marked:\nwant %s\nin:\n%s", marked, u)
		}
		for _, s := range []string{"- 〔1〕“得到省卫生健康委充分肯定”：", "荣誉或上级肯定", "- 〔2〕“98%”：", "不要重写"} {
			if !strings.Contains(u, s) {
				t.Errorf("the second request lacks %q:\n%s", s, u)
			}
		}
		if strings.Contains(reqs[0].User, "上一稿") {
			t.Errorf("the first request has a previous answer:\n%s", reqs[0].User)
		}
		checkClean(t, dr, 0)
		checkNoHigh(t, dr, 0)
		if text := sectionText(dr.Sections[0]); strings.Contains(text, "肯定") || strings.Contains(text, "98%") || strings.ContainsAny(text, "⟦⟧〔") {
			t.Errorf("the kept draft still has the planted claims or the marks:\n%s", text)
		}
	})

	t.Run("a ranking the writer's notes give is no problem: the answer is not retried", func(t *testing.T) {
		in := pipeFigures()
		in.Sections[0].Notes = "医共体建设工作位居全市第一。"
		srv := openaitest.New(t, openaitest.Default(openaitest.Plant("全县医共体建设工作位居全市第一。")))
		dr, events, err := pipeRun(t, pipeDrafter(t, srv, store, search), store, in)
		if err != nil {
			t.Fatal(err)
		}
		if srv.ChatCalls() != 1 || dr.Sections[0].Attempts != 1 {
			t.Errorf("%d chat requests, %d attempts; want 1", srv.ChatCalls(), dr.Sections[0].Attempts)
		}
		s := emitted(t, events, "位居全市第一")
		if s.Risk == draft.RiskHigh || len(s.Claims) == 0 || !s.Claims[0].Supported {
			t.Errorf("%q: risk %s, claims %+v; want a supported ranking", s.Text, s.Risk, s.Claims)
		}
	})
}

// checkDrafter is pipeDrafter with srv's model also checking the claims.
func checkDrafter(t *testing.T, srv *openaitest.Server, store draft.Store, search draft.Searcher, log *strings.Builder) *draft.Drafter {
	d := pipeDrafter(t, srv, store, search)
	c := newClient(Config{BaseURL: srv.URL(), APIKey: pipeKey, Model: "fake-model", Timeout: 5 * time.Second, IdleTimeout: 300 * time.Millisecond},
		func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	logger := slog.New(slog.NewTextHandler(log, nil))
	d.ClaimChecker, d.Log = (&ClaimChecker{Complete: c.Complete, Log: logger}).Check, logger
	return d
}

func TestPipelineClaimCheck(t *testing.T) {
	store, search := pipeCorpus(t)
	// The local checks miss this honour: no lexicon phrase says it.
	const planted = "签约服务做法吸引了多个省份前来观摩。"
	finds := openaitest.Finds(openaitest.Finding{Span: "吸引了多个省份前来观摩", Kind: "honour", Reason: "撰稿人没有提供外地前来观摩的情况。"})

	// Without the check the planted sentence is low risk: the local checks miss it.
	srv := openaitest.New(t, openaitest.Default(openaitest.Plant(planted)), finds)
	plain, _, err := pipeRun(t, pipeDrafter(t, srv, store, search), store, pipeFigures())
	if err != nil {
		t.Fatal(err)
	}
	if s := sentenceWith(t, plain.Sections[0], "观摩"); s.Risk != draft.RiskLow {
		t.Fatalf("without the check %q is %s (%v): plant a claim the local checks miss", s.Text, s.Risk, s.Reasons)
	}

	t.Run("with no checker no check is asked for", func(t *testing.T) {
		for _, r := range chatRequests(srv) {
			if r.ResponseFormat != "" {
				t.Errorf("a request asked for %s", r.ResponseFormat)
			}
		}
		if srv.ChatCalls() != 1 {
			t.Errorf("%d chat requests, want 1", srv.ChatCalls())
		}
	})

	for _, b := range []openaitest.Behaviour{openaitest.Follow, openaitest.SloppyCheck} {
		t.Run("a claim the local checks miss, found by a check answered "+b.String()+", makes its sentence high with the model's reason", func(t *testing.T) {
			srv := openaitest.New(t, openaitest.Script(openaitest.Plant(planted), b), finds)
			var log strings.Builder
			dr, events, err := pipeRun(t, checkDrafter(t, srv, store, search, &log), store, pipeFigures())
			if err != nil {
				t.Fatal(err)
			}
			reqs := chatRequests(srv)
			if len(reqs) != 2 || reqs[1].ResponseFormat != "json_object" || !strings.Contains(reqs[1].User, "吸引了多个省份前来观摩") {
				t.Fatalf("requests: %+v; want the draft, then one check of its text", reqs)
			}
			s := sentenceWith(t, dr.Sections[0], "观摩")
			if s.Risk != draft.RiskHigh || len(s.Reasons) != 1 || s.Reasons[0] != "模型复核：撰稿人没有提供外地前来观摩的情况。" {
				t.Errorf("%q: risk %s, reasons %q", s.Text, s.Risk, s.Reasons)
			}
			var c draft.Claim
			for _, x := range emitted(t, events, "观摩").Claims {
				if strings.HasPrefix(x.Reason, "模型复核：") {
					c = x
				}
			}
			if c.Kind != "honour" || c.Supported || string([]rune(s.Text)[c.Start:c.End]) != "吸引了多个省份前来观摩" {
				t.Errorf("the model's claim is %+v in %q", c, s.Text)
			}
			var want draft.Usage
			for _, r := range reqs {
				want.Add(draft.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens})
			}
			if dr.Sections[0].Usage != want || dr.Usage != want {
				t.Errorf("usage: section %+v, draft %+v; want the draft's and the check's tokens, %+v", dr.Sections[0].Usage, dr.Usage, want)
			}
			for i, x := range dr.Sections[0].Sentences {
				if y := plain.Sections[0].Sentences[i]; x.Text != y.Text || x.Text != s.Text && x.Risk != y.Risk {
					t.Errorf("%q became %s; without the check %s", x.Text, x.Risk, y.Risk)
				}
			}
		})
	}

	for _, b := range []openaitest.Behaviour{openaitest.MalformedCheck, openaitest.Status(400)} {
		t.Run("a check answered "+b.String()+" is logged and changes nothing but the usage", func(t *testing.T) {
			srv := openaitest.New(t, openaitest.Script(openaitest.Plant(planted), b), finds)
			var log strings.Builder
			dr, _, err := pipeRun(t, checkDrafter(t, srv, store, search, &log), store, pipeFigures())
			if err != nil || dr.Status != draft.StatusReady {
				t.Fatalf("draft %s (Run: %v); a failed check must not fail the section", dr.Status, err)
			}
			for i, x := range dr.Sections[0].Sentences {
				y := plain.Sections[0].Sentences[i]
				if x.Text != y.Text || x.Risk != y.Risk || len(x.Claims) != len(y.Claims) || strings.Join(x.Reasons, "") != strings.Join(y.Reasons, "") {
					t.Errorf("%q: %s %q; without the check %s %q", x.Text, x.Risk, x.Reasons, y.Risk, y.Reasons)
				}
			}
			if !strings.Contains(log.String(), "claim check failed") {
				t.Errorf("the failure was not logged:\n%s", log.String())
			}
			if dr.Sections[0].Usage.PromptTokens <= plain.Sections[0].Usage.PromptTokens && b.String() == "MalformedCheck" {
				t.Errorf("usage %+v does not count the check's tokens", dr.Sections[0].Usage)
			}
		})
	}
}

// A model given last year's section to update keeps some of last year's facts as real models do:
// an event with its date, which the number guard alone lets through (a date of the period's year
// is the writer's), and last year's value of a figure. Both sentences must come out high with the
// template named as the cause, while the sentence that states this year's figures stays low.
func TestPipelineTemplateKeepsLastYearsFactsFlagged(t *testing.T) {
	store, search := pipeCorpus(t)
	in := &draft.Figures{
		Title: "青岚县卫生健康局2025年上半年工作总结", Organization: "青岚县卫生健康局", Period: "2025年上半年",
		Template: "tpl-2024", TemplatePeriod: "2024年上半年", TemplateOrganization: "青岚县卫生健康局",
		Sections: []draft.SectionInput{{
			Heading: "（一）基层卫生服务能力持续提升",
			Figures: []draft.Figure{
				{ID: "s1f1", Label: "家庭医生签约服务人数", Value: "36239", Unit: "人", Previous: "31870"},
			},
			TemplateText: "2024年上半年，全县家庭医生签约服务人数达到【s1f1】，同比增加【s1f1.change】。3月15日召开全县基层卫生工作推进会，部署签约服务提质扩面。",
		}},
	}
	for name, planted := range map[string]string{
		"an event of last year with its date":   "3月15日召开全县基层卫生工作推进会，部署签约服务提质扩面。",
		"last year's value said as this year's": "去年同期签约服务人数为31870人。",
	} {
		t.Run(name, func(t *testing.T) {
			srv := openaitest.New(t, openaitest.Default(openaitest.Plant(planted)), pipeValues(in))
			d := pipeDrafter(t, srv, store, search)
			dr, _, err := pipeRun(t, d, store, in)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			var kept *draft.Sentence
			for i, s := range dr.Sections[0].Sentences {
				if strings.Contains(s.Text, strings.TrimSuffix(planted, "。")[:12]) {
					kept = &dr.Sections[0].Sentences[i]
				}
			}
			if kept == nil {
				t.Fatalf("the planted sentence is gone: %+v", dr.Sections[0].Sentences)
			}
			if kept.Risk != draft.RiskHigh || len(kept.Reasons) == 0 || !strings.HasPrefix(kept.Reasons[0], "去年的内容，请确认是否仍然属实") {
				t.Errorf("%q: risk %s, reasons %q; want high, naming the template first", kept.Text, kept.Risk, kept.Reasons)
			}
			if !strings.Contains(dr.Sections[0].Sentences[0].Text, "36239人") {
				t.Errorf("this year's figure is not stated first: %q", dr.Sections[0].Sentences[0].Text)
			}
		})
	}
}
