package draft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/retrieval"
)

// memStore is an in-memory Store for pipeline tests; the real stores run storetest.
type memStore struct {
	mu     sync.Mutex
	drafts map[string]*Draft
}

func newMemStore() *memStore { return &memStore{drafts: map[string]*Draft{}} }

// clone deep-copies a draft, as a real store's round trip does.
func clone(d *Draft) *Draft {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	var c Draft
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	return &c
}

func (m *memStore) CreateDraft(_ context.Context, d *Draft) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.drafts[d.ID] = clone(d)
	return nil
}

func (m *memStore) Draft(_ context.Context, sc retrieval.Scope, id string) (*Draft, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok || !sc.Owns(d.Workspace) {
		return nil, retrieval.ErrNotFound
	}
	return clone(d), nil
}

func (m *memStore) Drafts(context.Context, retrieval.Scope) ([]DraftInfo, error) { return nil, nil }

func (m *memStore) SaveSection(_ context.Context, id string, s Section) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok {
		return retrieval.ErrNotFound
	}
	d.Sections[s.Index] = clone(&Draft{Sections: []Section{s}}).Sections[0]
	return nil
}

func (m *memStore) SetStatus(_ context.Context, id string, st Status, u Usage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok {
		return retrieval.ErrNotFound
	}
	d.Status, d.Usage = st, u
	return nil
}

func (m *memStore) SaveReview(_ context.Context, id string, secs []Section, entries []AuditEntry, st Status) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok {
		return retrieval.ErrNotFound
	}
	for _, s := range secs {
		d.Sections[s.Index] = s
	}
	d.Audit = append(d.Audit, entries...)
	d.Status = st
	return nil
}

// Review applies decide under the store's lock, as the real stores do (storetest holds them to it).
func (m *memStore) Review(_ context.Context, sc retrieval.Scope, id string, decide func(*Draft) (ReviewWrite, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok || !sc.Owns(d.Workspace) {
		return retrieval.ErrNotFound
	}
	w, err := decide(clone(d))
	if err != nil {
		return err
	}
	next := clone(d)
	for _, sw := range w.Sentences {
		sec := &next.Sections[sw.Section]
		x := clone(&Draft{Sections: []Section{{Sentences: []Sentence{sw.Sentence}}}}).Sections[0].Sentences[0]
		i := slices.IndexFunc(sec.Sentences, func(y Sentence) bool { return y.ID == x.ID })
		if i < 0 {
			for _, y := range sec.Sentences {
				x.Version = max(x.Version, y.Version)
			}
			x.Version++
			sec.Sentences = append(sec.Sentences, x)
			continue
		}
		if sec.Sentences[i].Version != x.Version {
			return StaleError(x.ID, x.Version, sec.Sentences[i].Version)
		}
		x.Version++
		sec.Sentences[i] = x
	}
	for idx, dropped := range w.Dropped {
		next.Sections[idx].Dropped = dropped
	}
	next.Audit = append(next.Audit, w.Entries...)
	next.Status = w.Status
	m.drafts[id] = next
	return nil
}

func (m *memStore) DeleteDraft(_ context.Context, sc retrieval.Scope, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.drafts[id]; !ok || !sc.Owns(d.Workspace) {
		return retrieval.ErrNotFound
	}
	delete(m.drafts, id)
	return nil
}

// echoWriter states every figure of the request, and records how many writes overlap.
type echoWriter struct {
	mu            sync.Mutex
	inFlight, top int
}

func (w *echoWriter) Write(_ context.Context, req SectionRequest) (SectionText, error) {
	w.mu.Lock()
	w.inFlight++
	w.top = max(w.top, w.inFlight)
	w.mu.Unlock()
	time.Sleep(20 * time.Millisecond) // long enough for the other sections to start
	w.mu.Lock()
	w.inFlight--
	w.mu.Unlock()
	var b strings.Builder
	for _, f := range req.Figures {
		b.WriteString(Token(f.ID) + "。")
	}
	return SectionText{Text: b.String()}, nil
}

func (w *echoWriter) maxInFlight() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.top
}

// scriptWriter answers with its texts in turn (the last one repeats), or with err.
type scriptWriter struct {
	texts []string
	err   error
	calls int
	reqs  []SectionRequest
}

func (w *scriptWriter) Write(_ context.Context, req SectionRequest) (SectionText, error) {
	w.reqs = append(w.reqs, req)
	w.calls++
	if w.err != nil {
		return SectionText{}, w.err
	}
	t := w.texts[min(w.calls-1, len(w.texts)-1)]
	return SectionText{Text: t, Model: "script", Usage: Usage{PromptTokens: 10, CompletionTokens: 5}}, nil
}

func pipelineFigures() *Figures {
	return &Figures{
		Title: "青禾县卫生健康局2025年上半年工作总结", Organization: "青禾县卫生健康局", Period: "2025年上半年",
		Sections: []SectionInput{{
			Heading: "健康扶贫", Notes: "巩固拓展健康扶贫成果。",
			Figures: []Figure{
				{ID: "f1", Label: "享受健康扶贫政策人数", Value: "36239", Unit: "人"},
				{ID: "f2", Label: "大病患者住院费用实际报销比例", Value: "90", Unit: "%"},
			},
		}},
	}
}

var passage = retrieval.Result{PassageID: "p1", DocumentID: "d1", DocumentTitle: "松川县2023年工作总结",
	Text: "全面落实健康扶贫政策，全县贫困人口家庭医生签约服务实现全覆盖，群众获得感明显增强，得到上级部门充分肯定。"}

func runDraft(t *testing.T, w Writer, search Searcher) (*Draft, *memStore, []Event, error) {
	t.Helper()
	store := newMemStore()
	d := &Drafter{Writer: w, Store: store, Search: search, Model: "test"}
	dr, err := d.Create(context.Background(), pipelineFigures())
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	err = d.Run(context.Background(), dr, func(e Event) { events = append(events, e) })
	stored, _ := store.Draft(context.Background(), retrieval.Scope{}, dr.ID)
	return stored, store, events, err
}

func allText(d *Draft) string {
	var b strings.Builder
	for _, s := range d.Sections {
		for _, x := range s.Sentences {
			b.WriteString(x.Text)
		}
	}
	return b.String()
}

func TestDrafter(t *testing.T) {
	search := func(context.Context, retrieval.Query) ([]retrieval.Result, error) {
		return []retrieval.Result{passage, passage}, nil
	}
	t.Run("a well-behaved writer's figures become the exact strings, low risk", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"巩固拓展健康扶贫成果。一是全县享受健康扶贫政策【f1】。二是大病患者住院费用实际报销比例达到【f2】。"}}
		d, _, events, err := runDraft(t, w, search)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != StatusReady || d.Sections[0].Status != StatusReady {
			t.Fatalf("status %s/%s", d.Status, d.Sections[0].Status)
		}
		text := allText(d)
		if !strings.Contains(text, "36239人") || !strings.Contains(text, "90%") || strings.Contains(text, "【") {
			t.Fatalf("text = %s", text)
		}
		ss := d.Sections[0].Sentences
		if ss[0].Generated || ss[0].Risk != RiskLow {
			t.Fatalf("the writer's notes must be marked not generated: %+v", ss[0])
		}
		if ss[1].Risk != RiskLow || len(ss[1].Figures) != 1 || ss[1].Figures[0] != "f1" {
			t.Fatalf("sentence 2 = %+v", ss[1])
		}
		if w.calls != 1 || d.Usage.PromptTokens != 10 {
			t.Fatalf("calls %d usage %+v", w.calls, d.Usage)
		}
		if events[0].Type != EventSectionStarted || events[len(events)-1].Type != EventDraftDone {
			t.Fatalf("events = %+v", events)
		}
	})
	t.Run("an invented number is retried with feedback, then flagged, never dropped", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"全县享受政策【f1】，报销比例【f2】，满意度达到98%。"}}
		d, _, _, err := runDraft(t, w, search)
		if err != nil {
			t.Fatal(err)
		}
		if w.calls != 3 {
			t.Fatalf("calls = %d, want 3 (bounded retries)", w.calls)
		}
		if fb := strings.Join(w.reqs[1].Feedback, ""); !strings.Contains(fb, "98%") {
			t.Fatalf("feedback = %q", fb)
		}
		var flagged bool
		for _, s := range d.Sections[0].Sentences {
			if strings.Contains(s.Text, "98%") {
				flagged = s.Risk == RiskHigh && len(s.UnboundNumbers) == 1 && s.UnboundNumbers[0] == "98%"
			}
		}
		if !flagged {
			t.Fatalf("98%% not flagged: %+v", d.Sections[0].Sentences)
		}
	})
	t.Run("each call of the writer is announced with its number, before the section's sentences", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"共3.6万人享受政策，报销比例【f2】。", "共【f1】享受政策，报销比例【f2】。"}}
		_, _, events, err := runDraft(t, w, search)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			switch e.Type {
			case EventSectionAttempt:
				if e.Section != 0 || e.Status != StatusGenerating {
					t.Errorf("attempt event %+v: want section 0, generating", e)
				}
				got = append(got, fmt.Sprintf("attempt %d", e.Attempt))
			case EventSectionStarted, EventSentence:
				if len(got) == 0 || got[len(got)-1] != e.Type {
					got = append(got, e.Type)
				}
			}
		}
		want := []string{EventSectionStarted, "attempt 1", "attempt 2", EventSentence}
		if !slices.Equal(got, want) || w.calls != 2 {
			t.Fatalf("events %v (writer called %d times), want %v", got, w.calls, want)
		}
	})
	t.Run("a retry that fixes the problem is kept", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"共3.6万人享受政策，报销比例【f2】。", "共【f1】享受政策，报销比例【f2】。"}}
		d, _, _, _ := runDraft(t, w, search)
		if w.calls != 2 || strings.Contains(allText(d), "3.6万") {
			t.Fatalf("calls %d text %s", w.calls, allText(d))
		}
	})
	t.Run("a figure the model left out is added in a marked sentence", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"报销比例达到【f2】。"}}
		d, _, _, _ := runDraft(t, w, search)
		ss := d.Sections[0].Sentences
		last := ss[len(ss)-1]
		if !last.Added || !strings.Contains(last.Text, "36239人") || last.Figures[0] != "f1" {
			t.Fatalf("last sentence = %+v", last)
		}
	})
	t.Run("a sentence copied from a passage is high risk and names its source", func(t *testing.T) {
		w := &scriptWriter{texts: []string{passage.Text + "享受政策【f1】，报销比例【f2】。"}}
		d, _, _, _ := runDraft(t, w, search)
		s := d.Sections[0].Sentences[0]
		if s.Risk != RiskHigh || len(s.Sources) == 0 || s.Sources[0].PassageID != "p1" || s.Sources[0].Overlap < copyThreshold {
			t.Fatalf("sentence = %+v", s)
		}
	})
	t.Run("an unsupported ranking claim is high risk", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"工作成效位居全市第一。享受政策【f1】，报销比例【f2】。"}}
		d, _, _, _ := runDraft(t, w, search)
		if s := d.Sections[0].Sentences[0]; s.Risk != RiskHigh {
			t.Fatalf("sentence = %+v", s)
		}
	})
	t.Run("a qualitative claim is medium risk", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"群众满意度明显提升。享受政策【f1】，报销比例【f2】。"}}
		d, _, _, _ := runDraft(t, w, search)
		if s := d.Sections[0].Sentences[0]; s.Risk != RiskMedium {
			t.Fatalf("sentence = %+v", s)
		}
	})
	t.Run("a failing writer fails the section but the draft is kept", func(t *testing.T) {
		w := &scriptWriter{err: retrieval.Errorf(retrieval.EUNAVAILABLE, "model stopped early")}
		d, _, events, err := runDraft(t, w, search)
		if err == nil || d.Status != StatusFailed || d.Sections[0].Status != StatusFailed || d.Sections[0].Error != "model stopped early" {
			t.Fatalf("err %v draft %+v", err, d)
		}
		if events[len(events)-1].Type != EventDraftFailed {
			t.Fatalf("events = %+v", events)
		}
	})
	t.Run("a failed section can be regenerated alone", func(t *testing.T) {
		store := newMemStore()
		w := &scriptWriter{err: errors.New("boom")}
		dr := &Drafter{Writer: w, Store: store, Search: search}
		d, _ := dr.Create(context.Background(), pipelineFigures())
		dr.Run(context.Background(), d, nil)
		w.err, w.texts = nil, []string{"享受政策【f1】，报销比例【f2】。"}
		if err := dr.Regenerate(context.Background(), d, 0, nil); err != nil {
			t.Fatal(err)
		}
		got, _ := store.Draft(context.Background(), retrieval.Scope{}, d.ID)
		if got.Status != StatusReady || got.Sections[0].Status != StatusReady {
			t.Fatalf("after regenerate: %s / %s", got.Status, got.Sections[0].Status)
		}
		if err := dr.Regenerate(context.Background(), d, 5, nil); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
			t.Fatalf("regenerate of a missing section: %v", err)
		}
	})
	t.Run("sections drafted concurrently are all stored with their own events", func(t *testing.T) {
		store := newMemStore()
		in := pipelineFigures()
		for i := 0; i < 5; i++ {
			s := in.Sections[0]
			s.Heading = fmt.Sprintf("部分%d", i)
			s.Figures = []Figure{{ID: fmt.Sprintf("g%d", i), Label: "指标", Value: "12", Unit: "个"}}
			in.Sections = append(in.Sections, s)
		}
		w := &echoWriter{}
		dr := &Drafter{Writer: w, Store: store, Concurrency: 3}
		d, err := dr.Create(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		done := map[int]int{}
		if err := dr.Run(context.Background(), d, func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			if e.Type == EventSectionDone {
				done[e.Section]++
			}
		}); err != nil {
			t.Fatal(err)
		}
		got, _ := store.Draft(context.Background(), retrieval.Scope{}, d.ID)
		for i, s := range got.Sections {
			if s.Status != StatusReady || done[i] != 1 || len(s.Sentences) == 0 {
				t.Fatalf("section %d: %s, %d done events, %d sentences", i, s.Status, done[i], len(s.Sentences))
			}
		}
		if w.maxInFlight() < 2 {
			t.Fatalf("at most %d sections were drafted at once", w.maxInFlight())
		}
	})
	t.Run("a section can be drafted with no event listener", func(t *testing.T) {
		store := newMemStore()
		dr := &Drafter{Writer: &scriptWriter{texts: []string{"享受政策【f1】，报销比例【f2】。"}}, Store: store}
		d, _ := dr.Create(context.Background(), pipelineFigures())
		if err := dr.RunSection(context.Background(), d, 0, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("invalid figures are refused before anything is stored", func(t *testing.T) {
		store := newMemStore()
		dr := &Drafter{Writer: &scriptWriter{}, Store: store}
		in := pipelineFigures()
		in.Sections[0].Figures[1].ID = "f1"
		if _, err := dr.Create(context.Background(), in); err == nil || len(store.drafts) != 0 {
			t.Fatalf("err %v, %d drafts stored", err, len(store.drafts))
		}
	})
}

// draftWith drafts pipelineFigures, its notes replaced by notes when not empty, with d's writer and
// checker, and returns the stored draft.
func draftWith(t *testing.T, d *Drafter, notes string) *Draft {
	t.Helper()
	store := newMemStore()
	d.Store, d.Model = store, "test"
	in := pipelineFigures()
	if notes != "" {
		in.Sections[0].Notes = notes
	}
	dr, err := d.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(context.Background(), dr, nil); err != nil {
		t.Fatal(err)
	}
	stored, _ := store.Draft(context.Background(), retrieval.Scope{}, dr.ID)
	return stored
}

func TestRetriesEdit(t *testing.T) {
	t.Run("a retry gets the previous answer as written, its problems marked and numbered in the feedback", func(t *testing.T) {
		w := &scriptWriter{texts: []string{
			"享受政策【f1】，报销比例【f2】，工作位居全市第一，满意度达到98%。",
			"享受政策【f1】，报销比例【f2】。",
		}}
		d := draftWith(t, &Drafter{Writer: w}, "")
		if w.calls != 2 {
			t.Fatalf("calls = %d, want 2", w.calls)
		}
		if w.reqs[0].Previous != "" || len(w.reqs[0].Feedback) != 0 {
			t.Errorf("the first request has a previous answer %q, feedback %q", w.reqs[0].Previous, w.reqs[0].Feedback)
		}
		want := "享受政策【f1】，报销比例【f2】，工作⟦位居全市第一⟧〔1〕，满意度达到⟦98%⟧〔2〕。"
		if got := w.reqs[1].Previous; got != want {
			t.Errorf("Previous = %q, want %q", got, want)
		}
		fb := w.reqs[1].Feedback
		if len(fb) != 2 || !strings.HasPrefix(fb[0], "〔1〕“位居全市第一”：") || !strings.Contains(fb[0], "排名") ||
			!strings.HasPrefix(fb[1], "〔2〕“98%”：") {
			t.Errorf("feedback = %q", fb)
		}
		if strings.Contains(allText(d), "全市第一") || strings.Contains(allText(d), "98%") {
			t.Errorf("the edited answer was not kept: %s", allText(d))
		}
	})
	t.Run("marks point at the tokens the writer wrote, not at the figures put in their place", func(t *testing.T) {
		// 90% stated of 满意度, not of 报销比例: the number is said of the wrong thing.
		w := &scriptWriter{texts: []string{"享受政策【f1】人，群众满意度达到【f2】。", "享受政策【f1】，报销比例【f2】。"}}
		draftWith(t, &Drafter{Writer: w}, "")
		if w.calls != 2 {
			t.Fatalf("calls = %d, want 2; feedback %q", w.calls, w.reqs[len(w.reqs)-1].Feedback)
		}
		if got, want := w.reqs[1].Previous, "享受政策【f1】人，群众满意度达到⟦【f2】⟧〔1〕。"; got != want {
			t.Errorf("Previous = %q, want %q", got, want)
		}
		if fb := strings.Join(w.reqs[1].Feedback, ""); strings.Contains(fb, "90%") || strings.Contains(fb, "36239") || !strings.Contains(fb, "【f2】") {
			t.Errorf("feedback shows a figure's value rather than its token: %q", fb)
		}
	})
	t.Run("an unknown token and a figure left out are named, the token marked where it stands", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"享受政策【f9】。", "享受政策【f1】，报销比例【f2】。"}}
		draftWith(t, &Drafter{Writer: w}, "")
		if got, want := w.reqs[1].Previous, "享受政策⟦【f9】⟧〔1〕。"; got != want {
			t.Errorf("Previous = %q, want %q", got, want)
		}
		fb := w.reqs[1].Feedback
		if len(fb) != 3 || !strings.HasPrefix(fb[0], "〔1〕“【f9】”：占位符【f9】不存在") ||
			!strings.HasPrefix(fb[1], "遗漏了数据【f1】") || !strings.HasPrefix(fb[2], "遗漏了数据【f2】") {
			t.Errorf("feedback = %q", fb)
		}
	})
	t.Run("a supported claim is no problem: the answer is kept without a retry", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"全县健康扶贫工作位居全市第一，享受政策【f1】，报销比例【f2】。"}}
		d := draftWith(t, &Drafter{Writer: w}, "健康扶贫工作位居全市第一。")
		if w.calls != 1 {
			t.Fatalf("calls = %d, want 1: the writer's notes give the ranking; feedback %q", w.calls, w.reqs[len(w.reqs)-1].Feedback)
		}
		s := sentenceWith(t, d.Sections[0], "位居全市第一")
		supported := false
		for _, c := range s.Claims {
			supported = supported || (c.Kind == "ranking" && c.Supported)
		}
		if !supported || s.Risk == RiskHigh {
			t.Errorf("sentence %q: risk %s, claims %+v; want a supported ranking", s.Text, s.Risk, s.Claims)
		}
	})
	t.Run("a claim of a medium kind is left to the reviewer, not retried", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"群众满意度明显提升。享受政策【f1】，报销比例【f2】。"}}
		d := draftWith(t, &Drafter{Writer: w}, "")
		if w.calls != 1 || sentenceWith(t, d.Sections[0], "明显提升").Risk != RiskMedium {
			t.Errorf("calls = %d, sentences %+v", w.calls, d.Sections[0].Sentences)
		}
	})
	t.Run("of attempts that all have problems the one with the fewest is kept", func(t *testing.T) {
		w := &scriptWriter{texts: []string{
			"享受政策【f1】，报销比例【f2】，工作位居全市第一，满意度达到98%。",
			"享受政策【f1】，报销比例【f2】，工作位居全市第一。",
			"享受政策【f1】，报销比例【f2】，工作位居全省第一，满意度达到98%，获评先进单位。",
		}}
		d := draftWith(t, &Drafter{Writer: w}, "")
		if w.calls != 3 || allText(d) != "享受政策36239人，报销比例90%，工作位居全市第一。" {
			t.Errorf("calls = %d, kept %q", w.calls, allText(d))
		}
		if got, want := w.reqs[2].Previous, "享受政策【f1】，报销比例【f2】，工作⟦位居全市第一⟧〔1〕。"; got != want {
			t.Errorf("the last retry edits %q, want the last answer %q", got, want)
		}
	})
	t.Run("marks a model leaves in its answer are taken out", func(t *testing.T) {
		w := &scriptWriter{texts: []string{"享受政策【f1】，⟦报销比例【f2】⟧〔2〕。"}}
		d := draftWith(t, &Drafter{Writer: w}, "")
		if got := allText(d); got != "享受政策36239人，报销比例90%。" || w.calls != 1 {
			t.Errorf("text %q after %d calls", got, w.calls)
		}
	})
}

func TestToWritten(t *testing.T) {
	byID := map[string]Figure{
		"f1": {ID: "f1", Value: "36239", Unit: "人"},
		"f2": {ID: "f2", Value: "90", Unit: "%"},
	}
	p := substituteMapped("共【f1】人，比例【f2】，另有【f9】。", byID)
	if p.text != "共36239人，比例90%，另有【f9】。" {
		t.Fatalf("text = %q", p.text)
	}
	tests := []struct {
		name, span, want string
	}{
		{"words before a figure map to themselves", "共", "共"},
		{"a figure's string maps to its token and the unit written after it", "36239人", "【f1】人"},
		{"part of a figure's string takes the whole token", "239", "【f1】人"},
		{"a span across figures takes both tokens", "36239人，比例90%", "【f1】人，比例【f2】"},
		{"an unknown token maps to itself", "【f9】", "【f9】"},
		{"the end of the text maps to the end", "另有【f9】。", "另有【f9】。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := strings.Index(p.text, tt.span)
			s, e := p.toWritten(a, a+len(tt.span))
			if got := p.written[s:e]; got != tt.want {
				t.Errorf("toWritten(%q) = %q, want %q", tt.span, got, tt.want)
			}
		})
	}
}

// checkerOf returns a ClaimChecker that finds, in the text it is given, each of finds (words, kind),
// and records its requests.
func checkerOf(reqs *[]ClaimCheckRequest, usage Usage, err error, finds ...[2]string) ClaimChecker {
	return func(_ context.Context, req ClaimCheckRequest) ([]CheckedClaim, Usage, error) {
		*reqs = append(*reqs, req)
		if err != nil {
			return nil, usage, err
		}
		var out []CheckedClaim
		for _, f := range finds {
			if i := strings.Index(req.Text, f[0]); i >= 0 {
				out = append(out, CheckedClaim{Start: i, End: i + len(f[0]), Kind: guard.ClaimKind(f[1]), Reason: "撰稿人没有提供这一情况。"})
			}
		}
		return out, usage, nil
	}
}

func TestClaimCheck(t *testing.T) {
	answer := "签约服务做法吸引了多个省份前来观摩。享受政策【f1】，报销比例【f2】。"
	t.Run("a claim the local checks miss raises its sentence to high, with the claim in characters and the reason marked", func(t *testing.T) {
		var reqs []ClaimCheckRequest
		w := &scriptWriter{texts: []string{answer}}
		d := draftWith(t, &Drafter{Writer: w, ClaimChecker: checkerOf(&reqs, Usage{PromptTokens: 7, CompletionTokens: 3}, nil, [2]string{"吸引了多个省份前来观摩", "honour"})}, "")
		s := sentenceWith(t, d.Sections[0], "观摩")
		if s.Risk != RiskHigh || len(s.Reasons) != 1 || s.Reasons[0] != "模型复核：撰稿人没有提供这一情况。" {
			t.Fatalf("sentence %q: risk %s, reasons %q; want high with the checker's reason alone", s.Text, s.Risk, s.Reasons)
		}
		want := Claim{Start: 6, End: 17, Text: "吸引了多个省份前来观摩", Kind: "honour", Reason: "模型复核：撰稿人没有提供这一情况。"}
		if len(s.Claims) != 1 || s.Claims[0] != want {
			t.Errorf("claims = %+v, want %+v", s.Claims, want)
		}
		if got := []rune(s.Text)[want.Start:want.End]; string(got) != want.Text {
			t.Errorf("the claim's characters read %q", string(got))
		}
		if u := d.Sections[0].Usage; u.PromptTokens != 17 || u.CompletionTokens != 8 || d.Usage != u {
			t.Errorf("usage = %+v, draft %+v; want the writer's 10+5 and the check's 7+3", u, d.Usage)
		}
		if len(reqs) != 1 || reqs[0].Text != "签约服务做法吸引了多个省份前来观摩。享受政策36239人，报销比例90%。" || reqs[0].Model != "test" ||
			reqs[0].Heading != "健康扶贫" || reqs[0].Notes != "巩固拓展健康扶贫成果。" || len(reqs[0].Figures) != 2 {
			t.Errorf("check requests = %+v", reqs)
		}
	})
	t.Run("a qualitative claim raises a low sentence to medium only", func(t *testing.T) {
		var reqs []ClaimCheckRequest
		d := draftWith(t, &Drafter{Writer: &scriptWriter{texts: []string{answer}}, ClaimChecker: checkerOf(&reqs, Usage{}, nil, [2]string{"享受政策", "coverage"})}, "")
		if s := sentenceWith(t, d.Sections[0], "享受政策"); s.Risk != RiskMedium || len(s.Reasons) != 1 {
			t.Errorf("sentence %q: risk %s, reasons %q", s.Text, s.Risk, s.Reasons)
		}
	})
	t.Run("findings never lower a risk nor drop a reason", func(t *testing.T) {
		var reqs []ClaimCheckRequest
		w := &scriptWriter{texts: []string{"工作位居全市第一，群众满意度明显提升。享受政策【f1】，报销比例【f2】。"}}
		d := draftWith(t, &Drafter{Writer: w, MaxAttempts: 1, ClaimChecker: checkerOf(&reqs, Usage{}, nil, [2]string{"群众满意度", "trend"})}, "")
		s := sentenceWith(t, d.Sections[0], "全市第一")
		if s.Risk != RiskHigh || len(s.Reasons) != 2 || !strings.Contains(s.Reasons[0], "排名") || !strings.HasPrefix(s.Reasons[1], "模型复核：") {
			t.Errorf("sentence %q: risk %s, reasons %q", s.Text, s.Risk, s.Reasons)
		}
	})
	t.Run("a finding on the writer's figure, on the writer's own words, outside the text or of another kind changes nothing", func(t *testing.T) {
		var reqs []ClaimCheckRequest
		w := &scriptWriter{texts: []string{"巩固拓展健康扶贫成果。享受政策【f1】，报销比例【f2】。"}}
		plain := draftWith(t, &Drafter{Writer: w}, "")
		checker := func(_ context.Context, req ClaimCheckRequest) ([]CheckedClaim, Usage, error) {
			reqs = append(reqs, req)
			i := strings.Index(req.Text, "36239人")
			return []CheckedClaim{
				{Start: i, End: i + len("36239人"), Kind: guard.ClaimNumber, Reason: "数字没有依据。"},
				{Start: 0, End: len("巩固拓展"), Kind: guard.ClaimTrend, Reason: "没有依据。"},
				{Start: len(req.Text) - 3, End: len(req.Text) + 9, Kind: guard.ClaimHonour, Reason: "越界。"},
				{Start: i, End: i + 1, Kind: "exaggeration", Reason: "未知种类。"},
			}, Usage{}, nil
		}
		var log strings.Builder
		w = &scriptWriter{texts: w.texts}
		d := draftWith(t, &Drafter{Writer: w, ClaimChecker: checker, Log: slog.New(slog.NewTextHandler(&log, nil))}, "")
		for i, s := range d.Sections[0].Sentences {
			p := plain.Sections[0].Sentences[i]
			if s.Risk != p.Risk || !slices.Equal(s.Reasons, p.Reasons) || len(s.Claims) != len(p.Claims) {
				t.Errorf("sentence %q: risk %s, reasons %q, claims %+v; without the check %s, %q", s.Text, s.Risk, s.Reasons, s.Claims, p.Risk, p.Reasons)
			}
		}
		if n := strings.Count(log.String(), "claim check finding ignored"); n != 3 {
			t.Errorf("%d findings logged as ignored, want 3 (the writer's own sentence needs no word):\n%s", n, log.String())
		}
	})
	t.Run("a failed check is logged, its usage counted, and the section kept as the local checks left it", func(t *testing.T) {
		var reqs []ClaimCheckRequest
		var log strings.Builder
		w := &scriptWriter{texts: []string{answer}}
		d := draftWith(t, &Drafter{Writer: w, Log: slog.New(slog.NewTextHandler(&log, nil)),
			ClaimChecker: checkerOf(&reqs, Usage{PromptTokens: 7}, errors.New("model answered no JSON"))}, "")
		if d.Status != StatusReady || sentenceWith(t, d.Sections[0], "观摩").Risk != RiskLow {
			t.Errorf("draft %s, sentences %+v", d.Status, d.Sections[0].Sentences)
		}
		if d.Sections[0].Usage.PromptTokens != 17 || !strings.Contains(log.String(), "model answered no JSON") {
			t.Errorf("usage %+v, log %q", d.Sections[0].Usage, log.String())
		}
	})
}
