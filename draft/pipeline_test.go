package draft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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

func (m *memStore) Draft(_ context.Context, id string) (*Draft, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.drafts[id]
	if !ok {
		return nil, retrieval.ErrNotFound
	}
	return clone(d), nil
}

func (m *memStore) Drafts(context.Context) ([]DraftInfo, error) { return nil, nil }

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
	stored, _ := store.Draft(context.Background(), dr.ID)
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
		got, _ := store.Draft(context.Background(), d.ID)
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
		got, _ := store.Draft(context.Background(), d.ID)
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
