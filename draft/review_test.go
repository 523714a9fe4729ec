package draft

import (
	"bytes"
	"context"
	"log/slog"
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
	got, _ := store.Draft(context.Background(), retrieval.Scope{}, dr.ID)
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
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, ss[1].ID, Verdict{Decision: "approve", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if x := got.Sections[0].Sentences[1]; x.Review.Decision != DecisionApproved || x.Review.By != "张审核" || x.Review.At == nil {
			t.Fatalf("review = %+v", x.Review)
		}
		if got.Status != StatusReady {
			t.Fatalf("status = %s with sentences pending", got.Status)
		}
		r.Decide(ctx, retrieval.Scope{}, d.ID, ss[3].ID, Verdict{Decision: "reject", By: "张审核"}) // it states no figure
		got, _ = r.Decide(ctx, retrieval.Scope{}, d.ID, ss[2].ID, Verdict{Decision: "approve", By: "李审核"})
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
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "edit", Text: "群众满意度达到99%。", By: "王撰稿"})
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
		got, _ = r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "edit", Text: "享受政策36239人，群众满意。", By: "王撰稿"})
		if x := got.Sections[0].Sentences[3]; x.Risk != RiskLow || len(x.Figures) != 1 || len(x.History) != 2 {
			t.Fatalf("second edit = %+v", x)
		}
	})
	t.Run("a writer's revision is re-checked and waits for a reviewer", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[1].ID
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "revise", Text: "享受政策共计36239人。", By: "王撰稿"})
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
		got, err := r.ApproveLowRisk(ctx, retrieval.Scope{}, d.ID, "张审核")
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
			if _, err := r.Decide(ctx, retrieval.Scope{}, c.id, c.sid, Verdict{Decision: c.dec, Text: c.text, By: c.by}); retrieval.ErrorCode(err) != c.code {
				t.Errorf("%s: err = %v, want code %s", c.name, err, c.code)
			}
		}
	})
	t.Run("concurrent decisions on a draft are each applied", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sid := d.Sections[0].Sentences[1+i%3].ID
				if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "reject", By: "张审核"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got, _ := store.Draft(ctx, retrieval.Scope{}, d.ID); len(got.Audit) != 20 {
			t.Fatalf("%d audit entries, want 20", len(got.Audit))
		}
	})
	t.Run("a draft still generating cannot be reviewed", func(t *testing.T) {
		store := newMemStore()
		d := &Drafter{Writer: &scriptWriter{texts: []string{answer}}, Store: store}
		dr, _ := d.Create(ctx, pipelineFigures())
		r := &Reviewer{Store: store}
		if _, err := r.ApproveLowRisk(ctx, retrieval.Scope{}, dr.ID, "a"); retrieval.ErrorCode(err) != EGENERATING || !strings.Contains(err.Error(), "正在生成") {
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
			_, err := r.Decide(ctx, retrieval.Scope{}, d.ID, high, Verdict{Decision: "approve", Reason: reason, By: "张审核"})
			if retrieval.ErrorCode(err) != EREASONREQUIRED || !strings.Contains(retrieval.ErrorMessage(err), "理由") {
				t.Fatalf("approving with reason %q: %v, want %s with a message in Chinese", reason, err, EREASONREQUIRED)
			}
		}
		if got, _ := store.Draft(ctx, retrieval.Scope{}, d.ID); len(got.Audit) != 0 {
			t.Fatalf("a refused approval reached the audit trail: %+v", got.Audit)
		}
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, high, Verdict{Decision: "approve", Reason: " 已与市统计局通报核对 ", By: "张审核"})
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
		if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, low, Verdict{Decision: "approve", By: "张审核"}); err != nil {
			t.Fatal(err)
		}
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sentence(t, d, RiskHigh), Verdict{Decision: "reject", Reason: "排名无出处", By: "张审核"})
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
		if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, d.Sections[0].Sentences[0].ID, Verdict{Decision: "reject", By: "张审核"}); err != nil {
			t.Fatal(err)
		}
		refusals := []struct {
			name string
			err  error
		}{
			{"approve", errOf(r.Decide(ctx, retrieval.Scope{}, d.ID, low, Verdict{Decision: "approve", By: "王撰稿"}))},
			{"approve with a reason", errOf(r.Decide(ctx, retrieval.Scope{}, d.ID, high, Verdict{Decision: "approve", Reason: "已核实", By: " 王撰稿 "}))},
			{"reject", errOf(r.Decide(ctx, retrieval.Scope{}, d.ID, low, Verdict{Decision: "reject", By: "王撰稿"}))},
			{"approve all low-risk", errOf(r.ApproveLowRisk(ctx, retrieval.Scope{}, d.ID, "王撰稿"))},
			{"drop a missing figure", errOf(r.Drop(ctx, retrieval.Scope{}, d.ID, 0, "f1", "不再陈述", "王撰稿"))},
		}
		for _, c := range refusals {
			if retrieval.ErrorCode(c.err) != EOWNDRAFT || !strings.Contains(retrieval.ErrorMessage(c.err), "王撰稿") {
				t.Errorf("%s: %v, want %s naming the creator", c.name, c.err, EOWNDRAFT)
			}
		}
		if got, _ := store.Draft(ctx, retrieval.Scope{}, d.ID); len(got.Audit) != 1 || len(got.Sections[0].Dropped) != 0 {
			t.Fatalf("refused decisions changed the draft: audit %+v, dropped %+v", got.Audit, got.Sections[0].Dropped)
		}
		if _, err := r.Restore(ctx, retrieval.Scope{}, d.ID, 0, "f1", "王撰稿"); err != nil {
			t.Fatalf("restoring a figure only adds a sentence to review, yet: %v", err)
		}
	})
	t.Run("the creator's edit waits for another reviewer", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		store.drafts[d.ID].CreatedBy = "王撰稿"
		r := &Reviewer{Store: store}
		sid := sentence(t, d, RiskHigh)
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "edit", Text: "服务满意度持续提升。", By: "王撰稿"})
		if err != nil {
			t.Fatal(err)
		}
		_, xi := findSentence(got, sid)
		if x := got.Sections[0].Sentences[xi]; x.Review.Reviewed() || got.Audit[0].Decision != DecisionRevised {
			t.Fatalf("review %+v, audit %+v: want a revision waiting for a reviewer", x.Review, got.Audit)
		}
		if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "approve", By: "张审核"}); err != nil {
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
		r.Decide(ctx, retrieval.Scope{}, d.ID, ss[1].ID, Verdict{Decision: "approve", By: "张审核"})
		r.Decide(ctx, retrieval.Scope{}, d.ID, ss[3].ID, Verdict{Decision: "approve", By: "张审核"})
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, ss[2].ID, Verdict{Decision: "reject", By: "张审核"})
		if err != nil {
			t.Fatal(err)
		}
		if m := got.Missing(0); len(m) != 1 || m[0] != "f2" {
			t.Fatalf("missing = %v, want [f2]", m)
		}
		if got.Status == StatusApproved {
			t.Fatal("a draft that lost a figure is approved")
		}
		if _, err := r.Drop(ctx, retrieval.Scope{}, d.ID, 0, "f2", " ", "张审核"); retrieval.ErrorCode(err) != retrieval.EINVALID {
			t.Fatalf("dropping without a reason: %v, want invalid", err)
		}
		if _, err := r.Drop(ctx, retrieval.Scope{}, d.ID, 0, "f1", "重复", "张审核"); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("dropping a figure still stated: %v, want conflict", err)
		}
		got, err = r.Drop(ctx, retrieval.Scope{}, d.ID, 0, "f2", "报销比例另行报送", "张审核")
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
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, d.Sections[0].Sentences[1].ID, Verdict{Decision: "edit", Text: "享受政策的人数稳定。", By: "张审核"})
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
		r.Decide(ctx, retrieval.Scope{}, d.ID, d.Sections[0].Sentences[2].ID, Verdict{Decision: "reject", By: "张审核"})
		got, err := r.Restore(ctx, retrieval.Scope{}, d.ID, 0, "f2", "张审核")
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
		if _, err := r.Restore(ctx, retrieval.Scope{}, d.ID, 0, "f2", "张审核"); retrieval.ErrorCode(err) != retrieval.ECONFLICT {
			t.Fatalf("restoring a figure that is stated: %v, want conflict", err)
		}
		if _, err := r.Restore(ctx, retrieval.Scope{}, d.ID, 0, "nope", "张审核"); retrieval.ErrorCode(err) != retrieval.ENOTFOUND {
			t.Fatalf("restoring an unknown figure: %v, want not found", err)
		}
	})
	t.Run("rejecting an item renumbers the enumeration after it", func(t *testing.T) {
		store, d := readyDraft(t, "一是享受政策【f1】。二是报销比例达到【f2】。三是群众满意度明显提升。其一，政策落实到位。其二，服务更加便捷。")
		r := &Reviewer{Store: store}
		ss := d.Sections[0].Sentences
		got, err := r.Decide(ctx, retrieval.Scope{}, d.ID, ss[0].ID, Verdict{Decision: "reject", By: "张审核"})
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
		got, _ = r.Decide(ctx, retrieval.Scope{}, d.ID, ss[0].ID, Verdict{Decision: "approve", By: "张审核"})
		if x := got.Sections[0].Sentences; x[0].Text != "一是享受政策36239人。" || x[1].Text != "二是报销比例达到90%。" {
			t.Fatalf("after approving the rejected item again: %q, %q", x[0].Text, x[1].Text)
		}
	})
}

// rewriterFunc is a Rewriter made of a function.
type rewriterFunc func(ctx context.Context, req RewriteRequest) (SectionText, error)

func (f rewriterFunc) Rewrite(ctx context.Context, req RewriteRequest) (SectionText, error) {
	return f(ctx, req)
}

// answers is a Rewriter that answers every request with text, and keeps the requests.
func answers(text string, reqs *[]RewriteRequest) Rewriter {
	return rewriterFunc(func(_ context.Context, req RewriteRequest) (SectionText, error) {
		*reqs = append(*reqs, req)
		return SectionText{Text: text, Model: "fake-model"}, nil
	})
}

func TestReviewerRewrite(t *testing.T) {
	ctx := context.Background()
	answer := "巩固拓展健康扶贫成果。享受政策【f1】。报销比例达到【f2】。群众满意度明显提升。"

	t.Run("a rewrite keeps the figures exactly, is checked again and waits for a reviewer", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[1].ID
		if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "approve", By: "张审核"}); err != nil {
			t.Fatal(err)
		}
		var reqs []RewriteRequest
		got, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, sid, ModeExpand, "王撰稿", answers("全县享受健康扶贫各项政策【f1】，困难群众就医负担有效减轻。", &reqs))
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 1 || reqs[0].Sentence != "享受政策【f1】。" || reqs[0].Mode != ModeExpand || len(reqs[0].Figures) != 1 || reqs[0].Figures[0].ID != "f1" {
			t.Fatalf("request = %+v, want the sentence with its token and only its figure", reqs)
		}
		x := got.Sections[0].Sentences[1]
		if x.Text != "全县享受健康扶贫各项政策36239人，困难群众就医负担有效减轻。" || len(x.Figures) != 1 || x.Figures[0] != "f1" {
			t.Fatalf("rewritten sentence = %+v", x)
		}
		if x.Review.Decision != DecisionPending || len(x.History) != 1 || x.History[0].Text != "享受政策36239人。" || x.History[0].By != "王撰稿" {
			t.Fatalf("review %+v history %+v: want pending with the earlier text kept", x.Review, x.History)
		}
		a := got.Audit[len(got.Audit)-1]
		if a.Decision != DecisionRevised || a.By != "王撰稿" || a.Before != "享受政策36239人。" || a.After != x.Text || !strings.Contains(a.Reason, "扩写") || !strings.Contains(a.Reason, "fake-model") {
			t.Fatalf("audit entry = %+v", a)
		}
		if got.Status != StatusReady {
			t.Fatalf("status = %s, want ready: the rewritten sentence waits for a reviewer", got.Status)
		}
	})

	t.Run("a rewrite that invents a number comes back high risk", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		var reqs []RewriteRequest
		got, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, d.Sections[0].Sentences[2].ID, ModeRewrite, "王撰稿", answers("住院费用实际报销比例达到【f2】，群众满意度达到98%。", &reqs))
		if err != nil {
			t.Fatal(err)
		}
		x := got.Sections[0].Sentences[2]
		if x.Risk != RiskHigh || len(x.UnboundNumbers) != 1 || x.UnboundNumbers[0] != "98%" || !strings.Contains(x.Text, "90%") {
			t.Fatalf("rewritten sentence = %+v, want high risk with 98%% unbound and 90%% kept", x)
		}
	})

	t.Run("a rewrite that loses a figure, names an unknown one or fails changes nothing", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[1].ID
		var reqs []RewriteRequest
		for name, w := range map[string]Rewriter{
			"lost":    answers("全县享受健康扶贫政策。", &reqs),
			"unknown": answers("享受政策【f1】，另有【f9】。", &reqs),
			"failed": rewriterFunc(func(context.Context, RewriteRequest) (SectionText, error) {
				return SectionText{}, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型没有响应")
			}),
		} {
			if _, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, sid, ModeShorten, "王撰稿", w); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
				t.Errorf("%s: err = %v, want code %s", name, err, retrieval.EUNAVAILABLE)
			}
		}
		if got, _ := store.Draft(ctx, retrieval.Scope{}, d.ID); got.Sections[0].Sentences[1].Text != "享受政策36239人。" || len(got.Audit) != 0 {
			t.Fatalf("the draft changed: %+v, audit %+v", got.Sections[0].Sentences[1], got.Audit)
		}
	})

	t.Run("an unknown mode, a missing name or the writer's own text is refused", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		var reqs []RewriteRequest
		w := answers("享受政策【f1】。", &reqs)
		ss := d.Sections[0].Sentences
		for _, c := range []struct{ sid, mode, by, code string }{
			{ss[1].ID, "translate", "王撰稿", retrieval.EINVALID},
			{ss[1].ID, ModeRewrite, " ", retrieval.EINVALID},
			{ss[0].ID, ModeRewrite, "王撰稿", retrieval.EINVALID},
			{"s9-9", ModeRewrite, "王撰稿", retrieval.ENOTFOUND},
		} {
			if _, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, c.sid, c.mode, c.by, w); retrieval.ErrorCode(err) != c.code {
				t.Errorf("%+v: err = %v, want code %s", c, err, c.code)
			}
		}
		if len(reqs) != 0 {
			t.Errorf("the model was asked %d times for refused rewrites", len(reqs))
		}
	})

	t.Run("the model is asked without the draft's lock, and a sentence edited meanwhile is a conflict", func(t *testing.T) {
		store, d := readyDraft(t, answer)
		r := &Reviewer{Store: store}
		sid := d.Sections[0].Sentences[1].ID
		w := rewriterFunc(func(ctx context.Context, req RewriteRequest) (SectionText, error) {
			if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, sid, Verdict{Decision: "edit", Text: "享受健康扶贫政策36239人。", By: "张审核"}); err != nil {
				t.Errorf("an edit during the rewrite: %v", err)
			}
			return SectionText{Text: "全县享受政策【f1】。"}, nil
		})
		if _, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, sid, ModeRewrite, "王撰稿", w); retrieval.ErrorCode(err) != ESTALE {
			t.Fatalf("err = %v, want code %s", err, ESTALE)
		}
		if got, _ := store.Draft(ctx, retrieval.Scope{}, d.ID); got.Sections[0].Sentences[1].Text != "享受健康扶贫政策36239人。" {
			t.Fatalf("the reviewer's edit was lost: %+v", got.Sections[0].Sentences[1])
		}
	})
}

func TestNextInput(t *testing.T) {
	t.Run("periods move on by a year, a half or a quarter", func(t *testing.T) {
		for in, want := range map[string]string{
			"2024年":     "2025年",
			"2025年上半年":  "2025年下半年",
			"2025年下半年":  "2026年上半年",
			"2025年第一季度": "2025年第二季度",
			"2025年四季度":  "2026年一季度",
			"2025年1—6月": "2026年1—6月",
			"今年":        "",
			"":          "",
		} {
			if got := NextPeriod(in); got != want {
				t.Errorf("NextPeriod(%q) = %q, want %q", in, got, want)
			}
		}
	})

	t.Run("values become previous values, derived figures go, the title follows the period", func(t *testing.T) {
		in := pipelineFigures()
		in.Sections[0].Figures[0].Previous = "30000"
		in.Sections[0].Figures[1].Target = "85"
		in.Sections[0].Figures = append(in.Sections[0].Figures, Figure{ID: "f1.change", Label: "变化", Value: "6239", Unit: "人", Derived: true, DerivedFrom: "f1"})
		d := &Draft{Title: in.Title, Period: in.Period, Input: in}
		got := d.NextInput("", "")
		if got.Title != "青禾县卫生健康局2025年下半年工作总结" || got.Period != "2025年下半年" || got.Organization != "青禾县卫生健康局" {
			t.Fatalf("title %q period %q organization %q", got.Title, got.Period, got.Organization)
		}
		figs := got.Sections[0].Figures
		if len(figs) != 2 || figs[0].Value != "" || figs[0].Previous != "36239" || figs[1].Previous != "90" || figs[1].Target != "85" || figs[0].Label != "享受健康扶贫政策人数" {
			t.Fatalf("figures = %+v", figs)
		}
		if got.Sections[0].Heading != "健康扶贫" || got.Sections[0].Notes != "巩固拓展健康扶贫成果。" {
			t.Fatalf("section = %+v", got.Sections[0])
		}
		if in.Sections[0].Figures[0].Value != "36239" {
			t.Fatalf("the draft's own input changed")
		}
		if got := d.NextInput(" 青禾县卫生健康局2025年工作总结 ", "2025年"); got.Title != "青禾县卫生健康局2025年工作总结" || got.Period != "2025年" {
			t.Fatalf("given title and period: %q, %q", got.Title, got.Period)
		}
	})
}

// flakyStore fails its first failures Review calls as an unavailable database does.
type flakyStore struct {
	*memStore
	failures, calls int
}

func (s *flakyStore) Review(ctx context.Context, sc retrieval.Scope, id string, decide func(*Draft) (ReviewWrite, error)) error {
	s.calls++
	if s.calls <= s.failures {
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "数据库暂时不可用，请稍后重试")
	}
	return s.memStore.Review(ctx, sc, id, decide)
}

func TestReviewerRetriesAnUnavailableStore(t *testing.T) {
	ctx := t.Context()
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	t.Run("a write that fails once is tried again and logged", func(t *testing.T) {
		mem, d := readyDraft(t, "享受健康扶贫政策36239人。大病患者住院费用实际报销比例达到90%。")
		store := &flakyStore{memStore: mem, failures: 1}
		r := &Reviewer{Store: store, Log: log}
		if _, err := r.Decide(ctx, retrieval.Scope{}, d.ID, d.Sections[0].Sentences[1].ID, Verdict{Decision: "reject", By: "张审核"}); err != nil {
			t.Fatalf("Decide = %v, want it applied on the second try", err)
		}
		if store.calls != 2 || !strings.Contains(logged.String(), "store write failed") {
			t.Errorf("%d calls, log %q; want 2 and the failure logged", store.calls, logged.String())
		}
	})
	t.Run("a store that stays unavailable is an unavailable error after a bounded number of tries", func(t *testing.T) {
		mem, d := readyDraft(t, "享受健康扶贫政策36239人。")
		store := &flakyStore{memStore: mem, failures: 100}
		r := &Reviewer{Store: store, Log: log}
		_, err := r.Decide(ctx, retrieval.Scope{}, d.ID, d.Sections[0].Sentences[1].ID, Verdict{Decision: "reject", By: "张审核"})
		if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || store.calls != reviewAttempts {
			t.Fatalf("Decide = %v after %d calls, want %s after %d", err, store.calls, retrieval.EUNAVAILABLE, reviewAttempts)
		}
	})
}
