// Package openaitest is a fake OpenAI-compatible server for tests: POST /v1/chat/completions
// (streamed or not) answered by scripted behaviours, well-behaved or not, and POST /v1/embeddings
// with deterministic vectors. A chat request that asks for a JSON object (response_format
// json_object or json_schema) is a claim check, answered with the Findings its text holds. A chat
// request that fences a sentence as "<<<原句" … ">>>" is a rewrite of that sentence (see Rewritten).
package openaitest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Behaviour is how the fake answers one chat request.
type Behaviour struct {
	name   string
	kind   kind
	status int           // for kindStatus
	finish string        // for kindFinish
	delay  time.Duration // for kindSlow
	text   string        // for kindPlant
}

// String returns the behaviour's name as logged in Request.Behaviour.
func (b Behaviour) String() string { return b.name }

type kind int

const (
	kindFollow kind = iota
	kindWrongDigits
	kindRound
	kindChineseNumerals
	kindInventPercent
	kindInventRanking
	kindDropFigure
	kindCopyPassage
	kindStatus
	kindStall
	kindCutStream
	kindFinish
	kindSlow
	kindPlant
	kindEdit
	kindSloppyCheck
	kindMalformedCheck
)

// Behaviours. All but the failures answer with 2–4 sentences in house style built from the figure
// tokens of the user message, then a finish_reason "stop" and, when asked, a usage chunk.
var (
	// Follow writes every figure token exactly once and no number of its own.
	Follow = Behaviour{name: "Follow", kind: kindFollow}
	// WrongDigits writes a different number in place of the first token: its value plus one in the
	// last digit when Values knows it ("36240人" for 36239人), else "36240人".
	WrongDigits = Behaviour{name: "WrongDigits", kind: kindWrongDigits}
	// Round writes a rounded form in place of the first token ("3.6万人" for 36239人, "约1000人" for
	// 1026人); without Values it writes "3.6万人".
	Round = Behaviour{name: "Round", kind: kindRound}
	// ChineseNumerals spells the first token's value in Chinese ("一千零二十六人") when Values
	// knows an integer value for it, else keeps every token and adds "派出两支医疗队".
	ChineseNumerals = Behaviour{name: "ChineseNumerals", kind: kindChineseNumerals}
	// InventPercent adds "群众满意度达到98%。".
	InventPercent = Behaviour{name: "InventPercent", kind: kindInventPercent}
	// InventRanking adds "相关工作位居全市第一。".
	InventRanking = Behaviour{name: "InventRanking", kind: kindInventRanking}
	// DropFigure leaves out the last figure token.
	DropFigure = Behaviour{name: "DropFigure", kind: kindDropFigure}
	// CopyPassage answers with the text of the first passage fenced as "<<<资料 …" … ">>>", verbatim.
	CopyPassage = Behaviour{name: "CopyPassage", kind: kindCopyPassage}
	// Status429 refuses with 429 and Retry-After: 1.
	Status429 = Status(http.StatusTooManyRequests)
	// Status500 fails with 500.
	Status500 = Status(http.StatusInternalServerError)
	// Stall accepts the request (a streamed one gets its 200 headers) and then sends nothing until
	// the client gives up or the server closes.
	Stall = Behaviour{name: "Stall", kind: kindStall}
	// CutStream sends about half of the answer and closes without a finish_reason (a non-streamed
	// answer is cut mid-JSON).
	CutStream = Behaviour{name: "CutStream", kind: kindCutStream}
	// LengthFinish ends the answer halfway with finish_reason "length".
	LengthFinish = Finish("length")
	// Edit answers a retry that shows the previous answer (fenced as "<<<上一稿" … ">>>") the way a
	// model asked for a minimal edit does: every clause holding a ⟦marked⟧ problem goes, the rest stays
	// word for word, and a figure token of the data list the answer lacks is added in a clause of its
	// own. A request with no previous answer it answers as Follow.
	Edit = Behaviour{name: "Edit", kind: kindEdit}
	// SloppyCheck answers a claim check the way chatty models do: a preface, the JSON in a ```json
	// fence, then a closing remark; beside each finding it lists the same one with its span quoted
	// (“…”) and shortened with an ellipsis, and it adds an item of a kind nobody asked for and an item
	// that is a bare string. Only the exact findings are usable.
	SloppyCheck = Behaviour{name: "SloppyCheck", kind: kindSloppyCheck}
	// MalformedCheck answers a claim check with its findings as a Python dict, single quotes and all:
	// no JSON. Other requests it answers as Follow.
	MalformedCheck = Behaviour{name: "MalformedCheck", kind: kindMalformedCheck}
)

// Plant answers as Follow and then adds text: the claim a test plants for the checks to catch, as a
// model that invents one.
func Plant(text string) Behaviour {
	return Behaviour{name: "Plant(" + text + ")", kind: kindPlant, text: text}
}

// Status answers with an HTTP error status and an OpenAI-style error body; 429 comes with
// Retry-After: 1. Like some proxies, the error message echoes the request's Authorization header,
// so tests can check that a client never repeats its key.
func Status(code int) Behaviour {
	return Behaviour{name: "Status" + strconv.Itoa(code), kind: kindStatus, status: code}
}

// Finish ends the answer halfway with the given finish_reason ("length", "content_filter").
func Finish(reason string) Behaviour {
	return Behaviour{name: "Finish(" + reason + ")", kind: kindFinish, finish: reason}
}

// Slow waits d (or until the request is cancelled) and then answers as Follow.
func Slow(d time.Duration) Behaviour {
	return Behaviour{name: "Slow(" + d.String() + ")", kind: kindSlow, delay: d}
}

// Option configures a Server.
type Option func(*Server)

// Default sets the behaviour for chat requests the script does not cover (Follow if unset).
func Default(b Behaviour) Option { return func(s *Server) { s.def = b } }

// Script sets the behaviours of the first chat requests, in order; later ones get the default.
// Every HTTP request counts, retries included.
func Script(bs ...Behaviour) Option {
	return func(s *Server) { s.script = append(s.script, bs...) }
}

// Values tells the fake the figures' texts by ID ("f1": "36239人"), which the prompt withholds,
// so WrongDigits, Round and ChineseNumerals can misstate them the way a model would.
func Values(v map[string]string) Option { return func(s *Server) { s.values = v } }

// Finding is a claim the fake's claim check reports when the text it checks holds Span.
type Finding struct {
	Span   string `json:"span"`
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

// Finds sets the claims the fake's claim check can find (none if unset). A check answered as Follow
// lists those whose span the checked text holds, exactly, as {"claims":[…]}.
func Finds(fs ...Finding) Option { return func(s *Server) { s.finds = append(s.finds, fs...) } }

// Dim sets the dimension of embedding vectors (default 8) when a request does not ask for one.
func Dim(n int) Option { return func(s *Server) { s.dim = n } }

// Model sets the model name the fake reports (default "fake-model").
func Model(name string) Option { return func(s *Server) { s.model = name } }

// APIKey makes the fake refuse with 401 any request without "Authorization: Bearer key".
func APIKey(key string) Option { return func(s *Server) { s.key = key } }

// NoUsage makes the fake omit the usage chunk even when the request asks for it, as some servers do.
func NoUsage() Option { return func(s *Server) { s.noUsage = true } }

// Request is one request the fake received, with what it answered.
type Request struct {
	Path         string
	Auth         string // the Authorization header
	Behaviour    string // for chat requests
	Stream       bool
	IncludeUsage bool // stream_options.include_usage
	Model        string
	MaxTokens    int // max_tokens, or max_completion_tokens when that was sent instead
	Temperature  float32
	// ResponseFormat is response_format.type: "json_object" or "json_schema" for a claim check, "" else.
	ResponseFormat string
	System, User   string
	Input          []string // embedding inputs

	Answer           string // the text the fake meant to write, in full
	PromptTokens     int
	CompletionTokens int
}

// Server is a fake OpenAI-compatible server, closed when the test ends.
type Server struct {
	srv  *httptest.Server
	done chan struct{}

	mu      sync.Mutex
	def     Behaviour
	script  []Behaviour
	values  map[string]string
	finds   []Finding
	dim     int
	model   string
	key     string
	noUsage bool
	log     []Request
	chats   int
	embeds  int
}

// New starts a fake server; it is closed when t ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{def: Follow, dim: 8, model: "fake-model", done: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/embeddings", s.embeddings)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(s.done) // release stalled handlers first: Close waits for them
		s.srv.Close()
	})
	return s
}

// URL returns the base URL clients are configured with, ending in /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// ChatCalls returns how many chat requests arrived, retries included.
func (s *Server) ChatCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chats
}

// EmbeddingCalls returns how many embedding requests arrived.
func (s *Server) EmbeddingCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.embeds
}

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Stream              bool    `json:"stream"`
	MaxTokens           int     `json:"max_tokens"`
	MaxCompletionTokens int     `json:"max_completion_tokens"`
	Temperature         float32 `json:"temperature"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	ResponseFormat *struct {
		Type string `json:"type"`
	} `json:"response_format"`
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	err := json.NewDecoder(r.Body).Decode(&req)
	logged := Request{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Model: req.Model, Stream: req.Stream,
		MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	if req.MaxTokens == 0 {
		logged.MaxTokens = req.MaxCompletionTokens
	}
	logged.IncludeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	if req.ResponseFormat != nil && req.ResponseFormat.Type != "text" {
		logged.ResponseFormat = req.ResponseFormat.Type
	}
	for _, m := range req.Messages {
		switch m.Role {
		case "system":
			logged.System += m.Content
		case "user":
			logged.User += m.Content
		}
	}

	s.mu.Lock()
	s.chats++
	b := s.def
	if len(s.script) > 0 {
		b, s.script = s.script[0], s.script[1:]
	}
	logged.Behaviour = b.name
	if b.kind != kindStatus && err == nil && s.authorized(logged.Auth) {
		if logged.ResponseFormat != "" {
			logged.Answer = s.checkAnswer(b, logged.User)
		} else {
			logged.Answer = s.answer(b, logged.User)
		}
		logged.PromptTokens = utf8.RuneCountInString(logged.System + logged.User)
		logged.CompletionTokens = utf8.RuneCountInString(logged.Answer)
	}
	s.log = append(s.log, logged)
	s.mu.Unlock()

	switch {
	case !s.authorized(logged.Auth):
		s.fail(w, r, http.StatusUnauthorized, "invalid api key")
		return
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, "malformed request: "+err.Error())
		return
	case b.kind == kindStatus:
		s.fail(w, r, b.status, "scripted failure")
		return
	case b.kind == kindSlow:
		if !s.wait(r.Context(), b.delay) {
			return
		}
	case b.kind == kindStall && !req.Stream:
		s.wait(r.Context(), -1)
		return
	}

	finish := "stop"
	text := logged.Answer
	switch b.kind {
	case kindFinish:
		finish = b.finish
		text = string([]rune(text)[:utf8.RuneCountInString(text)/2])
	case kindCutStream:
		finish = ""
		text = string([]rune(text)[:utf8.RuneCountInString(text)/2])
	}
	usage := map[string]int{"prompt_tokens": logged.PromptTokens, "completion_tokens": logged.CompletionTokens,
		"total_tokens": logged.PromptTokens + logged.CompletionTokens}
	if !req.Stream {
		body, _ := json.Marshal(map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion", "created": 1700000000, "model": s.model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]string{"role": "assistant", "content": text}, "finish_reason": finish}},
			"usage":   usage,
		})
		w.Header().Set("Content-Type", "application/json")
		if b.kind == kindCutStream {
			body = body[:len(body)/2]
		}
		w.Write(body)
		return
	}

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	flush()
	if b.kind == kindStall {
		s.wait(r.Context(), -1)
		return
	}
	send := func(v any) {
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", data)
		flush()
	}
	chunk := func(delta map[string]string, finish any) map[string]any {
		return map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": s.model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}},
		}
	}
	send(chunk(map[string]string{"role": "assistant", "content": ""}, nil))
	rs := []rune(text)
	for i := 0; i < len(rs); i += chunkRunes {
		send(chunk(map[string]string{"content": string(rs[i:min(i+chunkRunes, len(rs))])}, nil))
	}
	if finish == "" {
		return // cut: no finish_reason, no [DONE]
	}
	send(chunk(map[string]string{}, finish))
	if logged.IncludeUsage && !s.noUsage {
		send(map[string]any{
			"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1700000000, "model": s.model,
			"choices": []any{}, "usage": usage,
		})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	flush()
}

// chunkRunes is how many characters each streamed chunk carries.
const chunkRunes = 6

func (s *Server) authorized(auth string) bool { return s.key == "" || auth == "Bearer "+s.key }

// wait sleeps d (forever if d < 0) and reports whether it was not interrupted by the request's
// cancellation or the server's closing.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	var after <-chan time.Time
	if d >= 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		after = tm.C
	}
	select {
	case <-after:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": fmt.Sprintf("fake: %s (Authorization: %s)", msg, r.Header.Get("Authorization")),
		"type":    "fake_error",
	}})
}

type embeddingRequest struct {
	Input      json.RawMessage `json:"input"`
	Model      string          `json:"model"`
	Dimensions int             `json:"dimensions"`
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var req embeddingRequest
	err := json.NewDecoder(r.Body).Decode(&req)
	var inputs []string
	if err == nil {
		if err = json.Unmarshal(req.Input, &inputs); err != nil {
			var one string
			if err = json.Unmarshal(req.Input, &one); err == nil {
				inputs = []string{one}
			}
		}
	}
	logged := Request{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), Model: req.Model, Input: inputs}
	s.mu.Lock()
	s.embeds++
	s.log = append(s.log, logged)
	dim := s.dim
	s.mu.Unlock()
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	switch {
	case !s.authorized(logged.Auth):
		s.fail(w, r, http.StatusUnauthorized, "invalid api key")
		return
	case err != nil:
		s.fail(w, r, http.StatusBadRequest, "malformed request: "+err.Error())
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	data := make([]item, len(inputs))
	tokens := 0
	for i, in := range inputs {
		data[i] = item{"embedding", i, Vector(in, dim)}
		tokens += utf8.RuneCountInString(in)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}

// Vector is the fake's embedding of text: character bigrams hashed into dim buckets, L2-normalised,
// so texts sharing words are near each other. It is deterministic across runs.
func Vector(text string, dim int) []float32 {
	v := make([]float32, dim)
	rs := []rune(text)
	add := func(s string) {
		h := fnv.New32a()
		h.Write([]byte(s))
		v[h.Sum32()%uint32(dim)]++
	}
	add(text) // never the zero vector
	for i := 0; i+1 < len(rs); i++ {
		add(string(rs[i : i+2]))
	}
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

var tokenRE = regexp.MustCompile(`【([A-Za-z0-9_.\-]+)】`)

// FigureIDs returns the IDs of the figure tokens of a prompt, each once, in order of appearance.
func FigureIDs(user string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range tokenRE.FindAllStringSubmatch(user, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	return ids
}

// answer writes the text of behaviour b for a user message.
func (s *Server) answer(b Behaviour, user string) string {
	if sentence := fenced(user, rewriteFence); sentence != "" {
		return s.rewrite(b, user, sentence)
	}
	ids := FigureIDs(withoutFence(user, previousFence)) // tokens of the previous answer are no data
	switch b.kind {
	case kindDropFigure:
		if len(ids) > 0 {
			ids = ids[:len(ids)-1]
		}
	case kindCopyPassage:
		if p := fenced(user, "<<<资料"); p != "" {
			return p
		}
	case kindEdit:
		if prev := fenced(user, previousFence); prev != "" {
			return edit(prev, ids)
		}
	}
	text := houseStyle(ids)
	first := ""
	if len(ids) > 0 {
		first = "【" + ids[0] + "】"
	}
	value, known := s.values[strings.Trim(first, "【】")]
	num, unit, ok := splitNumber(value)
	switch b.kind {
	case kindWrongDigits:
		wrong := "36240人"
		if known && ok {
			wrong = bump(num) + unit
		}
		text = replaceFirst(text, first, wrong)
	case kindRound:
		rounded := "3.6万人"
		if known && ok {
			rounded = round(num) + unit
		}
		text = replaceFirst(text, first, rounded)
	case kindChineseNumerals:
		if n, err := strconv.ParseInt(num, 10, 64); known && ok && err == nil && n >= 0 && n < 1e8 {
			text = replaceFirst(text, first, chinese(n)+unit)
		} else {
			text = strings.Replace(text, "，", "，派出两支医疗队，", 1)
		}
	case kindInventPercent:
		text += "群众满意度达到98%。"
	case kindInventRanking:
		text += "相关工作位居全市第一。"
	case kindPlant:
		text += b.text
	}
	return text
}

// previousFence opens the previous answer in a retry's prompt.
const previousFence = "<<<上一稿"

// clauseEnds end a clause; the first five end a sentence too.
const clauseEnds = "。！？；\n，、"

// edit edits a previous answer as Edit does.
func edit(prev string, ids []string) string {
	var b strings.Builder
	marked := false // inside a mark that spans clauses
	for _, c := range splitClauses(prev) {
		open, shut := strings.LastIndex(c, "⟦"), strings.LastIndex(c, "⟧")
		drop := marked || open >= 0
		marked = open > shut || marked && shut < 0
		if !drop {
			b.WriteString(c)
			continue
		}
		// A dropped clause that ended a sentence leaves the clause before it to end it.
		end, _ := utf8.DecodeLastRuneInString(c)
		kept := b.String()
		if last, size := utf8.DecodeLastRuneInString(kept); strings.ContainsRune("。！？；\n", end) && (last == '，' || last == '、') {
			b.Reset()
			b.WriteString(kept[:len(kept)-size] + string(end))
		}
	}
	text := strings.TrimSpace(markRE.ReplaceAllString(b.String(), ""))
	for _, id := range ids {
		if !strings.Contains(text, "【"+id+"】") {
			text += "同时，累计完成【" + id + "】。"
		}
	}
	if text == "" {
		return houseStyle(ids)
	}
	return text
}

// markRE matches what is left of the marks of a previous answer.
var markRE = regexp.MustCompile(`⟦|⟧|〔[0-9]+〕`)

// splitClauses cuts text after each clause end, keeping the ends.
func splitClauses(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		if strings.ContainsRune(clauseEnds, r) {
			end := i + utf8.RuneLen(r)
			out = append(out, text[start:end])
			start = end
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// checkAnswer writes behaviour b's answer to a claim check: the Findings whose span the checked
// text (fenced as "<<<正文" … ">>>") holds.
func (s *Server) checkAnswer(b Behaviour, user string) string {
	text := fenced(user, "<<<正文")
	items := []Finding{}
	for _, f := range s.finds {
		if f.Span != "" && strings.Contains(text, f.Span) {
			items = append(items, f)
		}
	}
	switch b.kind {
	case kindSloppyCheck:
		sloppy := []any{}
		for _, f := range items {
			short := []rune(f.Span)
			quoted, cut := f, f
			quoted.Span = "“" + f.Span + "”"
			cut.Span = string(short[:min(3, len(short))]) + "……"
			sloppy = append(sloppy, f, quoted, cut)
		}
		sloppy = append(sloppy, Finding{Span: text, Kind: "exaggeration", Reason: "整体表述偏于拔高。"}, "另有若干表述需要核实")
		body, _ := json.MarshalIndent(map[string]any{"claims": sloppy}, "", "  ")
		return "好的，以下是核查结果：\n```json\n" + string(body) + "\n```\n以上说法请结合实际材料进一步核实。"
	case kindMalformedCheck:
		var parts []string
		for _, f := range items {
			parts = append(parts, fmt.Sprintf("{'span': '%s', 'kind': '%s', 'reason': '%s'}", f.Span, f.Kind, f.Reason))
		}
		return "核查结果如下：{'claims': [" + strings.Join(parts, ", ") + "]}"
	}
	body, _ := json.Marshal(map[string]any{"claims": items})
	return string(body)
}

var (
	openers = []string{"一是持续夯实基础工作，", "二是不断提升服务能力，", "三是深化重点领域改革，", "四是强化督导考核落实，"}
	clauses = []string{"累计完成%s", "服务规模达到%s", "全年共计%s", "覆盖%s"}
)

// houseStyle writes 2–4 sentences in the 一是…二是… style using each ID's token exactly once.
func houseStyle(ids []string) string {
	n := min(max(len(ids), 2), 4)
	var b strings.Builder
	for i := range n {
		b.WriteString(openers[i])
		var cs []string
		for j := i; j < len(ids); j += n {
			cs = append(cs, fmt.Sprintf(clauses[(j/n)%len(clauses)], "【"+ids[j]+"】"))
		}
		if len(cs) == 0 {
			cs = []string{"各项工作有序推进"}
		}
		b.WriteString(strings.Join(cs, "，"))
		b.WriteString("。")
	}
	return b.String()
}

// fenced returns the text fenced by the first line starting with opener and the next ">>>" line.
func fenced(user, opener string) string {
	lines := strings.Split(user, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, opener) {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			if lines[j] == ">>>" {
				return strings.Join(lines[i+1:j], "\n")
			}
		}
	}
	return ""
}

// withoutFence returns user without the block fenced by the first line starting with opener.
func withoutFence(user, opener string) string {
	inner := fenced(user, opener)
	if inner == "" {
		return user
	}
	return strings.Replace(user, inner, "", 1)
}

func replaceFirst(text, old, new string) string {
	if old == "" {
		return new + "。" + text
	}
	return strings.Replace(text, old, new, 1)
}

var numberRE = regexp.MustCompile(`^(-?[0-9]+(?:\.[0-9]+)?)(.*)$`)

// splitNumber splits a figure's text into its number and unit.
func splitNumber(s string) (num, unit string, ok bool) {
	m := numberRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// bump adds one to the last digit: 36239 → 36240, 226.7 → 226.8.
func bump(num string) string {
	dec := 0
	if i := strings.IndexByte(num, '.'); i >= 0 {
		dec = len(num) - i - 1
	}
	v, _ := strconv.ParseFloat(num, 64)
	return strconv.FormatFloat(v+math.Pow10(-dec), 'f', dec, 64)
}

// round writes num the way a careless writer rounds it: 36239 → 3.6万, 226.7 → 约227, 1026 → 约1000.
func round(num string) string {
	v, _ := strconv.ParseFloat(num, 64)
	switch {
	case math.Abs(v) >= 10000:
		return strconv.FormatFloat(v/10000, 'f', 1, 64) + "万"
	case strings.Contains(num, "."):
		return "约" + strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case math.Abs(v) >= 10:
		p := math.Pow10(int(math.Floor(math.Log10(math.Abs(v)))) - 1) // two significant digits
		return "约" + strconv.FormatFloat(math.Round(v/p)*p, 'f', 0, 64)
	}
	return "约" + num
}

// chinese spells 0 ≤ n < 10⁸ in Chinese numerals: 1026 → 一千零二十六.
func chinese(n int64) string {
	if n == 0 {
		return "零"
	}
	s := ""
	hi, lo := n/10000, n%10000
	if hi > 0 {
		s = chineseSection(hi)
		if hi >= 10 && hi < 20 {
			s = strings.TrimPrefix(s, "一") // 十一万, not 一十一万
		}
		s += "万"
		if lo > 0 && lo < 1000 {
			s += "零"
		}
	}
	if lo > 0 {
		s += chineseSection(lo)
	}
	if n >= 10 && n < 20 {
		s = strings.TrimPrefix(s, "一") // 十二, not 一十二
	}
	return s
}

func chineseSection(n int64) string {
	const digits = "零一二三四五六七八九"
	units := []string{"", "十", "百", "千"}
	var b strings.Builder
	zero := false
	for pos := 3; pos >= 0; pos-- {
		d := n / int64(math.Pow10(pos)) % 10
		if d == 0 {
			zero = b.Len() > 0
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(string([]rune(digits)[d]) + units[pos])
	}
	return b.String()
}

// rewriteFence opens the sentence of a rewrite request.
const rewriteFence = "<<<原句"

// Rewritten is how the fake answers a rewrite request for sentence (with its figure tokens) when
// the task line says mode (改写, 扩写 or 缩写): 改写 swaps a few words (or, when none is there,
// opens with a phrase), 扩写 adds a closing clause, 缩写 keeps only the clauses that hold a token.
// Every token is kept exactly once. Behaviours then misbehave on it as on a section: DropFigure
// leaves out the last token, WrongDigits writes a number in place of the first, InventPercent,
// InventRanking and Plant add their sentence.
func Rewritten(mode, sentence string) string {
	text := strings.TrimSpace(sentence)
	switch mode {
	case "扩写":
		return strings.TrimRight(text, "。") + "，为推动各项工作提质增效打下了坚实基础。"
	case "缩写":
		var kept []string
		for _, c := range strings.Split(strings.TrimRight(text, "。"), "，") {
			if tokenRE.MatchString(c) {
				kept = append(kept, c)
			}
		}
		if len(kept) == 0 {
			return text
		}
		return strings.Join(kept, "，") + "。"
	}
	swapped := synonyms.Replace(text)
	if swapped == text {
		return "在各方共同努力下，" + text
	}
	return swapped
}

// synonyms are the words 改写 swaps.
var synonyms = strings.NewReplacer("持续", "不断", "推进", "推动", "累计完成", "共完成", "提升", "提高", "达到", "达")

// rewrite writes behaviour b's answer to a rewrite request for sentence.
func (s *Server) rewrite(b Behaviour, user, sentence string) string {
	mode := "改写"
	for _, m := range []string{"扩写", "缩写"} {
		if strings.Contains(user, "任务："+m) {
			mode = m
		}
	}
	text := Rewritten(mode, sentence)
	ids := FigureIDs(sentence)
	switch b.kind {
	case kindDropFigure:
		if len(ids) > 0 {
			text = strings.Replace(text, "【"+ids[len(ids)-1]+"】", "", 1)
		}
	case kindWrongDigits:
		if len(ids) > 0 {
			value, known := s.values[ids[0]]
			wrong := "36240人"
			if num, unit, ok := splitNumber(value); known && ok {
				wrong = bump(num) + unit
			}
			text = strings.Replace(text, "【"+ids[0]+"】", wrong, 1)
		}
	case kindInventPercent:
		text += "群众满意度达到98%。"
	case kindInventRanking:
		text += "相关工作位居全市第一。"
	case kindPlant:
		text += b.text
	}
	return text
}
