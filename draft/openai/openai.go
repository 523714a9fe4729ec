// Package openai drafts sections with any OpenAI-compatible chat model (OpenAI, DeepSeek, Qwen,
// vLLM, Ollama) through go-openai: streamed answers, retries before the stream starts, an idle
// timeout while it runs, and an answer that did not finish normally treated as an error.
package openai

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
	ropenai "github.com/draftd/draftd/retrieval/openai"
)

// Defaults of Config.
const (
	DefaultTimeout     = 120 * time.Second
	DefaultIdleTimeout = 30 * time.Second
	DefaultMaxTokens   = 1500
)

// maxIdleConns is how many idle connections to the model a Client keeps. Drafting sends one request
// per section being drafted, hundreds at once under load, to one host; local servers (vLLM, Ollama)
// speak HTTP/1.1, one request per connection, and net/http's default of two idle connections per
// host closed nearly all of them after each round of calls, to dial them again for the next.
const maxIdleConns = 1024

// Config configures a Client.
type Config struct {
	BaseURL     string        // e.g. https://api.deepseek.com/v1, http://127.0.0.1:11434/v1
	APIKey      string        // may be empty for local servers; never logged nor returned in errors
	Model       string        // chat model name
	Timeout     time.Duration // per call, retries included; 0 means DefaultTimeout
	IdleTimeout time.Duration // longest wait for the server's next bytes; 0 means DefaultIdleTimeout
	MaxTokens   int           // answer length cap when a request sets none; 0 means DefaultMaxTokens
	Temperature float32       // when a request sets none; 0 leaves it to the server
}

// Client calls a chat model. Its Complete method is a draft.Completer.
type Client struct {
	cfg    Config
	client *goopenai.Client
}

// New returns a Client whose HTTP requests are retried on 429 and 5xx answers, honouring
// Retry-After, before the answer starts streaming.
func New(cfg Config) *Client { return newClient(cfg, ropenai.Sleep) }

// newClient lets tests replace the retry wait.
func newClient(cfg Config, wait func(context.Context, time.Duration) error) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = maxIdleConns, maxIdleConns
	rt := ropenai.NewRetryTransport(tr)
	rt.Sleep = func(ctx context.Context, d time.Duration) error {
		// Waiting to retry is our doing, not the server's silence: pause the idle timer meanwhile.
		if t, ok := ctx.Value(idleKey{}).(*time.Timer); ok {
			t.Stop()
			defer t.Reset(cfg.IdleTimeout)
		}
		return wait(ctx, d)
	}
	oc := goopenai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &http.Client{Transport: rt}
	return &Client{cfg: cfg, client: goopenai.NewClientWithConfig(oc)}
}

type idleKey struct{}

var (
	errIdle    = errors.New("model idle")
	errTimeout = errors.New("model timeout")
)

// Complete streams a chat completion and returns the whole answer. Errors are *retrieval.Error
// with code EUNAVAILABLE when the endpoint refuses or fails (after retries for 429 and 5xx), sends
// nothing for IdleTimeout, does not finish within Timeout, or ends without finish_reason "stop";
// in the last case the Completion holds the partial text and any usage. A cancelled ctx returns
// ctx's error, wrapped.
func (c *Client) Complete(ctx context.Context, req draft.CompletionRequest) (draft.Completion, error) {
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, c.cfg.Timeout, errTimeout)
	defer cancelTimeout()
	ctx, cancelIdle := context.WithCancelCause(ctx)
	defer cancelIdle(nil)
	idle := time.AfterFunc(c.cfg.IdleTimeout, func() { cancelIdle(errIdle) })
	defer idle.Stop()
	ctx = context.WithValue(ctx, idleKey{}, idle)

	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = c.cfg.MaxTokens
	}
	temperature := req.Temperature
	if temperature == 0 {
		temperature = c.cfg.Temperature
	}
	creq := goopenai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: req.System},
			{Role: goopenai.ChatMessageRoleUser, Content: req.User},
		},
		// max_tokens, not max_completion_tokens: it is the one every compatible server knows.
		MaxTokens:     maxTokens,
		Temperature:   temperature,
		Stream:        true,
		StreamOptions: &goopenai.StreamOptions{IncludeUsage: true},
	}
	if req.JSON {
		// json_object, not json_schema: the one OpenAI, DeepSeek, Qwen, vLLM and Ollama all accept.
		creq.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	}
	out := draft.Completion{Model: c.cfg.Model}
	stream, err := c.client.CreateChatCompletionStream(ctx, creq)
	if err != nil {
		return out, c.failure(ctx, err)
	}
	defer stream.Close()

	var text strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.Text = text.String()
			return out, c.failure(ctx, err)
		}
		idle.Reset(c.cfg.IdleTimeout)
		if chunk.Model != "" {
			out.Model = chunk.Model
		}
		// Usage comes in a last chunk with no choices. A server that ignores include_usage sends
		// none, and the usage stays zero: draftd does not guess token counts.
		if chunk.Usage != nil {
			out.Usage = draft.Usage{PromptTokens: chunk.Usage.PromptTokens, CompletionTokens: chunk.Usage.CompletionTokens}
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			text.WriteString(ch.Delta.Content)
			if ch.FinishReason != "" {
				out.FinishReason = string(ch.FinishReason)
			}
		}
	}
	out.Text = text.String()
	switch out.FinishReason {
	case string(goopenai.FinishReasonStop):
		return out, nil
	case "":
		return out, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型提前停止了输出（数据流结束时没有 finish_reason）")
	}
	return out, retrieval.Errorf(retrieval.EUNAVAILABLE, "模型提前停止了输出（finish_reason=%s）", out.FinishReason)
}

// failure describes err for the user, without request details or the API key.
func (c *Client) failure(ctx context.Context, err error) error {
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errIdle):
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "模型 %s 内没有返回任何内容", c.cfg.IdleTimeout)
	case errors.Is(cause, errTimeout):
		return retrieval.Errorf(retrieval.EUNAVAILABLE, "模型未能在 %s 内完成", c.cfg.Timeout)
	case cause != nil:
		return fmt.Errorf("openai: complete: %w", cause)
	}
	var msg string
	var apiErr *goopenai.APIError
	var reqErr *goopenai.RequestError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0:
		msg = fmt.Sprintf("HTTP %d: %s", apiErr.HTTPStatusCode, apiErr.Message)
	case errors.As(err, &reqErr):
		msg = fmt.Sprintf("HTTP %d", reqErr.HTTPStatusCode)
	case errors.As(err, &apiErr):
		msg = "error in stream: " + apiErr.Message
	default:
		msg = err.Error()
	}
	if c.cfg.APIKey != "" {
		msg = strings.ReplaceAll(msg, c.cfg.APIKey, "[redacted]")
	}
	return retrieval.Errorf(retrieval.EUNAVAILABLE, "对话模型 %s：%s", c.cfg.Model, msg)
}
