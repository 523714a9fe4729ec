package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// RunReview runs the conformance suite of draft.Store.Review and sentence versions against pairs of
// handles on one database made by open — two processes' worth of store, as two draftd replicas on
// one PostgreSQL have (an embedded store may give the same handle twice: its data directory has
// one process). Each call of open returns a new, empty database.
//
// Beyond the comments on draft.Store, the suite holds stores to these: a stored sentence has a
// version ≥ 1; Review and SaveSection store the sentences they write at a version no sentence of
// the draft had before, and Review leaves every other sentence alone; and decisions made at once from both handles — on two sentences of one section, an approval
// and an edit, a review and a regeneration — lose nothing (RaceRounds rounds each).
func RunReview(t *testing.T, open func(t *testing.T) (a, b draft.Store)) {
	tests := []struct {
		name string
		run  func(t *testing.T, a, b draft.Store)
	}{
		{"Review writes only the sentences it names, at a new version", testReviewWritesSentences},
		{"Review of a sentence at an old version is a conflict and changes nothing", testReviewStale},
		{"Review appends a sentence of a new ID past every version of its section", testReviewAppends},
		{"Review naming a section the draft lacks is not found and changes nothing", testReviewNoSection},
		{"Review returns decide's error as it is and writes nothing", testReviewDecideError},
		{"Review of a missing draft or another workspace's is not found", testReviewNotFound},
		{"SaveSection stores sentences at a version none had, even after the section was emptied", testSaveSectionVersions},
		{"Two approvals of two sentences of one section from two handles are both kept", testRaceTwoApprovals},
		{"An approval and an edit in one section from two handles are both kept", testRaceApproveEdit},
		{"An approval and an edit of one sentence from two handles: one wins, the other is stale", testRaceSameSentence},
		{"A review and a regeneration from two handles are ordered, never interleaved", testRaceRegenerate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := open(t)
			tt.run(t, a, b)
		})
	}
}

// RaceRounds is how many times each race of RunReview is run.
const RaceRounds = 100

// reviewDraft returns a ready draft named id with one section of three pending generated sentences,
// the first stating the section's one figure, and input to check edits against.
func reviewDraft(id string) *draft.Draft {
	created := at(time.July, 1, 9, 0)
	xs := sentences(0, 3)
	xs[0].Text, xs[0].Figures = "全镇硬化村道12.5公里。", []string{"roads"}
	return &draft.Draft{
		ID: id, Workspace: retrieval.DefaultWorkspace, Title: "柳湾镇2025年上半年工作总结", Organization: "柳湾镇",
		Period: "2025年上半年", Status: draft.StatusReady, Model: "test-model", PromptVersion: "v3",
		Input: &draft.Figures{Title: "柳湾镇2025年上半年工作总结", Sections: []draft.SectionInput{
			{Heading: "民生实事", Figures: []draft.Figure{{ID: "roads", Label: "硬化村道", Value: "12.5", Unit: "公里"}}},
		}},
		Sections: []draft.Section{{Index: 0, Heading: "民生实事", Status: draft.StatusReady, Sources: []draft.Source{},
			Dropped: []draft.DroppedFigure{}, Sentences: xs}},
		CreatedAt: created, UpdatedAt: created, Audit: []draft.AuditEntry{},
	}
}

// approveWrite is the ReviewWrite of approving sentence x of section 0 by by.
func approveWrite(x draft.Sentence, by string) draft.ReviewWrite {
	when := at(time.July, 2, 10, 0)
	x.Review = draft.Review{Decision: draft.DecisionApproved, By: by, At: &when}
	return draft.ReviewWrite{Sentences: []draft.SentenceWrite{{Section: 0, Sentence: x}},
		Entries: []draft.AuditEntry{{SentenceID: x.ID, Decision: draft.DecisionApproved, By: by, At: when}},
		Status:  draft.StatusReady}
}

func review(t *testing.T, s draft.Store, id string, decide func(d *draft.Draft) (draft.ReviewWrite, error)) error {
	t.Helper()
	return s.Review(t.Context(), retrieval.Scope{}, id, decide)
}

func testReviewWritesSentences(t *testing.T, a, _ draft.Store) {
	create(t, a, reviewDraft("d-rv"))
	before := load(t, a, "d-rv")
	for _, x := range before.Sections[0].Sentences {
		if x.Version < 1 {
			t.Fatalf("stored sentence %s has version %d, want ≥ 1", x.ID, x.Version)
		}
	}
	err := review(t, a, "d-rv", func(d *draft.Draft) (draft.ReviewWrite, error) {
		return approveWrite(d.Sections[0].Sentences[1], "周审核"), nil
	})
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	got := load(t, a, "d-rv")
	for i, x := range got.Sections[0].Sentences {
		want := before.Sections[0].Sentences[i]
		if i == 1 {
			if x.Review.Decision != draft.DecisionApproved || x.Review.By != "周审核" {
				t.Errorf("the approved sentence is %+v, want approved by 周审核", x)
			}
			for _, y := range before.Sections[0].Sentences {
				if x.Version <= y.Version {
					t.Errorf("the approved sentence is at version %d, want past %s's %d", x.Version, y.ID, y.Version)
				}
			}
			continue
		}
		if x.Version != want.Version || x.Review.Decision != want.Review.Decision || x.Text != want.Text {
			t.Errorf("sentence %s not named changed: %+v, was %+v", x.ID, x, want)
		}
	}
	if len(got.Audit) != 1 || got.Audit[0].SentenceID != "s0-1" {
		t.Errorf("audit = %+v, want one entry for s0-1", got.Audit)
	}
	if !got.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("UpdatedAt %v, want after %v", got.UpdatedAt, before.UpdatedAt)
	}
}

func testReviewStale(t *testing.T, a, b draft.Store) {
	create(t, a, reviewDraft("d-stale"))
	old := load(t, a, "d-stale").Sections[0].Sentences[0]
	if err := review(t, b, "d-stale", func(d *draft.Draft) (draft.ReviewWrite, error) {
		return approveWrite(d.Sections[0].Sentences[0], "周审核"), nil
	}); err != nil {
		t.Fatalf("first Review: %v", err)
	}
	before := load(t, a, "d-stale")
	err := review(t, a, "d-stale", func(*draft.Draft) (draft.ReviewWrite, error) {
		x := old
		x.Text = "按旧版本修改的句子。"
		return draft.ReviewWrite{Sentences: []draft.SentenceWrite{{Section: 0, Sentence: x}},
			Entries: []draft.AuditEntry{{SentenceID: x.ID, Decision: draft.DecisionEdited, By: "吴审核", At: at(time.July, 3, 9, 0)}},
			Status:  draft.StatusApproved}, nil
	})
	wantCode(t, err, draft.ESTALE, "Review of a sentence at its old version")
	sameDraft(t, "Draft after the stale Review", load(t, a, "d-stale"), before)
}

func testReviewAppends(t *testing.T, a, _ draft.Store) {
	create(t, a, reviewDraft("d-add"))
	err := review(t, a, "d-add", func(d *draft.Draft) (draft.ReviewWrite, error) {
		x := sentences(0, 4)[3]
		x.Text, x.Added = "硬化村道12.5公里。", true
		return draft.ReviewWrite{Sentences: []draft.SentenceWrite{{Section: 0, Sentence: x}}, Status: draft.StatusReady}, nil
	})
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	xs := load(t, a, "d-add").Sections[0].Sentences
	if len(xs) != 4 || xs[3].ID != "s0-3" || xs[3].Text != "硬化村道12.5公里。" || !xs[3].Added {
		t.Fatalf("sentences after an append = %+v, want s0-3 last", xs)
	}
	for _, x := range xs[:3] {
		if xs[3].Version <= x.Version {
			t.Errorf("appended sentence at version %d, want past %s's %d", xs[3].Version, x.ID, x.Version)
		}
	}
}

func testReviewNoSection(t *testing.T, a, _ draft.Store) {
	create(t, a, reviewDraft("d-nosec"))
	before := load(t, a, "d-nosec")
	err := review(t, a, "d-nosec", func(d *draft.Draft) (draft.ReviewWrite, error) {
		w := approveWrite(d.Sections[0].Sentences[0], "周审核")
		w.Dropped = map[int][]draft.DroppedFigure{4: {}}
		return w, nil
	})
	wantCode(t, err, retrieval.ENOTFOUND, "Review naming section 4 of a draft with 1")
	sameDraft(t, "Draft after the failed Review", load(t, a, "d-nosec"), before)
}

func testReviewDecideError(t *testing.T, a, _ draft.Store) {
	create(t, a, reviewDraft("d-refused"))
	before := load(t, a, "d-refused")
	refusal := retrieval.Errorf(draft.EOWNDRAFT, "不能审核本人的稿件")
	err := review(t, a, "d-refused", func(*draft.Draft) (draft.ReviewWrite, error) { return draft.ReviewWrite{}, refusal })
	if !errors.Is(err, refusal) {
		t.Fatalf("Review = %v, want decide's error %v", err, refusal)
	}
	sameDraft(t, "Draft after a refused Review", load(t, a, "d-refused"), before)
}

func testReviewNotFound(t *testing.T, a, _ draft.Store) {
	create(t, a, reviewDraft("d-here"))
	called := false
	decide := func(*draft.Draft) (draft.ReviewWrite, error) { called = true; return draft.ReviewWrite{}, nil }
	wantCode(t, a.Review(t.Context(), retrieval.Scope{}, "d-absent", decide), retrieval.ENOTFOUND, "Review of a missing draft")
	wantCode(t, a.Review(t.Context(), retrieval.InWorkspace("elsewhere"), "d-here", decide), retrieval.ENOTFOUND,
		"Review of another workspace's draft")
	if called {
		t.Error("decide was called for a draft that is not found")
	}
}

func testSaveSectionVersions(t *testing.T, a, _ draft.Store) {
	create(t, a, reviewDraft("d-regen"))
	for range 2 {
		if err := review(t, a, "d-regen", func(d *draft.Draft) (draft.ReviewWrite, error) {
			return approveWrite(d.Sections[0].Sentences[0], "周审核"), nil
		}); err != nil {
			t.Fatalf("Review: %v", err)
		}
	}
	seen := load(t, a, "d-regen").Sections[0].Sentences
	sec := reviewDraft("d-regen").Sections[0]
	emptied := sec
	emptied.Status, emptied.Sentences = draft.StatusGenerating, nil // marked for drafting again
	if err := a.SaveSection(t.Context(), "d-regen", emptied); err != nil {
		t.Fatalf("SaveSection of the emptied section: %v", err)
	}
	sec.Sentences = sentences(0, 2) // the same IDs, drafted again
	if err := a.SaveSection(t.Context(), "d-regen", sec); err != nil {
		t.Fatalf("SaveSection: %v", err)
	}
	for _, x := range load(t, a, "d-regen").Sections[0].Sentences {
		for _, y := range seen {
			if x.Version <= y.Version {
				t.Errorf("sentence %s drafted again at version %d, not past %s's %d: a decision on the old text would pass", x.ID, x.Version, y.ID, y.Version)
			}
		}
	}
}

// race runs one round: first and second at once, from a start signal.
func race(first, second func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() { <-start; first() })
	wg.Go(func() { <-start; second() })
	close(start)
	wg.Wait()
}

// reviewers returns a Reviewer on each handle, as two replicas have.
func reviewers(a, b draft.Store) (*draft.Reviewer, *draft.Reviewer) {
	return &draft.Reviewer{Store: a}, &draft.Reviewer{Store: b}
}

// testRaceTwoApprovals approves the last two pending sentences of a draft at once: both must be
// kept, and the draft then approved, which neither decision alone could see.
func testRaceTwoApprovals(t *testing.T, a, b draft.Store) {
	ra, rb := reviewers(a, b)
	lost := 0
	for round := range RaceRounds {
		id := fmt.Sprintf("d-two-%d", round)
		d := reviewDraft(id)
		when := at(time.July, 1, 10, 0)
		d.Sections[0].Sentences[2].Review = draft.Review{Decision: draft.DecisionApproved, By: "郑审核", At: &when}
		create(t, a, d)
		var errA, errB error
		race(func() {
			_, errA = ra.Decide(t.Context(), retrieval.Scope{}, id, "s0-0", draft.Verdict{Decision: "approve", By: "周审核"})
		}, func() {
			_, errB = rb.Decide(t.Context(), retrieval.Scope{}, id, "s0-1", draft.Verdict{Decision: "approve", By: "吴审核"})
		})
		if errA != nil || errB != nil {
			t.Fatalf("round %d: approvals failed: %v, %v", round, errA, errB)
		}
		got := load(t, a, id)
		xs := got.Sections[0].Sentences
		if xs[0].Review.By != "周审核" || xs[1].Review.By != "吴审核" || got.Status != draft.StatusApproved || len(got.Audit) != 2 {
			lost++
		}
	}
	t.Logf("two approvals in one section from two handles: %d lost of %d", lost, RaceRounds)
	if lost > 0 {
		t.Errorf("%d of %d rounds lost an approval", lost, RaceRounds)
	}
}

func testRaceApproveEdit(t *testing.T, a, b draft.Store) {
	ra, rb := reviewers(a, b)
	lost := 0
	for round := range RaceRounds {
		id := fmt.Sprintf("d-edit-%d", round)
		create(t, a, reviewDraft(id))
		text := fmt.Sprintf("全镇硬化村道12.5公里，第%d稿。", round+1)
		var errA, errB error
		race(func() {
			_, errA = ra.Decide(t.Context(), retrieval.Scope{}, id, "s0-0", draft.Verdict{Decision: "approve", By: "周审核"})
		}, func() {
			_, errB = rb.Decide(t.Context(), retrieval.Scope{}, id, "s0-2", draft.Verdict{Decision: "edit", Text: text, By: "吴审核"})
		})
		if errA != nil || errB != nil {
			t.Fatalf("round %d: decisions failed: %v, %v", round, errA, errB)
		}
		d := load(t, a, id)
		xs := d.Sections[0].Sentences
		if xs[0].Review.Decision != draft.DecisionApproved || xs[2].Text != text || xs[2].Review.Decision != draft.DecisionEdited || len(d.Audit) != 2 {
			lost++
		}
	}
	t.Logf("an approval and an edit in one section from two handles: %d lost of %d", lost, RaceRounds)
	if lost > 0 {
		t.Errorf("%d of %d rounds lost a decision", lost, RaceRounds)
	}
}

func testRaceSameSentence(t *testing.T, a, b draft.Store) {
	ra, rb := reviewers(a, b)
	lost := 0
	for round := range RaceRounds {
		id := fmt.Sprintf("d-same-%d", round)
		create(t, a, reviewDraft(id))
		v := load(t, a, id).Sections[0].Sentences[0].Version // both reviewers saw this version
		text := "全镇共硬化村道12.5公里。"
		var errA, errB error
		race(func() {
			_, errA = ra.Decide(t.Context(), retrieval.Scope{}, id, "s0-0", draft.Verdict{Decision: "approve", By: "周审核", Version: v})
		}, func() {
			_, errB = rb.Decide(t.Context(), retrieval.Scope{}, id, "s0-0", draft.Verdict{Decision: "edit", Text: text, By: "吴审核", Version: v})
		})
		d := load(t, a, id)
		x := d.Sections[0].Sentences[0]
		switch {
		case errA == nil && retrieval.ErrorCode(errB) == draft.ESTALE:
			if x.Review.Decision != draft.DecisionApproved || x.Text == text || len(d.Audit) != 1 {
				lost++
			}
		case errB == nil && retrieval.ErrorCode(errA) == draft.ESTALE:
			if x.Review.Decision != draft.DecisionEdited || x.Text != text || len(d.Audit) != 1 {
				lost++
			}
		default:
			t.Errorf("round %d: approve = %v, edit = %v; want one to pass and the other %s", round, errA, errB, draft.ESTALE)
			lost++
		}
	}
	t.Logf("an approval and an edit of one sentence from two handles: %d lost of %d", lost, RaceRounds)
	if lost > 0 {
		t.Errorf("%d of %d rounds went wrong", lost, RaceRounds)
	}
}

// testRaceRegenerate regenerates the section as the drafting pipeline does (the draft and section
// marked generating, the section drafted and saved, the draft marked ready) from one handle while a
// reviewer on the other approves a sentence it saw before. The review must come wholly before the
// regeneration (its decision then replaced by the new text, its audit entry kept) or be refused
// (EGENERATING while generating, ESTALE after); it must never set the generating draft to ready.
func testRaceRegenerate(t *testing.T, a, b draft.Store) {
	_, rb := reviewers(a, b)
	ctx := t.Context()
	lost := 0
	for round := range RaceRounds {
		id := fmt.Sprintf("d-rg-%d", round)
		create(t, a, reviewDraft(id))
		v := load(t, b, id).Sections[0].Sentences[0].Version
		regen := reviewDraft(id).Sections[0]
		regen.Sentences = sentences(0, 2)
		regen.Sentences[0].Text = "重新生成的第一句。"
		pause := time.Duration(rand.IntN(1500)) * time.Microsecond
		var errReview, errRegen error
		var reopened bool // the draft was not generating between the marks
		race(func() {
			marked := regen
			marked.Status, marked.Sentences = draft.StatusGenerating, nil
			if errRegen = a.SetStatus(ctx, id, draft.StatusGenerating, draft.Usage{}); errRegen != nil {
				return
			}
			if errRegen = a.SaveSection(ctx, id, marked); errRegen != nil {
				return
			}
			time.Sleep(pause) // the model at work
			d, err := a.Draft(ctx, retrieval.Scope{}, id)
			if err != nil {
				errRegen = err
				return
			}
			reopened = d.Status != draft.StatusGenerating
			if errRegen = a.SaveSection(ctx, id, regen); errRegen != nil {
				return
			}
			errRegen = a.SetStatus(ctx, id, draft.StatusReady, draft.Usage{})
		}, func() {
			time.Sleep(pause / 2)
			_, errReview = rb.Decide(ctx, retrieval.Scope{}, id, "s0-0", draft.Verdict{Decision: "approve", By: "吴审核", Version: v})
		})
		if errRegen != nil {
			t.Fatalf("round %d: regeneration failed: %v", round, errRegen)
		}
		d := load(t, a, id)
		x := d.Sections[0].Sentences[0]
		ok := !reopened && d.Status == draft.StatusReady && x.Text == "重新生成的第一句。" && x.Review.Decision == "" &&
			len(d.Sections[0].Sentences) == 2
		switch code := retrieval.ErrorCode(errReview); {
		case errReview == nil:
			ok = ok && len(d.Audit) == 1
		case code == draft.EGENERATING || code == draft.ESTALE:
			ok = ok && len(d.Audit) == 0
		default:
			t.Errorf("round %d: review = %v, want success, %s or %s", round, errReview, draft.EGENERATING, draft.ESTALE)
			ok = false
		}
		if !ok {
			lost++
			t.Logf("round %d: review %v, reopened %t, draft %s, sentence %+v, audit %d", round, errReview, reopened, d.Status, x, len(d.Audit))
		}
	}
	t.Logf("a review and a regeneration from two handles: %d interleaved of %d", lost, RaceRounds)
	if lost > 0 {
		t.Errorf("%d of %d rounds interleaved a review with a regeneration", lost, RaceRounds)
	}
}
