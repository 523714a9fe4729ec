package openai

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/openai/openaitest"
	"github.com/draftd/draftd/retrieval"
	ropenai "github.com/draftd/draftd/retrieval/openai"
)

const testKey = "sk-test-secret-4242"

// testClient returns a client of srv whose retry waits are recorded and, with pause set, really slept.
func testClient(t *testing.T, srv *openaitest.Server, key string, pause time.Duration, edit func(*Config)) (*Client, func() []time.Duration) {
	t.Helper()
	cfg := Config{BaseURL: srv.URL(), APIKey: key, Model: "fake-model", Timeout: 5 * time.Second, IdleTimeout: 2 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	var mu sync.Mutex
	var waits []time.Duration
	c := newClient(cfg, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		if pause > 0 {
			return ropenai.Sleep(ctx, pause)
		}
		return ctx.Err()
	})
	return c, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), waits...)
	}
}

var testRequest = draft.CompletionRequest{
	System: "你是撰稿人。",
	User:   "数据清单：\n- 【f1】：家庭医生签约服务人数\n- 【f2】：基层诊疗量\n- 【f3】：门诊量",
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name    string
		opts    []openaitest.Option
		req     draft.CompletionRequest
		key     string        // client's key; testKey when empty
		pause   time.Duration // real wait per retry
		config  func(*Config)
		cancel  bool // the caller's context is cancelled after 50ms
		calls   int
		waits   int
		wantErr string // substring of the error; "" for success
		check   func(t *testing.T, c draft.Completion, reqs []openaitest.Request, waits []time.Duration)
	}{
		{
			name:  "a well-behaved answer is assembled from its chunks with its usage",
			calls: 1,
			check: func(t *testing.T, c draft.Completion, reqs []openaitest.Request, _ []time.Duration) {
				r := reqs[0]
				if c.Text != r.Answer || len([]rune(r.Answer)) < 20 {
					t.Errorf("text = %q, want the fake's whole answer %q", c.Text, r.Answer)
				}
				if want := (draft.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens}); c.Usage != want || want.PromptTokens == 0 {
					t.Errorf("usage = %+v, want %+v", c.Usage, want)
				}
				if c.FinishReason != "stop" || c.Model != "fake-model" {
					t.Errorf("finish_reason %q, model %q", c.FinishReason, c.Model)
				}
			},
		},
		{
			name:  "the request streams, asks for usage and caps max_tokens at the default",
			calls: 1,
			check: func(t *testing.T, _ draft.Completion, reqs []openaitest.Request, _ []time.Duration) {
				r := reqs[0]
				if !r.Stream || !r.IncludeUsage || r.MaxTokens != DefaultMaxTokens || r.Model != "fake-model" {
					t.Errorf("request: stream %v, include_usage %v, max_tokens %d, model %q", r.Stream, r.IncludeUsage, r.MaxTokens, r.Model)
				}
				if r.System != testRequest.System || r.User != testRequest.User || r.Auth != "Bearer "+testKey || r.ResponseFormat != "" {
					t.Errorf("messages or key not sent as given: %+v", r)
				}
			},
		},
		{
			name:  "a request's own max_tokens and temperature are sent",
			req:   draft.CompletionRequest{System: "s", User: "u【f1】", MaxTokens: 300, Temperature: 0.25},
			calls: 1,
			check: func(t *testing.T, _ draft.Completion, reqs []openaitest.Request, _ []time.Duration) {
				if r := reqs[0]; r.MaxTokens != 300 || r.Temperature != 0.25 {
					t.Errorf("max_tokens %d, temperature %v; want 300, 0.25", r.MaxTokens, r.Temperature)
				}
			},
		},
		{
			name:  "a request for JSON asks for a json_object; others ask for no format",
			req:   draft.CompletionRequest{System: "只输出 json 对象。", User: "正文", JSON: true},
			calls: 1,
			check: func(t *testing.T, _ draft.Completion, reqs []openaitest.Request, _ []time.Duration) {
				if r := reqs[0]; r.ResponseFormat != "json_object" {
					t.Errorf("response_format %q, want json_object", r.ResponseFormat)
				}
			},
		},
		{
			name:   "the configured max_tokens and temperature apply when a request sets none",
			config: func(c *Config) { c.MaxTokens = 800; c.Temperature = 0.7 },
			calls:  1,
			check: func(t *testing.T, _ draft.Completion, reqs []openaitest.Request, _ []time.Duration) {
				if r := reqs[0]; r.MaxTokens != 800 || r.Temperature != 0.7 {
					t.Errorf("max_tokens %d, temperature %v; want 800, 0.7", r.MaxTokens, r.Temperature)
				}
			},
		},
		{
			name:  "a 429 is retried after the server's Retry-After",
			opts:  []openaitest.Option{openaitest.Script(openaitest.Status429)},
			calls: 2, waits: 1,
			check: func(t *testing.T, c draft.Completion, _ []openaitest.Request, waits []time.Duration) {
				if waits[0] < time.Second || waits[0] > 1200*time.Millisecond {
					t.Errorf("waited %v, want Retry-After's 1s plus at most 20%% jitter", waits[0])
				}
				if c.Text == "" {
					t.Error("no text after the retry")
				}
			},
		},
		{
			name:  "500s are retried",
			opts:  []openaitest.Option{openaitest.Script(openaitest.Status500, openaitest.Status500)},
			calls: 3, waits: 2,
		},
		{
			name:  "retries stop after four tries",
			opts:  []openaitest.Option{openaitest.Default(openaitest.Status500)},
			calls: 4, waits: 3, wantErr: "HTTP 500",
		},
		{
			name:  "a 400 is not retried and its message reaches the user without the key",
			opts:  []openaitest.Option{openaitest.Script(openaitest.Status(400))},
			calls: 1, wantErr: "HTTP 400: fake: scripted failure (Authorization: Bearer [redacted])",
		},
		{
			name:  "a wrong key is refused without repeating it",
			key:   "sk-wrong-key-9999",
			calls: 1, wantErr: "HTTP 401",
		},
		{
			name:    "a stalled stream fails after the idle timeout",
			opts:    []openaitest.Option{openaitest.Script(openaitest.Stall)},
			config:  func(c *Config) { c.IdleTimeout = 100 * time.Millisecond },
			calls:   1,
			wantErr: "模型 100ms 内没有返回任何内容",
		},
		{
			name:    "a stream cut before its finish_reason is an error that keeps the partial text",
			opts:    []openaitest.Option{openaitest.Script(openaitest.CutStream)},
			calls:   1,
			wantErr: "模型提前停止了输出（数据流结束时没有 finish_reason）",
			check: func(t *testing.T, c draft.Completion, reqs []openaitest.Request, _ []time.Duration) {
				if c.Text == "" || !strings.HasPrefix(reqs[0].Answer, c.Text) || c.Text == reqs[0].Answer {
					t.Errorf("partial text = %q, want a strict prefix of %q", c.Text, reqs[0].Answer)
				}
			},
		},
		{
			name:    "finish_reason length is an error",
			opts:    []openaitest.Option{openaitest.Script(openaitest.LengthFinish)},
			calls:   1,
			wantErr: "模型提前停止了输出（finish_reason=length）",
			check: func(t *testing.T, c draft.Completion, _ []openaitest.Request, _ []time.Duration) {
				if c.Usage.CompletionTokens == 0 {
					t.Error("usage of the failed answer was not kept")
				}
			},
		},
		{
			name:    "finish_reason content_filter is an error",
			opts:    []openaitest.Option{openaitest.Script(openaitest.Finish("content_filter"))},
			calls:   1,
			wantErr: "模型提前停止了输出（finish_reason=content_filter）",
		},
		{
			name:    "a server slower than the timeout fails",
			opts:    []openaitest.Option{openaitest.Script(openaitest.Slow(10 * time.Second))},
			config:  func(c *Config) { c.Timeout = 150 * time.Millisecond },
			calls:   1,
			wantErr: "模型未能在 150ms 内完成",
		},
		{
			name:  "a server slower than usual but within the timeouts succeeds",
			opts:  []openaitest.Option{openaitest.Script(openaitest.Slow(50 * time.Millisecond))},
			calls: 1,
		},
		{
			name:   "waiting to retry does not count as the server's silence",
			opts:   []openaitest.Option{openaitest.Script(openaitest.Status429)},
			config: func(c *Config) { c.IdleTimeout = 100 * time.Millisecond },
			pause:  300 * time.Millisecond,
			calls:  2, waits: 1,
		},
		{
			name:  "a server that sends no usage leaves usage zero",
			opts:  []openaitest.Option{openaitest.NoUsage()},
			calls: 1,
			check: func(t *testing.T, c draft.Completion, _ []openaitest.Request, _ []time.Duration) {
				if c.Usage != (draft.Usage{}) || c.Text == "" {
					t.Errorf("usage = %+v, text %q; want zero usage and a text", c.Usage, c.Text)
				}
			},
		},
		{
			name:    "a caller that gives up gets its own context error",
			opts:    []openaitest.Option{openaitest.Script(openaitest.Stall)},
			cancel:  true,
			calls:   1,
			wantErr: context.Canceled.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t, append([]openaitest.Option{openaitest.APIKey(testKey)}, tt.opts...)...)
			key := tt.key
			if key == "" {
				key = testKey
			}
			c, waits := testClient(t, srv, key, tt.pause, tt.config)
			req := tt.req
			if req.User == "" {
				req = testRequest
			}
			ctx := context.Background()
			if tt.cancel {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			start := time.Now()
			got, err := c.Complete(ctx, req)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("no error, want %q; got %+v", tt.wantErr, got)
			case err != nil:
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), testKey) {
					t.Errorf("error %q contains the API key", err)
				}
				if tt.cancel {
					if !errors.Is(err, context.Canceled) {
						t.Errorf("error %v is not context.Canceled", err)
					}
				} else if code := retrieval.ErrorCode(err); code != retrieval.EUNAVAILABLE {
					t.Errorf("code = %s, want %s", code, retrieval.EUNAVAILABLE)
				}
			}
			if n := srv.ChatCalls(); n != tt.calls {
				t.Errorf("server got %d calls, want %d", n, tt.calls)
			}
			if n := len(waits()); n != tt.waits {
				t.Errorf("%d retry waits, want %d", n, tt.waits)
			}
			if tt.check != nil {
				tt.check(t, got, srv.Requests(), waits())
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	t.Run("zero durations and max tokens take the defaults", func(t *testing.T) {
		c := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
		if c.cfg.Timeout != DefaultTimeout || c.cfg.IdleTimeout != DefaultIdleTimeout || c.cfg.MaxTokens != DefaultMaxTokens {
			t.Errorf("config = %+v", c.cfg)
		}
	})
	t.Run("an unreachable endpoint is unavailable, not retried forever", func(t *testing.T) {
		c := New(Config{BaseURL: "http://127.0.0.1:1/v1", APIKey: testKey, Model: "m", Timeout: 2 * time.Second})
		var complete draft.Completer = c.Complete
		_, err := complete(context.Background(), testRequest)
		if retrieval.ErrorCode(err) != retrieval.EUNAVAILABLE || strings.Contains(err.Error(), testKey) {
			t.Errorf("err = %v", err)
		}
	})
}
