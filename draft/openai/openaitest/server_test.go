package openaitest

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

const user = "数据清单：\n- 【f1】：签约人数\n- 【f2】：诊疗量\n- 【f3】：巡诊人次\n\n<<<备注\n写实一些\n>>>\n\n<<<资料 1：某县总结 > 一、成效\n一是巩固签约服务。\n二是推进医共体。\n>>>\n\n上一稿的问题：\n- 缺少【f3】"

var values = map[string]string{"f1": "36239人", "f2": "226.7万人次", "f3": "1026人"}

var digitRE = regexp.MustCompile(`[0-9]`)

func TestAnswer(t *testing.T) {
	s := &Server{values: values}
	chinese := &Server{values: map[string]string{"f1": "1026人"}}
	tests := []struct {
		name    string
		srv     *Server
		b       Behaviour
		has     []string
		hasNot  []string
		tokens  int // how many distinct figure tokens remain
		noDigit bool
	}{
		{name: "Follow writes each token once and no number", srv: s, b: Follow, has: []string{"一是", "二是", "三是"}, tokens: 3, noDigit: true},
		{name: "WrongDigits writes the first figure off by one", srv: s, b: WrongDigits, has: []string{"36240人"}, hasNot: []string{"【f1】"}, tokens: 2},
		{name: "WrongDigits without values writes 36240人", srv: &Server{}, b: WrongDigits, has: []string{"36240人"}, tokens: 2},
		{name: "Round writes 3.6万人 for 36239人", srv: s, b: Round, has: []string{"3.6万人"}, hasNot: []string{"【f1】"}, tokens: 2},
		{name: "ChineseNumerals spells the value", srv: chinese, b: ChineseNumerals, has: []string{"一千零二十六人"}, hasNot: []string{"【f1】"}, tokens: 2, noDigit: true},
		{name: "ChineseNumerals without an integer value adds 两支医疗队", srv: &Server{values: map[string]string{"f1": "226.7万元"}}, b: ChineseNumerals, has: []string{"派出两支医疗队"}, tokens: 3, noDigit: true},
		{name: "InventPercent adds 98%", srv: s, b: InventPercent, has: []string{"满意度达到98%"}, tokens: 3},
		{name: "InventRanking adds 全市第一", srv: s, b: InventRanking, has: []string{"位居全市第一"}, tokens: 3, noDigit: true},
		{name: "DropFigure leaves the last token out", srv: s, b: DropFigure, hasNot: []string{"【f3】"}, tokens: 2, noDigit: true},
		{name: "CopyPassage copies the first passage, not the notes", srv: s, b: CopyPassage, has: []string{"一是巩固签约服务。\n二是推进医共体。"}, hasNot: []string{"写实"}, tokens: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.srv.answer(tt.b, user)
			for _, h := range tt.has {
				if !strings.Contains(got, h) {
					t.Errorf("%q lacks %q", got, h)
				}
			}
			for _, h := range tt.hasNot {
				if strings.Contains(got, h) {
					t.Errorf("%q has %q", got, h)
				}
			}
			ids := FigureIDs(got)
			if len(ids) != tt.tokens {
				t.Errorf("%q has tokens %v, want %d", got, ids, tt.tokens)
			}
			for _, id := range ids {
				if n := strings.Count(got, "【"+id+"】"); n != 1 {
					t.Errorf("【%s】 appears %d times in %q", id, n, got)
				}
			}
			if tt.noDigit && digitRE.MatchString(tokenRE.ReplaceAllString(got, "")) {
				t.Errorf("%q has digits outside tokens", got)
			}
		})
	}
	t.Run("Follow writes two sentences even with no figures", func(t *testing.T) {
		if got := s.answer(Follow, "没有数据"); strings.Count(got, "。") != 2 || digitRE.MatchString(got) {
			t.Errorf("%q", got)
		}
	})
	t.Run("Follow writes at most four sentences", func(t *testing.T) {
		got := s.answer(Follow, "【a】【b】【c】【d】【e】【f】")
		if n := strings.Count(got, "。"); n != 4 || len(FigureIDs(got)) != 6 {
			t.Errorf("%d sentences, tokens %v: %q", n, FigureIDs(got), got)
		}
	})
}

func TestNumbers(t *testing.T) {
	for n, want := range map[int64]string{0: "零", 7: "七", 10: "十", 12: "十二", 20: "二十", 1006: "一千零六", 1026: "一千零二十六",
		10000: "一万", 10010: "一万零一十", 110000: "十一万", 36239: "三万六千二百三十九"} {
		if got := chinese(n); got != want {
			t.Errorf("chinese(%d) = %s, want %s", n, got, want)
		}
	}
	for num, want := range map[string]string{"36239": "3.6万", "226.7": "约227", "1026": "约1000", "5": "约5"} {
		if got := round(num); got != want {
			t.Errorf("round(%s) = %s, want %s", num, got, want)
		}
	}
	for num, want := range map[string]string{"36239": "36240", "226.7": "226.8", "0.09": "0.10"} {
		if got := bump(num); got != want {
			t.Errorf("bump(%s) = %s, want %s", num, got, want)
		}
	}
}

func post(t *testing.T, url, key string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func chatBody(stream bool) map[string]any {
	return map[string]any{"model": "m", "stream": stream, "max_tokens": 99, "stream_options": map[string]bool{"include_usage": stream},
		"messages": []map[string]string{{"role": "system", "content": "sys"}, {"role": "user", "content": user}}}
}

func TestServer(t *testing.T) {
	t.Run("a streamed answer is SSE chunks, a stop, a usage chunk and [DONE]", func(t *testing.T) {
		s := New(t)
		resp := post(t, s.URL()+"/chat/completions", "", chatBody(true))
		body, _ := io.ReadAll(resp.Body)
		events := strings.Split(strings.TrimSuffix(string(body), "\n\n"), "\n\n")
		if resp.Header.Get("Content-Type") != "text/event-stream" || events[len(events)-1] != "data: [DONE]" {
			t.Fatalf("not an SSE stream ending in [DONE]: %q", body)
		}
		var text strings.Builder
		var finish string
		var usage map[string]int
		for _, e := range events[:len(events)-1] {
			var c struct {
				Choices []struct {
					Delta        struct{ Content string }
					FinishReason *string `json:"finish_reason"`
				}
				Usage map[string]int
			}
			if err := json.Unmarshal([]byte(strings.TrimPrefix(e, "data: ")), &c); err != nil {
				t.Fatalf("event %q: %v", e, err)
			}
			for _, ch := range c.Choices {
				text.WriteString(ch.Delta.Content)
				if ch.FinishReason != nil {
					finish = *ch.FinishReason
				}
			}
			if c.Usage != nil {
				usage = c.Usage
			}
		}
		r := s.Requests()[0]
		if text.String() != r.Answer || finish != "stop" || usage["completion_tokens"] != r.CompletionTokens || len(events) < 6 {
			t.Errorf("text %q, finish %q, usage %v, %d events; logged %+v", text.String(), finish, usage, len(events), r)
		}
		if r.MaxTokens != 99 || !r.Stream || !r.IncludeUsage || r.System != "sys" || r.User != user || r.Behaviour != "Follow" {
			t.Errorf("request logged as %+v", r)
		}
	})

	t.Run("an answer that is not streamed is one JSON object", func(t *testing.T) {
		s := New(t, Script(LengthFinish))
		var out struct {
			Choices []struct {
				Message      struct{ Content string }
				FinishReason string `json:"finish_reason"`
			}
		}
		if err := json.NewDecoder(post(t, s.URL()+"/chat/completions", "", chatBody(false)).Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		if c := out.Choices[0]; c.FinishReason != "length" || c.Message.Content == "" || !strings.HasPrefix(s.Requests()[0].Answer, c.Message.Content) {
			t.Errorf("got %+v", out)
		}
	})

	t.Run("the script is consumed in order, then the default answers", func(t *testing.T) {
		s := New(t, Script(Status429, Status(400)), Default(Status500))
		var got []int
		for range 4 {
			got = append(got, post(t, s.URL()+"/chat/completions", "", chatBody(true)).StatusCode)
		}
		if want := []int{429, 400, 500, 500}; !equal(got, want) || s.ChatCalls() != 4 {
			t.Errorf("statuses %v, want %v", got, want)
		}
	})

	t.Run("429 says Retry-After 1 and errors echo the Authorization header", func(t *testing.T) {
		s := New(t, Script(Status429))
		resp := post(t, s.URL()+"/chat/completions", "sk-x", chatBody(true))
		body, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), "Bearer sk-x") {
			t.Errorf("headers %v, body %s", resp.Header, body)
		}
	})

	t.Run("with an API key set, other keys are refused", func(t *testing.T) {
		s := New(t, APIKey("sk-right"))
		if st := post(t, s.URL()+"/chat/completions", "sk-wrong", chatBody(true)).StatusCode; st != 401 {
			t.Errorf("status %d", st)
		}
		if st := post(t, s.URL()+"/embeddings", "sk-right", map[string]any{"input": "x"}).StatusCode; st != 200 {
			t.Errorf("status %d with the right key", st)
		}
	})

	t.Run("embeddings are deterministic unit vectors of the asked dimension", func(t *testing.T) {
		s := New(t, Dim(16))
		embed := func(body map[string]any) [][]float32 {
			var out struct {
				Data []struct{ Embedding []float32 }
			}
			json.NewDecoder(post(t, s.URL()+"/embeddings", "", body).Body).Decode(&out)
			var vs [][]float32
			for _, d := range out.Data {
				vs = append(vs, d.Embedding)
			}
			return vs
		}
		vs := embed(map[string]any{"model": "e", "input": []string{"家庭医生签约", "家庭医生签约服务", "污水处理"}})
		if len(vs) != 3 || len(vs[0]) != 16 {
			t.Fatalf("got %d vectors of %d", len(vs), len(vs[0]))
		}
		var norm float64
		for _, x := range vs[0] {
			norm += float64(x * x)
		}
		if math.Abs(norm-1) > 1e-5 {
			t.Errorf("norm² = %v", norm)
		}
		if dot(vs[0], vs[1]) <= dot(vs[0], vs[2]) {
			t.Errorf("similar texts are not nearer: %v vs %v", dot(vs[0], vs[1]), dot(vs[0], vs[2]))
		}
		again := embed(map[string]any{"input": "家庭医生签约", "dimensions": 4})
		if len(again) != 1 || len(again[0]) != 4 || s.EmbeddingCalls() != 2 {
			t.Errorf("dimensions not honoured: %v", again)
		}
		if v := Vector("家庭医生签约", 16); dot(v, vs[0]) < 0.9999 {
			t.Errorf("Vector differs from the served embedding")
		}
	})
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i] * b[i])
	}
	return s
}

func TestEdit(t *testing.T) {
	s := &Server{}
	tests := []struct {
		name, previous, want string
	}{
		{"a marked clause goes and the clause before it ends the sentence",
			"一是累计完成【f1】，相关做法⟦得到省卫生健康委充分肯定⟧〔1〕。二是服务规模达到【f2】，覆盖【f3】。",
			"一是累计完成【f1】。二是服务规模达到【f2】，覆盖【f3】。"},
		{"a mark across clauses takes them all",
			"一是累计完成【f1】【f2】【f3】，⟦位居全省前列，群众满意度达到98%⟧〔1〕，各项工作有序推进。",
			"一是累计完成【f1】【f2】【f3】，各项工作有序推进。"},
		{"a figure the answer lacks is added",
			"一是累计完成【f1】，服务规模达到⟦98%⟧〔1〕。",
			"一是累计完成【f1】。同时，累计完成【f2】。同时，累计完成【f3】。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.answer(Edit, user+"\n\n<<<上一稿\n"+tt.previous+"\n>>>")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a first request, with no previous answer, is answered as Follow", func(t *testing.T) {
		if got, want := s.answer(Edit, user), s.answer(Follow, user); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("tokens of the previous answer are no figures of the data list", func(t *testing.T) {
		got := s.answer(Follow, user+"\n\n<<<上一稿\n新增【f9】。\n>>>")
		if strings.Contains(got, "【f9】") || len(FigureIDs(got)) != 3 {
			t.Errorf("%q", got)
		}
	})
	t.Run("Plant adds its text to a Follow answer", func(t *testing.T) {
		if got := s.answer(Plant("群众满意度达到98%。"), user); got != s.answer(Follow, user)+"群众满意度达到98%。" {
			t.Errorf("%q", got)
		}
	})
}

func TestCheckAnswer(t *testing.T) {
	const text = "一是累计完成36239人。签约服务做法吸引了多个省份前来观摩。"
	checkUser := "数据：…\n\n<<<正文\n" + text + "\n>>>\n\n请只输出 json 对象。"
	s := &Server{finds: []Finding{
		{Span: "吸引了多个省份前来观摩", Kind: "honour", Reason: "撰稿人没有提供外地观摩的情况。"},
		{Span: "位居全省第一", Kind: "ranking", Reason: "没有排名依据。"}, // not in the text
	}}
	exact := `{"span":"吸引了多个省份前来观摩","kind":"honour","reason":"撰稿人没有提供外地观摩的情况。"}`
	t.Run("Follow lists the findings the text holds as one JSON object", func(t *testing.T) {
		if got := s.checkAnswer(Follow, checkUser); got != `{"claims":[`+exact+`]}` {
			t.Errorf("%s", got)
		}
	})
	t.Run("with nothing to find the claims are an empty list", func(t *testing.T) {
		if got := (&Server{}).checkAnswer(Follow, checkUser); got != `{"claims":[]}` {
			t.Errorf("%s", got)
		}
	})
	t.Run("SloppyCheck wraps the JSON in prose and a fence and adds findings no checker can use", func(t *testing.T) {
		got := s.checkAnswer(SloppyCheck, checkUser)
		for _, want := range []string{"好的", "```json\n{", "}\n```\n", `"span": "“吸引了多个省份前来观摩”"`, `"span": "吸引了……"`, `"kind": "exaggeration"`, `"另有若干表述需要核实"`} {
			if !strings.Contains(got, want) {
				t.Errorf("answer lacks %q:\n%s", want, got)
			}
		}
		body := got[strings.Index(got, "{") : strings.LastIndex(got, "}")+1]
		var v struct{ Claims []json.RawMessage }
		if err := json.Unmarshal([]byte(body), &v); err != nil || len(v.Claims) != 5 {
			t.Errorf("the fenced JSON does not parse to 5 items (%v):\n%s", err, body)
		}
	})
	t.Run("MalformedCheck answers a Python dict, no JSON", func(t *testing.T) {
		got := s.checkAnswer(MalformedCheck, checkUser)
		body := got[strings.Index(got, "{") : strings.LastIndex(got, "}")+1]
		if !strings.Contains(got, "'span': '吸引了多个省份前来观摩'") || json.Valid([]byte(body)) {
			t.Errorf("%s", got)
		}
	})
	t.Run("a request asking for a JSON object is a check, logged with its response format", func(t *testing.T) {
		srv := New(t, Finds(s.finds...))
		body := chatBody(true)
		body["messages"] = []map[string]string{{"role": "system", "content": "核稿"}, {"role": "user", "content": checkUser}}
		body["response_format"] = map[string]string{"type": "json_object"}
		post(t, srv.URL()+"/chat/completions", "", body)
		if r := srv.Requests()[0]; r.ResponseFormat != "json_object" || r.Answer != `{"claims":[`+exact+`]}` || r.CompletionTokens == 0 {
			t.Errorf("logged %+v", r)
		}
	})
}
