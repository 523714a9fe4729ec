package openai

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/openai/openaitest"
	"github.com/draftd/draftd/retrieval"
)

// rewriteSetup drafts pipeFigures with a well-behaved fake and returns the reviewer, the draft and
// its first low-risk sentence that states a figure.
func rewriteSetup(t *testing.T) (*draft.Reviewer, *draft.Draft, draft.Sentence) {
	t.Helper()
	store, search := pipeCorpus(t)
	d, _, err := pipeRun(t, pipeDrafter(t, openaitest.New(t, openaitest.APIKey(pipeKey)), store, search), store, pipeFigures())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range d.Sections[0].Sentences {
		if len(x.Figures) > 0 && x.Risk == draft.RiskLow {
			return &draft.Reviewer{Store: store}, d, x
		}
	}
	t.Fatalf("no low-risk sentence with a figure in %s", sectionText(d.Sections[0]))
	return nil, nil, draft.Sentence{}
}

// rewriter is a Writer of a fake that answers every request as b.
func rewriter(t *testing.T, b openaitest.Behaviour) (*Writer, *openaitest.Server) {
	srv := openaitest.New(t, openaitest.Default(b))
	c := newClient(Config{BaseURL: srv.URL(), Model: "fake-model", Timeout: 5 * time.Second, IdleTimeout: time.Second},
		func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return &Writer{Complete: c.Complete, Model: "fake-model"}, srv
}

// sentenceOf returns sentence sid of d.
func sentenceOf(d *draft.Draft, sid string) draft.Sentence {
	for _, s := range d.Sections {
		for _, x := range s.Sentences {
			if x.ID == sid {
				return x
			}
		}
	}
	return draft.Sentence{}
}

func TestRewriteWithTheModel(t *testing.T) {
	ctx := context.Background()
	for mode, name := range draft.ModeNames {
		t.Run(name+" keeps every figure exactly and leaves the sentence for a reviewer", func(t *testing.T) {
			r, d, x := rewriteSetup(t)
			w, srv := rewriter(t, openaitest.Follow)
			got, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, x.ID, mode, "王撰稿", w)
			if err != nil {
				t.Fatal(err)
			}
			y := sentenceOf(got, x.ID)
			if y.Text == x.Text || !slices.Equal(y.Figures, x.Figures) || y.Risk != draft.RiskLow {
				t.Fatalf("%s:\n before %q %v\n after  %q %v %s", name, x.Text, x.Figures, y.Text, y.Figures, y.Risk)
			}
			figures := map[string]string{}
			for _, f := range got.SectionFigures(0) {
				figures[f.ID] = f.Text
			}
			for _, id := range x.Figures {
				if strings.Count(y.Text, figures[id]) != 1 {
					t.Errorf("figure %s (%s) is not stated exactly once in %q", id, figures[id], y.Text)
				}
			}
			if y.Review.Decision != draft.DecisionPending || len(y.History) != 1 || y.History[0].Text != x.Text {
				t.Errorf("review %+v history %+v", y.Review, y.History)
			}
			req := srv.Requests()[0]
			if !strings.Contains(req.User, "任务："+name) || strings.Contains(req.User, "36239") || !strings.Contains(req.User, "【"+x.Figures[0]+"】") {
				t.Errorf("the model was not asked to %s the sentence with its tokens and without values:\n%s", name, req.User)
			}
		})
	}

	t.Run("a rewrite that invents a number comes back high risk", func(t *testing.T) {
		r, d, x := rewriteSetup(t)
		w, _ := rewriter(t, openaitest.InventPercent)
		got, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, x.ID, draft.ModeExpand, "王撰稿", w)
		if err != nil {
			t.Fatal(err)
		}
		if y := sentenceOf(got, x.ID); y.Risk != draft.RiskHigh || !slices.Contains(y.UnboundNumbers, "98%") {
			t.Fatalf("rewritten sentence = %q, risk %s, unbound %v", y.Text, y.Risk, y.UnboundNumbers)
		}
	})

	t.Run("a rewrite that leaves out a figure or misstates one changes nothing", func(t *testing.T) {
		for _, b := range []openaitest.Behaviour{openaitest.DropFigure, openaitest.WrongDigits} {
			r, d, x := rewriteSetup(t)
			w, _ := rewriter(t, b)
			_, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, x.ID, draft.ModeShorten, "王撰稿", w)
			if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
				t.Fatalf("%s: err = %v, want code %s", b, err, retrieval.EUNAVAILABLE)
			}
			if after, _ := r.Store.Draft(ctx, retrieval.Scope{}, d.ID); sentenceOf(after, x.ID).Text != x.Text {
				t.Errorf("%s: the sentence changed to %q", b, sentenceOf(after, x.ID).Text)
			}
		}
	})

	t.Run("a model that fails is an unavailable error", func(t *testing.T) {
		r, d, x := rewriteSetup(t)
		w, _ := rewriter(t, openaitest.Status500)
		if _, err := r.Rewrite(ctx, retrieval.Scope{}, d.ID, x.ID, draft.ModeRewrite, "王撰稿", w); retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE {
			t.Fatalf("err = %v, want code %s", err, retrieval.EUNAVAILABLE)
		}
	})
}
