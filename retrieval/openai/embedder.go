package openai

import (
	"context"
	"fmt"
	"net/http"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/draftd/draftd/retrieval"
)

// Config configures an Embedder.
type Config struct {
	BaseURL string        // e.g. https://api.openai.com/v1, http://127.0.0.1:11434/v1
	APIKey  string        // may be empty for local servers
	Model   string        // embedding model name
	Dim     int           // expected vector dimension; sent as "dimensions" when SendDim
	SendDim bool          // send "dimensions" (text-embedding-3 and later); others reject it
	Timeout time.Duration // per request, retries included
	Batch   int           // texts per request
}

// Embedder embeds texts through an OpenAI-compatible /embeddings endpoint.
type Embedder struct {
	cfg    Config
	client *goopenai.Client
}

// New returns an Embedder. The HTTP client retries 429 and 5xx answers.
func New(cfg Config) *Embedder {
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	return newWithTransport(cfg, NewRetryTransport(nil))
}

func newWithTransport(cfg Config, rt http.RoundTripper) *Embedder {
	oc := goopenai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = cfg.BaseURL
	oc.HTTPClient = &http.Client{Transport: rt}
	return &Embedder{cfg: cfg, client: goopenai.NewClientWithConfig(oc)}
}

// Spec returns the embedder's name and dimension.
func (e *Embedder) Spec() retrieval.EmbedderSpec {
	return retrieval.EmbedderSpec{Name: "openai:" + e.cfg.Model, Dim: e.cfg.Dim}
}

// Embed embeds texts in batches; vectors are L2-normalised. A vector of another
// dimension than configured is an error, so a misconfigured model fails loudly.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += e.cfg.Batch {
		batch := texts[i:min(i+e.cfg.Batch, len(texts))]
		vs, err := e.embedBatch(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	return out, nil
}

func (e *Embedder) embedBatch(ctx context.Context, batch []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	req := goopenai.EmbeddingRequestStrings{Input: batch, Model: goopenai.EmbeddingModel(e.cfg.Model)}
	if e.cfg.SendDim {
		req.Dimensions = e.cfg.Dim
	}
	resp, err := e.client.CreateEmbeddings(ctx, req)
	if err != nil {
		return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "向量服务：%s", describe(err))
	}
	if len(resp.Data) != len(batch) {
		return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "向量服务为 %[2]d 段文字返回了 %[1]d 个向量", len(resp.Data), len(batch))
	}
	vs := make([][]float32, len(batch))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(batch) || vs[d.Index] != nil {
			return nil, retrieval.Errorf(retrieval.EUNAVAILABLE, "向量服务返回了错误的序号 %d", d.Index)
		}
		if len(d.Embedding) != e.cfg.Dim {
			return nil, retrieval.Errorf(retrieval.EINVALID, "模型 %s 返回 %d 维向量，但 DRAFTD_EMBED_DIM 设为 %d", e.cfg.Model, len(d.Embedding), e.cfg.Dim)
		}
		retrieval.Normalize(d.Embedding)
		vs[d.Index] = d.Embedding
	}
	return vs, nil
}

// describe turns a go-openai error into a message without request details or secrets.
func describe(err error) string {
	if apiErr, ok := err.(*goopenai.APIError); ok {
		return fmt.Sprintf("HTTP %d: %s", apiErr.HTTPStatusCode, apiErr.Message)
	}
	if reqErr, ok := err.(*goopenai.RequestError); ok {
		return fmt.Sprintf("HTTP %d", reqErr.HTTPStatusCode)
	}
	return err.Error()
}
