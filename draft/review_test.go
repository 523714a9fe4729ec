package draft

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// readyDraft drafts pipelineFigures with one scripted answer and returns the stored draft.
func readyDraft(t *testing.T, answer string) (*memStore, *Draft) {
	t.Helper()
	store := newMemStore()
	d := &Drafter{Writer: &scriptWriter{texts: []string{answer}}, Store: store}
	dr, err := d.Create(context.Background(), pipelineFigures())
	if err != nil {
		t.Fatal(err)
	}
	d.Run(context.Background(), dr, nil)
	got, _ := store.Draft(context.Background(), dr.ID)
	return store, got
}

func TestReviewer(t *testing.T) {
	ctx := context.Background()
	answer := "巩固拓展健康扶贫成果。享受政策【f1】。报销比例达到【f2】。群众满意度明显提升。"
	t.Run("each decision is stored with who and when, and the draft is approved when none is pending", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		ss := d.Sections[0].Sentences
		if p := d.Progress(); p.Total != 3 || p.Reviewed != 0 {
			t.Fatalf("progress = %+v", p)
		}
		got, err := r.Decide(ctx, d.ID, ss[1].ID, Verdict{Decision: "approve", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if x := got.Sections[0].Sentences[1]; x.Review.Decision != DecisionApproved || x.Review.By != "张审核" || x.Review.At == nil {
			t.Fatalf("review = %+v", x.Review)
		}
		if got.Status != StatusReady {
			t.Fatalf("status = %s with sentences pending", got.Status)
		}
		r.Decide(ctx, d.ID, ss[3].ID, Verdict{Decision: "reject", By: "张审核"}) // it states no figure
		got, _ = r.Decide(ctx, d.ID, ss[2].ID, Verdict{Decision: "approve", By: "李审核"})
		if got.Status != StatusApproved || got.Progress().Reviewed != 3 {
			t.Fatalf("status %s progress %+v", got.Status, got.Progress())
		}
		if len(got.Audit) != 3 || got.Audit[2].By != "李审核" || got.Audit[1].Decision != DecisionRejected {
			t.Fatalf("audit = %+v", got.Audit)
		}
	})
	t.Run("an edit is re-checked by the number guard and keeps its history", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[3].ID
		got, err := r.Decide(ctx, d.ID, sid, Verdict{Decision: "edit", Text: "群众满意度达到99%。", By: "王撰稿"})
		if err != nil {
			t.Fatal(err)
		}
		x := got.Sections[0].Sentences[3]
		if x.Risk != RiskHigh || len(x.UnboundNumbers) != 1 || x.UnboundNumbers[0] != "99%" {
			t.Fatalf("edited sentence = %+v", x)
		}
		if len(x.History) != 1 || x.History[0].Text != "群众满意度明显提升。" || x.Review.Decision != DecisionEdited {
			t.Fatalf("history %+v review %+v", x.History, x.Review)
		}
		if a := got.Audit[0]; a.Before != "群众满意度明显提升。" || a.After != "群众满意度达到99%。" {
			t.Fatalf("audit = %+v", a)
		}
		got, _ = r.Decide(ctx, d.ID, sid, Verdict{Decision: "edit", Text: "享受政策36239人，群众满意。", By: "王撰稿"})
		if x := got.Sections[0].Sentences[3]; x.Risk != RiskLow || len(x.Figures) != 1 || len(x.History) != 2 {
			t.Fatalf("second edit = %+v", x)
		}
	})
	t.Run("a writer's revision is re-checked and waits for a reviewer", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[1].ID
		got, err := r.Decide(ctx, d.ID, sid, Verdict{Decision: "revise", Text: "享受政策共计36239人。", By: "王撰稿"})
		if err != nil {
			t.Fatal(err)
		}
		x := got.Sections[0].Sentences[1]
		if x.Review.Reviewed() || x.Text != "享受政策共计36239人。" || len(x.History) != 1 || got.Audit[0].Decision != DecisionRevised {
			t.Fatalf("sentence %+v audit %+v", x, got.Audit)
		}
	})
	t.Run("approve all low-risk approves only low-risk pending sentences", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		got, err := r.ApproveLowRisk(ctx, d.ID, "张审核")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range got.Sections[0].Sentences {
			if !x.Generated {
				continue
			}
			want := x.Risk == RiskLow
			if x.Review.Reviewed() != want {
				t.Fatalf("sentence %q risk %s reviewed=%v", x.Text, x.Risk, x.Review.Reviewed())
			}
		}
		if got.Status != StatusReady || len(got.Audit) != 2 {
			t.Fatalf("status %s audit %d", got.Status, len(got.Audit))
		}
	})
	t.Run("bad requests are refused with clear errors", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[1].ID
		cases := []struct {
			name, id, sid, dec, text, by, code string
		}{
			{"an unknown decision", d.ID, sid, "maybe", "", "a", retrieval.EINVALID},
			{"an edit without text", d.ID, sid, "edit", " ", "a", retrieval.EINVALID},
			{"no reviewer name", d.ID, sid, "approve", "", " ", retrieval.EINVALID},
			{"an unknown sentence", d.ID, "s9-9", "approve", "", "a", retrieval.ENOTFOUND},
			{"an unknown draft", "nope", sid, "approve", "", "a", retrieval.ENOTFOUND},
		}
		for _, c := range cases {
			if _, err := r.Decide(ctx, c.id, c.sid, Verdict{Decision: c.dec, Text: c.text, By: c.by}); retrieval.ErrorCode(err) != c.code {
				t.Errorf("%s: err = %v, want code %s", c.name, err, c.code)
			}
		}
	})
	t.Run("concurrent decisions on a draft are each applied, and its lock is then forgotten", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sid := d.Sections[0].Sentences[1+i%3].ID
				if _, err := r.Decide(ctx, d.ID, sid, Verdict{Decision: "reject", By: "张审核"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got, _ := store.Draft(ctx, d.ID); len(got.Audit) != 20 {
			t.Fatalf("%d audit entries, want 20", len(got.Audit))
		}
		if len(r.locks) != 0 {
			t.Fatalf("%d draft locks left after every decision", len(r.locks))
		}
	})
	t.Run("a draft still generating cannot be reviewed", func(t *testing.T) {
		store := newMemStore()
		d := &Drafter{Writer: &scriptWriter{texts: []string{answer}}, Store: store}
		dr, _ := d.Create(ctx, pipelineFigures())
		r := &Reviewer{Store: store}
		if _, err := r.ApproveLowRisk(ctx, dr.ID, "a"); retrieval.ErrorCode(err) != retrieval.ECONFLICT || !strings.Contains(err.Error(), "still being generated") {
			t.Fatalf("err = %v", err)
		}
	})
}

// errOf returns the error of a review call.
func errOf(_ *Draft, err error) error { return err }

func TestApprovalRules(t *testing.T) {
	ctx := context.Background()
	answer := "享受政策【f1】。报销比例达到【f2】。服务满意度位居全市第一。"
	// sentence returns the ID of the first generated sentence of d with risk.
	sentence := func(t *testing.T, d *Draft, risk Risk) string {
		t.Helper()
		for _, x := range d.Sections[0].Sentences {
			if x.Generated && x.Risk == risk {
				return x.ID
			}
		}
		t.Fatalf("no %s-risk sentence in %+v", risk, d.Sections[0].Sentences)
		return ""
	}
	t.Run("a high-risk sentence is approved only with a reason, which the audit trail keeps", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		high := sentence(t, d, RiskHigh)
		for _, reason := range []string{"", " \n "} {
			_, err := r.Decide(ctx, d.ID, high, Verdict{Decision: "approve", Reason: reason, By: "张审核"})
			if retrieval.ErrorCode(err) != EREASONREQUIRED || !strings.Contains(retrieval.ErrorMessage(err), "理由") {
				t.Fatalf("approving with reason %q: %v, want %s with a message in Chinese", reason, err, EREASONREQUIRED)
			}
		}
		if got, _ := store.Draft(ctx, d.ID); len(got.Audit) != 0 {
			t.Fatalf("a refused approval reached the audit trail: %+v", got.Audit)
		}
		got, err := r.Decide(ctx, d.ID, high, Verdict{Decision: "approve", Reason: " 已与市统计局通报核对 ", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if a := got.Audit[0]; a.SentenceID != high || a.Decision != DecisionApproved || a.Reason != "已与市统计局通报核对" {
			t.Fatalf("audit = %+v, want the approval with its reason trimmed", a)
		}
	})
	t.Run("a low-risk sentence needs no reason, and a reason given with any decision is kept", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		low := sentence(t, d, RiskLow)
		if _, err := r.Decide(ctx, d.ID, low, Verdict{Decision: "approve", By: "张审核"}); err != nil {
			t.Fatal(err)
		}
		got, err := r.Decide(ctx, d.ID, sentence(t, d, RiskHigh), Verdict{Decision: "reject", Reason: "排名无出处", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Audit[0].Reason != "" || got.Audit[1].Reason != "排名无出处" || got.Audit[1].Decision != DecisionRejected {
			t.Fatalf("audit = %+v", got.Audit)
		}
	})
	t.Run("the creator of a draft may not approve, reject, approve all or drop a figure of it", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		store.drafts[d.ID].CreatedBy = "王撰稿"
		r := &Reviewer{Store: store}
		low, high := sentence(t, d, RiskLow), sentence(t, d, RiskHigh)
		// Another reviewer rejects the sentence of f1, which is then missing and could be dropped.
		if _, err := r.Decide(ctx, d.ID, d.Sections[0].Sentences[0].ID, Verdict{Decision: "reject", By: "张审核"}); err != nil {
			t.Fatal(err)
		}
		refusals := []struct {
			name string
			err  error
		}{
			{"approve", errOf(r.Decide(ctx, d.ID, low, Verdict{Decision: "approve", By: "王撰稿"}))},
			{"approve with a reason", errOf(r.Decide(ctx, d.ID, high, Verdict{Decision: "approve", Reason: "已核实", By: " 王撰稿 "}))},
			{"reject", errOf(r.Decide(ctx, d.ID, low, Verdict{Decision: "reject", By: "王撰稿"}))},
			{"approve all low-risk", errOf(r.ApproveLowRisk(ctx, d.ID, "王撰稿"))},
			{"drop a missing figure", errOf(r.Drop(ctx, d.ID, 0, "f1", "不再陈述", "王撰稿"))},
		}
		for _, c := range refusals {
			if retrieval.ErrorCode(c.err) != EOWNDRAFT || !strings.Contains(retrieval.ErrorMessage(c.err), "王撰稿") {
				t.Errorf("%s: %v, want %s naming the creator", c.name, c.err, EOWNDRAFT)
			}
		}
		if got, _ := store.Draft(ctx, d.ID); len(got.Audit) != 1 || len(got.Sections[0].Dropped) != 0 {
			t.Fatalf("refused decisions changed the draft: audit %+v, dropped %+v", got.Audit, got.Sections[0].Dropped)
		}
		if _, err := r.Restore(ctx, d.ID, 0, "f1", "王撰稿"); err != nil {
			t.Fatalf("restoring a figure only adds a sentence to review, yet: %v", err)
		}
	})
	t.Run("the creator's edit waits for another reviewer", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		store.drafts[d.ID].CreatedBy = "王撰稿"
		r := &Reviewer{Store: store}
		sid := sentence(t, d, RiskHigh)
		got, err := r.Decide(ctx, d.ID, sid, Verdict{Decision: "edit", Text: "服务满意度持续提升。", By: "王撰稿"})
		if err != nil {
			t.Fatal(err)
		}
		_, xi := findSentence(got, sid)
		if x := got.Sections[0].Sentences[xi]; x.Review.Reviewed() || got.Audit[0].Decision != DecisionRevised {
			t.Fatalf("review %+v, audit %+v: want a revision waiting for a reviewer", x.Review, got.Audit)
		}
		if _, err := r.Decide(ctx, d.ID, sid, Verdict{Decision: "approve", By: "张审核"}); err != nil {
			t.Fatalf("another reviewer approves: %v", err)
		}
	})
}

func TestFiguresNeverVanish(t *testing.T) {
	ctx := context.Background()
	answer := "巩固拓展健康扶贫成果。享受政策【f1】。报销比例达到【f2】。群众满意度明显提升。"
	t.Run("rejecting the sentence of a figure lists it missing and keeps the draft from approval", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		ss := d.Sections[0].Sentences
		r.Decide(ctx, d.ID, ss[1].ID, Verdict{Decision: "approve", By: "张审核"})
		r.Decide(ctx, d.ID, ss[3].ID, Verdict{Decision: "approve", By: "张审核"})
		got, err := r.Decide(ctx, d.ID, ss[2].ID, Verdict{Decision: "reject", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if m := got.Missing(0); len(m) != 1 || m[0] != "f2" {
			t.Fatalf("missing = %v, want [f2]", m)
		}
		if got.Status == StatusApproved {
			t.Fatal("a draft that lost a figure is approved")
		}
		if _, err := r.Drop(ctx, d.ID, 0, "f2", " ", "张审核"); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("dropping without a reason: %v, want invalid", err)
		}
		if _, err := r.Drop(ctx, d.ID, 0, "f1", "重复", "张审核"); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("dropping a figure still stated: %v, want conflict", err)
		}
		got, err = r.Drop(ctx, d.ID, 0, "f2", "报销比例另行报送", "张审核")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != StatusApproved || len(got.Missing(0)) != 0 {
			t.Fatalf("after the drop: status %s, missing %v", got.Status, got.Missing(0))
		}
		dr := got.Sections[0].Dropped
		if len(dr) != 1 || dr[0].FigureID != "f2" || dr[0].Reason != "报销比例另行报送" || dr[0].By != "张审核" {
			t.Fatalf("dropped = %+v", dr)
		}
		last := got.Audit[len(got.Audit)-1]
		if last.Decision != DecisionDropped || last.FigureID != "f2" || last.After != "报销比例另行报送" {
			t.Fatalf("audit = %+v", last)
		}
	})
	t.Run("an edit that leaves a figure out lists it missing too", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		got, err := r.Decide(ctx, d.ID, d.Sections[0].Sentences[1].ID, Verdict{Decision: "edit", Text: "享受政策的人数稳定。", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if m := got.Missing(0); len(m) != 1 || m[0] != "f1" {
			t.Fatalf("missing = %v, want [f1]", m)
		}
	})
	t.Run("restoring a figure states it again in a sentence that waits for a reviewer", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		r.Decide(ctx, d.ID, d.Sections[0].Sentences[2].ID, Verdict{Decision: "reject", By: "张审核"})
		got, err := r.Restore(ctx, d.ID, 0, "f2", "张审核")
		if err != nil {
			t.Fatal(err)
		}
		ss := got.Sections[0].Sentences
		x := ss[len(ss)-1]
		if !strings.Contains(x.Text, "90%") || !x.Added || x.Review.Decision != DecisionPending || x.Risk != RiskLow || x.ID == ss[2].ID {
			t.Fatalf("restored sentence = %+v", x)
		}
		if len(x.Claims) != 1 || string([]rune(x.Text)[x.Claims[0].Start:x.Claims[0].End]) != "90%" {
			t.Fatalf("claims of the restored sentence = %+v", x.Claims)
		}
		if len(got.Missing(0)) != 0 {
			t.Fatalf("missing after the restore = %v", got.Missing(0))
		}
		if _, err := r.Restore(ctx, d.ID, 0, "f2", "张审核"); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("restoring a figure that is stated: %v, want conflict", err)
		}
		if _, err := r.Restore(ctx, d.ID, 0, "nope", "张审核"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
			t.Fatalf("restoring an unknown figure: %v, want not found", err)
		}
	})
	t.Run("rejecting an item renumbers the enumeration after it", func(t *testing.T) {
		store, d := readyDraft(t, "一是享受政策【f1】。二是报销比例达到【f2】。三是群众满意度明显提升。其一，政策落实到位。其二，服务更加便捷。")
		r := &Reviewer{Store: store}
		ss := d.Sections[0].Sentences
		got, err := r.Decide(ctx, d.ID, ss[0].ID, Verdict{Decision: "reject", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, x := range got.Sections[0].Sentences[1:] {
			texts = append(texts, x.Text)
		}
		want := []string{"一是报销比例达到90%。", "二是群众满意度明显提升。", "其一，政策落实到位。", "其二，服务更加便捷。"}
		if strings.Join(texts, "") != strings.Join(want, "") {
			t.Fatalf("texts = %q, want %q", texts, want)
		}
		if h := got.Sections[0].Sentences[1].History; len(h) != 1 || h[0].Text != "二是报销比例达到90%。" {
			t.Fatalf("history = %+v", h)
		}
		got, _ = r.Decide(ctx, d.ID, ss[0].ID, Verdict{Decision: "approve", By: "张审核"})
		if x := got.Sections[0].Sentences; x[0].Text != "一是享受政策36239人。" || x[1].Text != "二是报销比例达到90%。" {
			t.Fatalf("after approving the rejected item again: %q, %q", x[0].Text, x[1].Text)
		}
	})
}
