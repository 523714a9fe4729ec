package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// RunDrafts runs the conformance suite for draft.Store against stores made by open; each call of open
// returns a new, empty store (cleaned up via t.Cleanup by the opener).
//
// Beyond the comments on draft.Store, the suite holds stores to these: CreateDraft keeps non-zero
// CreatedAt and UpdatedAt as given, and a taken ID is ECONFLICT; times come back in UTC, equal to
// the millisecond at least; lists (sections, sentences, figures, unbound numbers, sources, claims,
// reasons, history, dropped figures, audit) come back empty, never nil, so the API shows [] and not
// null; SaveSection, SetStatus and SaveReview move UpdatedAt to the time of the write; SaveSection
// and SaveReview of a section index the draft lacks are ENOTFOUND and change nothing; SaveReview
// replaces the dropped figures of the sections it is given, as it does their sentences.
func RunDrafts(t *testing.T, open func(t *testing.T) draft.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s draft.Store)
	}{
		{"CreateDraft then Draft round-trips every field", testDraftRoundTrip},
		{"Draft orders sections by index and sentences as given", testDraftOrder},
		{"Draft returns empty lists, not nil, for a draft stored with nil ones", testDraftEmptyLists},
		{"Draft of a missing ID is not found", testDraftNotFound},
		{"CreateDraft with a taken ID conflicts and keeps the first draft", testCreateDraftConflict},
		{"SaveSection replaces a section and drops sentences it no longer has", testSaveSection},
		{"SaveSection of a missing draft is not found", testSaveSectionNoDraft},
		{"SaveSection of a section the draft lacks is not found and changes nothing", testSaveSectionNoSection},
		{"SetStatus sets the status and usage and is not found for a missing draft", testSetStatus},
		{"Drafts lists newest first", testDraftsNewestFirst},
		{"Concurrent SaveSection of two sections of one draft keeps both", testSaveSectionConcurrent},
		{"SaveReview stores sentences, appends the audit trail and sets the status", testSaveReview},
		{"SaveReview that names a missing section changes nothing", testSaveReviewAtomic},
		{"CreateDraft, SaveSection and SaveReview keep every sentence's claims", testClaims},
		{"SaveSection and SaveReview keep a section's dropped figures, and SaveReview replaces them", testDroppedFigures},
		{"SaveReview keeps the figure an audit entry names", testAuditFigure},
		{"Draft returns no claims, no dropped figures and no audit figure for a draft stored without them", testNoClaimsOrDropped},
		{"CreateDraft keeps the draft's creator and SaveReview each audit entry's reason", testCreatorAndReasons},
		{"DeleteDraft removes the draft with its sections, sentences and audit trail, and no other draft", testDeleteDraft},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

// at returns a UTC time in 2025 with millisecond precision, the most every store keeps.
func at(month time.Month, day, hour, ms int) time.Time {
	return time.Date(2025, month, day, hour, 30, 15, ms*int(time.Millisecond), time.UTC)
}

// fullDraft returns a draft named id with every field set: two sections, the first with reviewed,
// edited and added sentences, the second pending with none.
func fullDraft(id string) *draft.Draft {
	reviewed := at(time.July, 3, 10, 250)
	src := draft.Source{PassageID: "p-7", DocumentID: "doc-3", DocumentTitle: "青禾县农业农村局2024年工作总结",
		HeadingPath: []string{"一、主要工作", "（二）农田建设"}, Text: "全年建成高标准农田1.2万亩。", Overlap: 0.375}
	return &draft.Draft{
		ID:            id,
		Workspace:     retrieval.DefaultWorkspace,
		Title:         "青禾县农业农村局2025年上半年工作总结",
		Organization:  "青禾县农业农村局",
		Period:        "2025年上半年",
		Status:        draft.StatusReady,
		Model:         "test-model",
		PromptVersion: "v3",
		Input: &draft.Figures{
			Title: "青禾县农业农村局2025年上半年工作总结", Organization: "青禾县农业农村局", Period: "2025年上半年",
			Sections: []draft.SectionInput{
				{Heading: "农田建设", Notes: "含旱改水项目", Figures: []draft.Figure{
					{ID: "farmland", Label: "新建高标准农田", Value: "0.86", Unit: "万亩", Previous: "0.71", Target: "1.5", Note: "已验收"},
					{ID: "rate", Label: "项目完工率", Value: "57.3", Unit: "%"},
				}},
				{Heading: "乡村产业", Figures: []draft.Figure{{ID: "coops", Label: "新增合作社", Value: "14", Unit: "家"}}},
			},
		},
		Sections: []draft.Section{
			{
				Index: 0, Heading: "农田建设", Status: draft.StatusReady, Attempts: 2,
				Sources: []draft.Source{src, {PassageID: "p-9", Overlap: 0}},
				Dropped: []draft.DroppedFigure{{FigureID: "farmland.target", Reason: "年度目标另行报告。", By: "王审核", At: reviewed}},
				Usage:   draft.Usage{PromptTokens: 1200, CompletionTokens: 340},
				Sentences: []draft.Sentence{
					{
						ID: "s0-0", Text: "上半年新建高标准农田0.86万亩，完成年度目标的57.3%。", Generated: true,
						Figures: []string{"farmland", "rate"}, UnboundNumbers: []string{}, Sources: []draft.Source{src},
						Claims: []draft.Claim{
							{Start: 10, End: 16, Text: "0.86万亩", Kind: "number", Supported: true, Figure: "farmland", Reason: "撰稿人提供的数据"},
							{Start: 24, End: 29, Text: "57.3%", Kind: "number", Supported: true, Figure: "rate", Reason: "撰稿人提供的数据"},
						},
						Risk: draft.RiskLow, Reasons: []string{"只陈述撰稿人提供的数据。"},
						Review:  draft.Review{Decision: draft.DecisionEdited, By: "王审核", At: &reviewed},
						History: []draft.Revision{{Text: "上半年新建高标准农田0.86万亩。", By: "王审核", At: reviewed}},
					},
					{
						ID: "s0-1", Text: "农田建设位居全市前列。", Generated: true,
						Figures: []string{}, UnboundNumbers: []string{"3"}, Sources: []draft.Source{},
						Risk: draft.RiskHigh, Reasons: []string{"声称排名，需核实。", "含有未提供的数字。"},
						Claims: []draft.Claim{{Start: 4, End: 10, Text: "位居全市前列", Kind: "ranking", Reason: "撰稿人未提供排名，请核实。"}},
						Review: draft.Review{Decision: draft.DecisionPending}, History: []draft.Revision{},
					},
					{
						ID: "s0-2", Text: "比上年同期增加0.15万亩。", Generated: true, Added: true,
						Figures: []string{"farmland-diff"}, UnboundNumbers: []string{}, Sources: []draft.Source{},
						Claims: []draft.Claim{}, Risk: draft.RiskLow, Reasons: []string{"由撰稿人数据计算。"},
						History: []draft.Revision{},
					},
				},
			},
			{
				Index: 1, Heading: "乡村产业", Status: draft.StatusFailed, Error: "本部分生成超时", Attempts: 3,
				Sources: []draft.Source{}, Dropped: []draft.DroppedFigure{}, Sentences: []draft.Sentence{},
			},
		},
		Usage:     draft.Usage{PromptTokens: 2400, CompletionTokens: 512},
		CreatedAt: at(time.July, 1, 9, 123),
		CreatedBy: "撰稿人小李",
		UpdatedAt: at(time.July, 1, 9, 987),
		Audit:     []draft.AuditEntry{},
	}
}

// sentences returns n generated sentences for section sec, with IDs in order.
func sentences(sec, n int) []draft.Sentence {
	out := make([]draft.Sentence, n)
	for i := range out {
		out[i] = draft.Sentence{ID: fmt.Sprintf("s%d-%d", sec, i), Text: fmt.Sprintf("第%d部分第%d句。", sec+1, i+1),
			Generated: true, Figures: []string{}, UnboundNumbers: []string{}, Sources: []draft.Source{},
			Claims: []draft.Claim{}, Risk: draft.RiskLow, Reasons: []string{"只陈述撰稿人提供的数据。"},
			History: []draft.Revision{}}
	}
	return out
}

func create(t *testing.T, s draft.Store, d *draft.Draft) {
	t.Helper()
	if err := s.CreateDraft(t.Context(), d); err != nil {
		t.Fatalf("CreateDraft %s: %v", d.ID, err)
	}
}

func load(t *testing.T, s draft.Store, id string) *draft.Draft {
	t.Helper()
	d, err := s.Draft(t.Context(), retrieval.Scope{}, id)
	if err != nil {
		t.Fatalf("Draft %s: %v", id, err)
	}
	return d
}

// sameDraft reports how got differs from want, field by field. Times must be UTC and equal; got's
// times are normalised in place so that the rest compares with reflect.DeepEqual.
func sameDraft(t *testing.T, what string, got, want *draft.Draft) {
	t.Helper()
	for _, tm := range draftTimes(got) {
		if tm.t.Location() != time.UTC {
			t.Errorf("%s: %s is in %v, want UTC", what, tm.name, tm.t.Location())
		}
	}
	for _, d := range []*draft.Draft{got, want} {
		for _, tm := range draftTimes(d) {
			*tm.p = tm.t.UTC().Round(0)
		}
	}
	top := func(d *draft.Draft) draft.Draft {
		c := *d
		c.Input, c.Sections, c.Audit = nil, nil, nil
		return c
	}
	if g, w := top(got), top(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s: draft fields\n got  %+v\n want %+v", what, g, w)
	}
	if !reflect.DeepEqual(got.Input, want.Input) {
		t.Errorf("%s: Input\n got  %s\n want %s", what, jsonOf(got.Input), jsonOf(want.Input))
	}
	if !reflect.DeepEqual(got.Audit, want.Audit) {
		t.Errorf("%s: Audit\n got  %#v\n want %#v", what, got.Audit, want.Audit)
	}
	if len(got.Sections) != len(want.Sections) || (got.Sections == nil) != (want.Sections == nil) {
		t.Fatalf("%s: %d sections (nil %t), want %d (nil %t)", what, len(got.Sections), got.Sections == nil,
			len(want.Sections), want.Sections == nil)
	}
	for i := range want.Sections {
		g, w := got.Sections[i], want.Sections[i]
		gs, ws := g.Sentences, w.Sentences
		g.Sentences, w.Sentences = nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: section %d\n got  %#v\n want %#v", what, i, g, w)
		}
		if len(gs) != len(ws) || (gs == nil) != (ws == nil) {
			t.Errorf("%s: section %d has %d sentences (nil %t), want %d (nil %t)", what, i, len(gs), gs == nil, len(ws), ws == nil)
			continue
		}
		for j := range ws {
			if ws[j].Version == 0 {
				gs[j].Version = 0 // the store's to set: the version tests (review.go) check it
			}
			if !reflect.DeepEqual(gs[j], ws[j]) {
				t.Errorf("%s: section %d sentence %d\n got  %s\n want %s", what, i, j, goAndJSON(gs[j]), goAndJSON(ws[j]))
			}
		}
	}
}

type draftTime struct {
	name string
	t    time.Time
	p    *time.Time
}

// draftTimes returns every time in d, with where it is.
func draftTimes(d *draft.Draft) []draftTime {
	ts := []draftTime{{"CreatedAt", d.CreatedAt, &d.CreatedAt}, {"UpdatedAt", d.UpdatedAt, &d.UpdatedAt}}
	for i := range d.Audit {
		ts = append(ts, draftTime{fmt.Sprintf("Audit[%d].At", i), d.Audit[i].At, &d.Audit[i].At})
	}
	for i := range d.Sections {
		for j := range d.Sections[i].Dropped {
			ts = append(ts, draftTime{fmt.Sprintf("Sections[%d].Dropped[%d].At", i, j), d.Sections[i].Dropped[j].At, &d.Sections[i].Dropped[j].At})
		}
		for j := range d.Sections[i].Sentences {
			x := &d.Sections[i].Sentences[j]
			if x.Review.At != nil {
				ts = append(ts, draftTime{fmt.Sprintf("Sections[%d].Sentences[%d].Review.At", i, j), *x.Review.At, x.Review.At})
			}
			for k := range x.History {
				ts = append(ts, draftTime{fmt.Sprintf("Sections[%d].Sentences[%d].History[%d].At", i, j, k), x.History[k].At, &x.History[k].At})
			}
		}
	}
	return ts
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return string(b)
}

// goAndJSON shows v as JSON, which shows nil lists as null, with its Go form for what JSON hides.
func goAndJSON(v any) string { return fmt.Sprintf("%s\n       %#v", jsonOf(v), v) }

func testDraftRoundTrip(t *testing.T, s draft.Store) {
	create(t, s, fullDraft("d-full"))
	sameDraft(t, "Draft", load(t, s, "d-full"), fullDraft("d-full"))
}

func testDraftOrder(t *testing.T, s draft.Store) {
	d := fullDraft("d-order")
	d.Input = nil
	d.Sections = nil
	for _, i := range []int{2, 0, 1} {
		d.Sections = append(d.Sections, draft.Section{Index: i, Heading: fmt.Sprintf("第%d部分", i+1),
			Status: draft.StatusReady, Sources: []draft.Source{}, Dropped: []draft.DroppedFigure{}, Sentences: sentences(i, 4+5*i)})
	}
	create(t, s, d)
	got := load(t, s, d.ID)
	want := fullDraft(d.ID)
	want.Input = nil
	want.Sections = []draft.Section{d.Sections[1], d.Sections[2], d.Sections[0]}
	sameDraft(t, "Draft", got, want)
}

func testDraftEmptyLists(t *testing.T, s draft.Store) {
	d := &draft.Draft{ID: "d-empty", Title: "空稿", Status: draft.StatusPending, Model: "offline",
		CreatedAt: at(time.May, 2, 8, 0), UpdatedAt: at(time.May, 2, 8, 0),
		Sections: []draft.Section{
			{Index: 0, Heading: "有句子的部分", Status: draft.StatusReady,
				Sentences: []draft.Sentence{{ID: "s0-0", Text: "全年完成既定任务。", Generated: true, Risk: draft.RiskMedium}}},
			{Index: 1, Heading: "没有句子的部分", Status: draft.StatusPending},
		}}
	create(t, s, d)
	got := load(t, s, d.ID)
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	// Only input, which was nil, may be null.
	var probe struct {
		Input    json.RawMessage `json:"input"`
		Sections []struct {
			Sentences []map[string]json.RawMessage `json:"sentences"`
			Sources   json.RawMessage              `json:"sources"`
		} `json:"sections"`
		Audit json.RawMessage `json:"audit"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		t.Fatal(err)
	}
	if string(probe.Audit) != "[]" {
		t.Errorf("audit = %s, want []", probe.Audit)
	}
	if len(probe.Sections) != 2 {
		t.Fatalf("Draft has %d sections, want 2: %s", len(probe.Sections), b)
	}
	if probe.Sections[1].Sentences == nil {
		t.Errorf("the section without sentences has sentences null, want []: %s", b)
	}
	for i, sec := range probe.Sections {
		if string(sec.Sources) != "[]" {
			t.Errorf("section %d sources = %s, want []", i, sec.Sources)
		}
	}
	if len(probe.Sections[0].Sentences) != 1 {
		t.Fatalf("the first section has %d sentences, want 1: %s", len(probe.Sections[0].Sentences), b)
	}
	for _, field := range []string{"figures", "unbound_numbers", "sources", "claims", "reasons", "history"} {
		if v := string(probe.Sections[0].Sentences[0][field]); v != "[]" {
			t.Errorf("sentence %s = %s, want []", field, v)
		}
	}
	if string(probe.Input) != "null" {
		t.Errorf("input = %s, want null as stored", probe.Input)
	}
}

func testDraftNotFound(t *testing.T, s draft.Store) {
	create(t, s, fullDraft("d-present"))
	_, err := s.Draft(t.Context(), retrieval.Scope{}, "d-absent")
	wantCode(t, err, retrieval.ENOTFOUND, "Draft of a missing ID")
}

func testCreateDraftConflict(t *testing.T, s draft.Store) {
	create(t, s, fullDraft("d-taken"))
	other := fullDraft("d-taken")
	other.Title = "另一份总结"
	other.Sections = other.Sections[1:]
	wantCode(t, s.CreateDraft(t.Context(), other), retrieval.ECONFLICT, "CreateDraft with a taken ID")
	sameDraft(t, "Draft after the conflicting CreateDraft", load(t, s, "d-taken"), fullDraft("d-taken"))
}

func testSaveSection(t *testing.T, s draft.Store) {
	d := fullDraft("d-save")
	create(t, s, d)
	saved := draft.Section{
		Index: 0, Heading: "农田建设（修订）", Status: draft.StatusFailed, Error: "模型返回为空", Attempts: 4,
		Sources: []draft.Source{{PassageID: "p-11", DocumentID: "doc-5", Overlap: 0.5}},
		Dropped: []draft.DroppedFigure{},
		Usage:   draft.Usage{PromptTokens: 90, CompletionTokens: 7},
		Sentences: []draft.Sentence{{ID: "s0-9", Text: "重写后只剩一句。", Generated: true,
			Figures: []string{"farmland"}, UnboundNumbers: []string{}, Sources: []draft.Source{}, Claims: []draft.Claim{},
			Risk: draft.RiskMedium, Reasons: []string{"定性表述。"}, History: []draft.Revision{}}},
	}
	if err := s.SaveSection(t.Context(), d.ID, saved); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	got := load(t, s, d.ID)
	if !got.UpdatedAt.After(d.UpdatedAt) {
		t.Errorf("UpdatedAt after SaveSection = %v, want after %v", got.UpdatedAt, d.UpdatedAt)
	}
	want := fullDraft(d.ID)
	want.Sections[0] = saved
	want.UpdatedAt = got.UpdatedAt
	sameDraft(t, "Draft after SaveSection", got, want)

	// Saving it again with no sentences leaves none.
	saved.Sentences = nil
	if err := s.SaveSection(t.Context(), d.ID, saved); err != nil {
		t.Fatalf("second SaveSection: %v", err)
	}
	if got := load(t, s, d.ID); len(got.Sections[0].Sentences) != 0 || got.Sections[0].Sentences == nil {
		t.Errorf("sentences after saving none = %#v, want an empty list", got.Sections[0].Sentences)
	}
}

func testSaveSectionNoDraft(t *testing.T, s draft.Store) {
	create(t, s, fullDraft("d-other"))
	err := s.SaveSection(t.Context(), "d-absent", fullDraft("d-absent").Sections[0])
	wantCode(t, err, retrieval.ENOTFOUND, "SaveSection of a missing draft")
}

func testSaveSectionNoSection(t *testing.T, s draft.Store) {
	create(t, s, fullDraft("d-two"))
	sec := fullDraft("d-two").Sections[0]
	sec.Index = 2
	wantCode(t, s.SaveSection(t.Context(), "d-two", sec), retrieval.ENOTFOUND, "SaveSection of section 2 of a draft with 2")
	sameDraft(t, "Draft after the failed SaveSection", load(t, s, "d-two"), fullDraft("d-two"))
}

func testSetStatus(t *testing.T, s draft.Store) {
	d := fullDraft("d-status")
	create(t, s, d)
	u := draft.Usage{PromptTokens: 5000, CompletionTokens: 1234}
	if err := s.SetStatus(t.Context(), d.ID, draft.StatusApproved, u); err != nil {
		t.Fatalf("SetStatus: %v", err)
	}
	got := load(t, s, d.ID)
	if !got.UpdatedAt.After(d.UpdatedAt) {
		t.Errorf("UpdatedAt after SetStatus = %v, want after %v", got.UpdatedAt, d.UpdatedAt)
	}
	want := fullDraft(d.ID)
	want.Status, want.Usage, want.UpdatedAt = draft.StatusApproved, u, got.UpdatedAt
	sameDraft(t, "Draft after SetStatus", got, want)

	wantCode(t, s.SetStatus(t.Context(), "d-absent", draft.StatusFailed, u), retrieval.ENOTFOUND, "SetStatus of a missing draft")
}

func testDraftsNewestFirst(t *testing.T, s draft.Store) {
	infos, err := s.Drafts(t.Context(), retrieval.Scope{})
	if err != nil || infos == nil || len(infos) != 0 {
		t.Fatalf("Drafts of an empty store = %#v, %v; want an empty list", infos, err)
	}
	var want []draft.DraftInfo
	for i, created := range []time.Time{at(time.January, 2, 9, 1), at(time.March, 4, 9, 3), at(time.February, 3, 9, 2)} {
		d := fullDraft(fmt.Sprintf("d-%d", i))
		d.Title = fmt.Sprintf("第%d份总结", i+1)
		d.Status = []draft.Status{draft.StatusReady, draft.StatusGenerating, draft.StatusFailed}[i]
		d.Model = []string{"offline", "chat-a", "chat-b"}[i]
		d.CreatedAt, d.UpdatedAt = created, created
		create(t, s, d)
		want = append(want, draft.DraftInfo{ID: d.ID, Title: d.Title, Status: d.Status, Model: d.Model, CreatedAt: created})
	}
	want = []draft.DraftInfo{want[1], want[2], want[0]}

	got, err := s.Drafts(t.Context(), retrieval.Scope{})
	if err != nil {
		t.Fatalf("Drafts: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("Drafts = %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.CreatedAt.Location() != time.UTC || !g.CreatedAt.Equal(w.CreatedAt) {
			t.Errorf("Drafts[%d].CreatedAt = %v, want %v in UTC", i, g.CreatedAt, w.CreatedAt)
		}
		g.CreatedAt = w.CreatedAt
		if g != w {
			t.Errorf("Drafts[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func testSaveSectionConcurrent(t *testing.T, s draft.Store) {
	d := fullDraft("d-concurrent")
	create(t, s, d)
	const rounds = 5
	errs := make(chan error, 2*rounds)
	var wg sync.WaitGroup
	for idx := range 2 {
		wg.Go(func() {
			for r := range rounds {
				sec := draft.Section{Index: idx, Heading: fmt.Sprintf("第%d部分第%d稿", idx+1, r+1),
					Status: draft.StatusReady, Sources: []draft.Source{}, Dropped: []draft.DroppedFigure{},
					Sentences: sentences(idx, 3+r)}
				if err := s.SaveSection(t.Context(), d.ID, sec); err != nil {
					errs <- fmt.Errorf("SaveSection %d round %d: %w", idx, r, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := load(t, s, d.ID)
	want := fullDraft(d.ID)
	want.UpdatedAt = got.UpdatedAt
	for idx := range 2 {
		want.Sections[idx] = draft.Section{Index: idx, Heading: fmt.Sprintf("第%d部分第%d稿", idx+1, rounds),
			Status: draft.StatusReady, Sources: []draft.Source{}, Dropped: []draft.DroppedFigure{},
			Sentences: sentences(idx, 3+rounds-1)}
	}
	sameDraft(t, "Draft after concurrent saves", got, want)
}

func testSaveReview(t *testing.T, s draft.Store) {
	d := fullDraft("d-review")
	create(t, s, d)
	first := at(time.July, 4, 11, 1)
	sec := fullDraft(d.ID).Sections[0]
	sec.Sentences[1].Review = draft.Review{Decision: draft.DecisionRejected, By: "李科长", At: &first}
	e1 := draft.AuditEntry{SentenceID: "s0-1", Decision: draft.DecisionRejected, By: "李科长", At: first}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec}, []draft.AuditEntry{e1}, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}

	second := at(time.July, 4, 11, 2)
	x := &sec.Sentences[2]
	x.History = append(x.History, draft.Revision{Text: x.Text, By: "李科长", At: second})
	x.Text = "比上年同期增加0.15万亩，增长21.1%。"
	x.Review = draft.Review{Decision: draft.DecisionEdited, By: "李科长", At: &second}
	sec.Sentences = sec.Sentences[1:] // and the edit drops the first sentence
	e2 := draft.AuditEntry{SentenceID: "s0-2", Decision: draft.DecisionEdited, By: "李科长", At: second,
		Before: "比上年同期增加0.15万亩。", After: x.Text}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec}, []draft.AuditEntry{e2}, draft.StatusApproved); err != nil {
		t.Fatalf("second SaveReview: %v", err)
	}

	got := load(t, s, d.ID)
	if !got.UpdatedAt.After(d.UpdatedAt) {
		t.Errorf("UpdatedAt after SaveReview = %v, want after %v", got.UpdatedAt, d.UpdatedAt)
	}
	want := fullDraft(d.ID)
	want.Status, want.UpdatedAt = draft.StatusApproved, got.UpdatedAt
	want.Sections[0].Sentences = sec.Sentences
	want.Audit = []draft.AuditEntry{e1, e2}
	sameDraft(t, "Draft after SaveReview", got, want)

	err := s.SaveReview(t.Context(), "d-absent", nil, []draft.AuditEntry{e1}, draft.StatusReady)
	wantCode(t, err, retrieval.ENOTFOUND, "SaveReview of a missing draft")
}

func testSaveReviewAtomic(t *testing.T, s draft.Store) {
	create(t, s, fullDraft("d-atomic"))
	ok := fullDraft("d-atomic").Sections[0]
	ok.Sentences = ok.Sentences[:1]
	missing := fullDraft("d-atomic").Sections[1]
	missing.Index = 5
	entry := draft.AuditEntry{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "李科长", At: at(time.July, 5, 9, 0)}
	err := s.SaveReview(t.Context(), "d-atomic", []draft.Section{ok, missing}, []draft.AuditEntry{entry}, draft.StatusApproved)
	wantCode(t, err, retrieval.ENOTFOUND, "SaveReview naming section 5 of a draft with 2")
	sameDraft(t, "Draft after the failed SaveReview", load(t, s, "d-atomic"), fullDraft("d-atomic"))
}

func testClaims(t *testing.T, s draft.Store) {
	d := fullDraft("d-claims")
	create(t, s, d)
	sameDraft(t, "Draft after CreateDraft", load(t, s, d.ID), fullDraft(d.ID))

	// The model's next attempt asserts other things; a sentence saved without claims has none.
	sec := fullDraft(d.ID).Sections[0]
	sec.Sentences[0].Claims = sec.Sentences[0].Claims[:1]
	sec.Sentences[1].Claims = append(sec.Sentences[1].Claims, draft.Claim{Start: 0, End: 4, Text: "农田建设",
		Kind: "name", Reason: "撰稿人未提及。"})
	sec.Sentences[2].Claims = nil
	if err := s.SaveSection(t.Context(), d.ID, sec); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	got := load(t, s, d.ID)
	want := fullDraft(d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections[0] = sec
	want.Sections[0].Sentences = append([]draft.Sentence(nil), sec.Sentences...)
	want.Sections[0].Sentences[2].Claims = []draft.Claim{}
	sameDraft(t, "Draft after SaveSection", got, want)

	// An edit checks the sentence again, so its claims change with its text.
	x := &sec.Sentences[2]
	x.Text = "比上年同期增加0.15万亩，增长21.1%。"
	x.Claims = []draft.Claim{
		{Start: 7, End: 13, Text: "0.15万亩", Kind: "number", Supported: true, Figure: "farmland.change", Reason: "由撰稿人数据计算"},
		{Start: 14, End: 21, Text: "增长21.1%", Kind: "trend", Figure: "farmland", Reason: "增幅与撰稿人数据不符，请核实。"},
	}
	sec.Sentences[0].Claims = nil
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec}, nil, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	got = load(t, s, d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections[0].Sentences = append([]draft.Sentence(nil), sec.Sentences...)
	want.Sections[0].Sentences[0].Claims = []draft.Claim{}
	sameDraft(t, "Draft after SaveReview", got, want)
}

func testDroppedFigures(t *testing.T, s draft.Store) {
	d := fullDraft("d-dropped")
	create(t, s, d)
	when := at(time.July, 6, 14, 100)
	coops := draft.DroppedFigure{FigureID: "coops", Reason: "合作社数据待核实。", By: "李科长", At: when}
	// A reviewer's clock may be in any zone; the store gives it back in UTC.
	rate := draft.DroppedFigure{FigureID: "rate", Reason: "完工率口径调整，暂不报告。", By: "赵主任",
		At: when.Add(time.Hour).In(time.FixedZone("CST", 8*60*60))}
	previous := draft.DroppedFigure{FigureID: "farmland.previous", Reason: "上年数据已在开头说明。", By: "李科长", At: when.Add(2 * time.Hour)}

	sec1 := fullDraft(d.ID).Sections[1]
	sec1.Dropped = []draft.DroppedFigure{coops}
	if err := s.SaveSection(t.Context(), d.ID, sec1); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	got := load(t, s, d.ID)
	want := fullDraft(d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections[1].Dropped = []draft.DroppedFigure{coops}
	sameDraft(t, "Draft after SaveSection", got, want)

	// A review of both sections writes the dropped figures of each.
	sec0 := fullDraft(d.ID).Sections[0]
	sec0.Dropped = append(sec0.Dropped, rate)
	sec1.Dropped = []draft.DroppedFigure{}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec0, sec1}, nil, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	got = load(t, s, d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections[0].Dropped = append([]draft.DroppedFigure(nil), sec0.Dropped...)
	want.Sections[1].Dropped = []draft.DroppedFigure{}
	sameDraft(t, "Draft after SaveReview", got, want)

	// The next review replaces the list: a restored figure leaves it.
	sec0.Dropped = []draft.DroppedFigure{previous}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec0}, nil, draft.StatusReady); err != nil {
		t.Fatalf("second SaveReview: %v", err)
	}
	got = load(t, s, d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections[0].Dropped = []draft.DroppedFigure{previous}
	sameDraft(t, "Draft after the second SaveReview", got, want)

	// Reviews and saves without dropped figures leave none.
	sec0.Dropped = nil
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec0}, nil, draft.StatusReady); err != nil {
		t.Fatalf("third SaveReview: %v", err)
	}
	sec1.Dropped = []draft.DroppedFigure{coops}
	if err := s.SaveSection(t.Context(), d.ID, sec1); err != nil {
		t.Fatalf("second SaveSection: %v", err)
	}
	sec1.Dropped = nil
	if err := s.SaveSection(t.Context(), d.ID, sec1); err != nil {
		t.Fatalf("third SaveSection: %v", err)
	}
	got = load(t, s, d.ID)
	for i, sec := range got.Sections {
		if sec.Dropped == nil || len(sec.Dropped) != 0 {
			t.Errorf("section %d dropped figures after saving none = %#v, want an empty list", i, sec.Dropped)
		}
	}
}

func testAuditFigure(t *testing.T, s draft.Store) {
	d := fullDraft("d-audit-figure")
	create(t, s, d)
	when := at(time.July, 7, 15, 5)

	// Section 0's target is restored in a sentence draftd writes; section 1's figure is dropped.
	sec0 := fullDraft(d.ID).Sections[0]
	sec0.Dropped = []draft.DroppedFigure{}
	sec0.Sentences = append(sec0.Sentences, draft.Sentence{ID: "s0-3", Text: "年度目标为1.5万亩。", Generated: true, Added: true,
		Figures: []string{"farmland.target"}, UnboundNumbers: []string{}, Sources: []draft.Source{}, Risk: draft.RiskLow,
		Claims: []draft.Claim{{Start: 5, End: 10, Text: "1.5万亩", Kind: "number", Supported: true,
			Figure: "farmland.target", Reason: "撰稿人提供的数据"}},
		Reasons: []string{}, Review: draft.Review{Decision: draft.DecisionPending}, History: []draft.Revision{}})
	sec1 := fullDraft(d.ID).Sections[1]
	sec1.Dropped = []draft.DroppedFigure{{FigureID: "coops", Reason: "合作社数据待核实。", By: "李科长", At: when}}
	entries := []draft.AuditEntry{
		{SentenceID: "s0-3", FigureID: "farmland.target", Decision: draft.DecisionRestored, By: "李科长", At: when,
			After: "年度目标为1.5万亩。"},
		{FigureID: "coops", Decision: draft.DecisionDropped, By: "李科长", At: when.Add(time.Millisecond), After: "合作社数据待核实。"},
		{SentenceID: "s0-1", Decision: draft.DecisionRejected, By: "李科长", At: when.Add(2 * time.Millisecond)},
	}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec0, sec1}, entries, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	got := load(t, s, d.ID)
	want := fullDraft(d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections = []draft.Section{sec0, sec1}
	want.Audit = entries
	sameDraft(t, "Draft after SaveReview", got, want)
}

func testNoClaimsOrDropped(t *testing.T, s draft.Store) {
	d := &draft.Draft{ID: "d-plain", Title: "无核查记录的稿", Status: draft.StatusReady, Model: "offline",
		CreatedAt: at(time.May, 3, 8, 0), UpdatedAt: at(time.May, 3, 8, 0),
		Sections: []draft.Section{
			{Index: 0, Heading: "综合", Status: draft.StatusReady,
				Sentences: []draft.Sentence{{ID: "s0-0", Text: "全年完成既定任务。", Generated: true, Risk: draft.RiskMedium}}},
			{Index: 1, Heading: "其他", Status: draft.StatusReady,
				Sentences: []draft.Sentence{{ID: "s1-0", Text: "各项工作有序推进。", Generated: true, Risk: draft.RiskMedium}}},
		}}
	create(t, s, d)
	sec := d.Sections[1]
	sec.Sentences = append(sec.Sentences, draft.Sentence{ID: "s1-1", Text: "群众满意度持续提升。", Generated: true})
	if err := s.SaveSection(t.Context(), d.ID, sec); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	sec = d.Sections[0]
	sec.Sentences[0].Review = draft.Review{Decision: draft.DecisionApproved, By: "李科长"}
	e := draft.AuditEntry{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "李科长", At: at(time.May, 3, 9, 0)}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec}, []draft.AuditEntry{e}, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}

	got := load(t, s, d.ID)
	for i, sec := range got.Sections {
		if sec.Dropped == nil || len(sec.Dropped) != 0 {
			t.Errorf("section %d dropped figures = %#v, want an empty list", i, sec.Dropped)
		}
		for _, x := range sec.Sentences {
			if x.Claims == nil || len(x.Claims) != 0 {
				t.Errorf("sentence %s claims = %#v, want an empty list", x.ID, x.Claims)
			}
		}
	}
	if len(got.Audit) != 1 || got.Audit[0].FigureID != "" {
		t.Fatalf("audit = %#v, want one entry naming no figure", got.Audit)
	}
	if b := jsonOf(got.Audit[0]); strings.Contains(b, "figure_id") {
		t.Errorf("audit entry = %s, want no figure_id", b)
	}
}

func testCreatorAndReasons(t *testing.T, s draft.Store) {
	d := fullDraft("d-creator")
	create(t, s, d)
	plain := fullDraft("d-single-user")
	plain.CreatedBy = ""
	create(t, s, plain)

	// A high-risk sentence approved with the reviewer's reason, a rejection with one, an approval without.
	when := at(time.July, 8, 16, 40)
	sec := fullDraft(d.ID).Sections[0]
	sec.Sentences[1].Review = draft.Review{Decision: draft.DecisionApproved, By: "审核人王科长", At: &when}
	sec.Sentences[2].Review = draft.Review{Decision: draft.DecisionRejected, By: "审核人王科长", At: &when}
	entries := []draft.AuditEntry{
		{SentenceID: "s0-1", Decision: draft.DecisionApproved, By: "审核人王科长", At: when, Reason: "排名见市农业农村局2025年6月通报。"},
		{SentenceID: "s0-2", Decision: draft.DecisionRejected, By: "审核人王科长", At: when.Add(time.Millisecond), Reason: "与第一句重复"},
		{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "审核人王科长", At: when.Add(2 * time.Millisecond)},
	}
	if err := s.SaveReview(t.Context(), d.ID, []draft.Section{sec}, entries, draft.StatusReady); err != nil {
		t.Fatalf("SaveReview: %v", err)
	}
	got := load(t, s, d.ID)
	want := fullDraft(d.ID)
	want.UpdatedAt = got.UpdatedAt
	want.Sections[0] = sec
	want.Audit = entries
	sameDraft(t, "Draft after SaveReview", got, want)

	if got := load(t, s, plain.ID); got.CreatedBy != "" {
		t.Errorf("CreatedBy of a draft stored without one = %q, want empty", got.CreatedBy)
	}
	if b := jsonOf(got.Audit[2]); strings.Contains(b, "reason") {
		t.Errorf("audit entry without a reason = %s, want no reason", b)
	}
}

func testDeleteDraft(t *testing.T, s draft.Store) {
	gone, kept := fullDraft("d-gone"), fullDraft("d-kept")
	kept.CreatedAt, kept.UpdatedAt = kept.CreatedAt.Add(time.Hour), kept.UpdatedAt.Add(time.Hour)
	create(t, s, gone)
	create(t, s, kept)
	entry := draft.AuditEntry{SentenceID: "s0-0", Decision: draft.DecisionApproved, By: "李科长", At: at(time.July, 6, 9, 0), Reason: "已核实"}
	for _, id := range []string{gone.ID, kept.ID} {
		if err := s.SaveReview(t.Context(), id, nil, []draft.AuditEntry{entry}, draft.StatusReady); err != nil {
			t.Fatalf("SaveReview %s: %v", id, err)
		}
	}

	if err := s.DeleteDraft(t.Context(), retrieval.Scope{}, gone.ID); err != nil {
		t.Fatalf("DeleteDraft: %v", err)
	}
	_, err := s.Draft(t.Context(), retrieval.Scope{}, gone.ID)
	wantCode(t, err, retrieval.ENOTFOUND, "Draft after DeleteDraft")
	infos, err := s.Drafts(t.Context(), retrieval.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].ID != kept.ID {
		t.Errorf("Drafts after DeleteDraft = %+v, want only %s", infos, kept.ID)
	}
	if got := load(t, s, kept.ID); len(got.Audit) != 1 || len(got.Sections) != len(kept.Sections) {
		t.Errorf("the other draft lost its audit or sections: %d entries, %d sections", len(got.Audit), len(got.Sections))
	}
	wantCode(t, s.DeleteDraft(t.Context(), retrieval.Scope{}, gone.ID), retrieval.ENOTFOUND, "DeleteDraft of a deleted draft")
	wantCode(t, s.SaveSection(t.Context(), gone.ID, gone.Sections[0]), retrieval.ENOTFOUND, "SaveSection of a deleted draft")

	// The ID can be used again, and nothing of the deleted draft comes back with it: no section,
	// sentence or audit entry was left behind.
	create(t, s, fullDraft(gone.ID))
	sameDraft(t, "a new draft under a deleted draft's ID", load(t, s, gone.ID), fullDraft(gone.ID))
}
