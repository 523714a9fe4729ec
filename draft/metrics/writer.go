package metrics

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// tracerName names the spans this package starts.
const tracerName = "github.com/draftd/draftd/draft/metrics"

// writer counts and traces the calls of the Writer it wraps.
type writer struct {
	model string
	next  draft.Writer
}

// Writer wraps w so that each call counts in draftd_model_calls_total,
// draftd_model_tokens_total and draftd_model_call_duration_seconds under
// model, and is traced as a span "draft.write" when tracing is on (the span
// carries the model and the token counts, never the prompt or the answer).
// Wrapping a Writer twice counts it once.
func Writer(model string, w draft.Writer) draft.Writer {
	if mw, ok := w.(*writer); ok && mw.model == model {
		return w
	}
	return &writer{model: model, next: w}
}

// Write calls the wrapped Writer.
func (w *writer) Write(ctx context.Context, req draft.SectionRequest) (draft.SectionText, error) {
	ctx, span := otel.Tracer(tracerName).Start(ctx, "draft.write", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("draftd.model", w.model), attribute.Bool("draftd.retry", req.Previous != "")))
	defer span.End()
	start := time.Now()
	out, err := w.next.Write(ctx, req)
	modelDuration.WithLabelValues(w.model).Observe(time.Since(start).Seconds())
	modelCalls.WithLabelValues(w.model, outcome(err)).Inc()
	modelTokens.WithLabelValues(w.model, "prompt").Add(float64(out.Usage.PromptTokens))
	modelTokens.WithLabelValues(w.model, "completion").Add(float64(out.Usage.CompletionTokens))
	span.SetAttributes(attribute.Int("draftd.tokens.prompt", out.Usage.PromptTokens),
		attribute.Int("draftd.tokens.completion", out.Usage.CompletionTokens))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, outcome(err))
	}
	return out, err
}

// outcome is a call's label: ok, timeout, canceled, or the error's code.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return retrieval.ErrorCode(err)
}
