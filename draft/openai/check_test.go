package openai

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/guard"
	"github.com/draftd/draftd/draft/openai/openaitest"
	"github.com/draftd/draftd/prompts"
	"github.com/draftd/draftd/retrieval"
)

// checkRequest is a section in which the fake's findings stand: one of them twice.
var checkRequest = draft.ClaimCheckRequest{
	Title: "青岚县卫生健康局2025年上半年工作总结", Heading: "（一）基层卫生服务能力持续提升", Model: "fake-model",
	Figures: []draft.Figure{{ID: "f1", Label: "家庭医生签约服务人数", Value: "36239", Unit: "人"}},
	Text:    "一是签约36239人，签约服务做法吸引了多个省份前来观摩。二是医共体建设成效显著，同样吸引了多个省份前来观摩。",
}

var checkFinds = openaitest.Finds(
	openaitest.Finding{Span: "吸引了多个省份前来观摩", Kind: "honour", Reason: "撰稿人没有提供外地观摩的情况。"},
	openaitest.Finding{Span: "成效显著", Kind: "Trend", Reason: "  数据没有说明\n成效。 "},
)

func TestClaimCheck(t *testing.T) {
	honour := "吸引了多个省份前来观摩"
	first := strings.Index(checkRequest.Text, honour)
	second := strings.LastIndex(checkRequest.Text, honour)
	trend := strings.Index(checkRequest.Text, "成效显著")
	want := []draft.CheckedClaim{
		{Start: first, End: first + len(honour), Kind: guard.ClaimHonour, Reason: "撰稿人没有提供外地观摩的情况。"},
		{Start: second, End: second + len(honour), Kind: guard.ClaimHonour, Reason: "撰稿人没有提供外地观摩的情况。"},
		{Start: trend, End: trend + len("成效显著"), Kind: guard.ClaimTrend, Reason: "数据没有说明 成效。"},
	}
	tests := []struct {
		name    string
		b       openaitest.Behaviour
		want    []draft.CheckedClaim
		ignored int    // log lines of items ignored
		wantErr string // "" for success
	}{
		{name: "a clean answer's findings are found at every place their words stand", b: openaitest.Follow, want: want},
		{name: "prose and a fence around the JSON are taken off, and items that are not the text's words, of an unknown kind or no object are ignored",
			b: openaitest.SloppyCheck, want: want, ignored: 6},
		{name: "an answer with no JSON is an error and finds nothing", b: openaitest.MalformedCheck, wantErr: "does not parse"},
		{name: "a model that fails is an error", b: openaitest.Status(400), wantErr: "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t, openaitest.Script(tt.b), checkFinds)
			c, _ := testClient(t, srv, testKey, 0, nil)
			var log strings.Builder
			checker := &ClaimChecker{Complete: c.Complete, Log: slog.New(slog.NewTextHandler(&log, nil))}
			got, usage, err := checker.Check(context.Background(), checkRequest)
			r := srv.Requests()[0]
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || got != nil {
					t.Fatalf("err = %v (code %s), found %+v; want %q, EUNAVAILABLE", err, retrieval.ErrorCode(err), got, tt.wantErr)
				}
				if want := (draft.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens}); usage != want {
					t.Errorf("usage = %+v, want what the call spent, %+v", usage, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("found %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("finding %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if n := strings.Count(log.String(), "item ignored"); n != tt.ignored {
				t.Errorf("%d items logged as ignored, want %d:\n%s", n, tt.ignored, log.String())
			}
			sys, usr, _ := prompts.ClaimCheck(checkRequest)
			if r.ResponseFormat != "json_object" || r.System != sys || r.User != usr {
				t.Errorf("the request is not prompts.ClaimCheck's asking for a JSON object: %+v", r)
			}
			if usage.PromptTokens != r.PromptTokens || usage.CompletionTokens != r.CompletionTokens || usage.PromptTokens == 0 {
				t.Errorf("usage = %+v, want the fake's %d+%d", usage, r.PromptTokens, r.CompletionTokens)
			}
		})
	}
}

func TestCheckItem(t *testing.T) {
	const text = "签约服务做法吸引了多个省份前来观摩。"
	tests := []struct {
		name, item, why string
	}{
		{"an item of span, kind and reason is kept, extra fields aside", `{"span":"吸引了多个省份前来观摩","kind":"honour","reason":"无依据。","confidence":0.9}`, ""},
		{"a kind is read whatever its case", `{"span":"吸引了多个省份前来观摩","kind":" Honour ","reason":"无依据。"}`, ""},
		{"a span that is not the text's exact words is ignored", `{"span":"吸引多个省份前来观摩","kind":"honour","reason":"无依据。"}`, "not the section's exact words"},
		{"a span of one character says nothing", `{"span":"省","kind":"name","reason":"无依据。"}`, "too short"},
		{"a kind the checks do not know is ignored", `{"span":"吸引了多个省份前来观摩","kind":"exaggeration","reason":"拔高。"}`, "unknown kind"},
		{"a kind left to the local checks is ignored", `{"span":"吸引了多个省份前来观摩","kind":"direction","reason":"无依据。"}`, "unknown kind"},
		{"an item without a reason is ignored", `{"span":"吸引了多个省份前来观摩","kind":"honour"}`, "no reason"},
		{"an empty reason is ignored", `{"span":"吸引了多个省份前来观摩","kind":"honour","reason":" "}`, "empty reason"},
		{"a span that is no string is ignored", `{"span":["吸引"],"kind":"honour","reason":"无依据。"}`, "span is not a string"},
		{"an item that is no object is ignored", `"吸引了多个省份前来观摩"`, "not a JSON object"},
		{"null is ignored", `null`, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, why := checkItem([]byte(tt.item), text)
			if tt.why == "" && why != "" || tt.why != "" && !strings.Contains(why, tt.why) {
				t.Errorf("why = %q, want %q", why, tt.why)
			}
		})
	}
}

func TestClaimItems(t *testing.T) {
	tests := []struct {
		name, answer string
		items        int
		err          string
	}{
		{"a bare object", `{"claims":[{"span":"a"},{"span":"b"}]}`, 2, ""},
		{"an object in a code fence with prose around it", "好的：\n```json\n{\"claims\": []}\n```\n请核实。", 0, ""},
		{"an answer with no object", "没有发现问题。", 0, "no JSON object"},
		{"an object without claims", `{"result":[]}`, 0, "no claims array"},
		{"claims that are not an array", `{"claims":"none"}`, 0, "does not parse"},
		{"a truncated object", `{"claims":[{"span":"a"}`, 0, "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := claimItems(tt.answer)
			if tt.err == "" && (err != nil || len(items) != tt.items) || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("items %d, err %v; want %d, %q", len(items), err, tt.items, tt.err)
			}
		})
	}
}
