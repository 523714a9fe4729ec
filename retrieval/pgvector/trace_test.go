package pgvector

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestStatementOf(t *testing.T) {
	for _, tc := range []struct{ sql, op, table string }{
		{selectEvents, "SELECT", "draft_events"},
		{appendEvent, "SELECT", "draft_event_seqs"},
		{endDraft, "UPDATE", "drafts"},
		{pruneBuckets, "DELETE", "rate_buckets"},
		{"SELECT 1", "SELECT", ""},
		{"", "SQL", ""},
	} {
		if op, table := statementOf(tc.sql); op != tc.op || table != tc.table {
			t.Errorf("statementOf(%.40q) = %q %q, want %q %q", tc.sql, op, table, tc.op, tc.table)
		}
	}
}

func TestQuerySpans(t *testing.T) {
	s := openTest(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(old) })
	ctx := context.Background()

	t.Run("a statement outside a traced request makes no span", func(t *testing.T) {
		if _, err := s.Events(ctx, "d-none", 0, 10); err != nil {
			t.Fatal(err)
		}
		if got := exp.GetSpans(); len(got) != 0 {
			t.Errorf("%d spans, want none", len(got))
		}
	})
	t.Run("a statement inside a traced request is its child span, with its SQL and no arguments", func(t *testing.T) {
		exp.Reset()
		pctx, parent := tp.Tracer("test").Start(ctx, "GET /api/v1/drafts/{id}/events")
		if _, err := s.Events(pctx, "d-secret-arg", 0, 10); err != nil {
			t.Fatal(err)
		}
		parent.End()
		spans := exp.GetSpans()
		if len(spans) != 2 {
			t.Fatalf("%d spans, want the statement's and the request's", len(spans))
		}
		q := spans[0]
		if q.Name != "SELECT draft_events" || q.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q with parent %v, want SELECT draft_events under the request", q.Name, q.Parent.SpanID())
		}
		attrs := map[string]string{}
		for _, a := range q.Attributes {
			attrs[string(a.Key)] = a.Value.Emit()
			if a.Value.Emit() == "d-secret-arg" {
				t.Errorf("attribute %s carries a statement's argument", a.Key)
			}
		}
		if attrs["db.system.name"] != "postgresql" || attrs["db.query.text"] != selectEvents || attrs["db.collection.name"] != "draft_events" {
			t.Errorf("attributes %v", attrs)
		}
	})
	t.Run("a failed statement's span is an error", func(t *testing.T) {
		exp.Reset()
		pctx, parent := tp.Tracer("test").Start(ctx, "job")
		if _, err := s.pool.Exec(pctx, "SELECT * FROM no_such_table"); err == nil {
			t.Fatal("the statement did not fail")
		}
		parent.End()
		if spans := exp.GetSpans(); len(spans) != 2 || spans[0].Status.Code.String() != "Error" {
			t.Errorf("spans %v, want the failed statement's with an error status", spans)
		}
	})
}

// BenchmarkQueryTracer is what the tracer adds to a statement outside a traced request (tracing
// off, or a call no request made) and inside one.
func BenchmarkQueryTracer(b *testing.B) {
	data := pgx.TraceQueryStartData{SQL: selectEvents}
	b.Run("untraced", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			queryTracer{}.TraceQueryEnd(queryTracer{}.TraceQueryStart(ctx, nil, data), nil, pgx.TraceQueryEndData{})
		}
	})
	b.Run("traced", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider()
		old := otel.GetTracerProvider()
		otel.SetTracerProvider(tp)
		defer otel.SetTracerProvider(old)
		ctx, span := tp.Tracer("bench").Start(context.Background(), "request")
		defer span.End()
		for b.Loop() {
			queryTracer{}.TraceQueryEnd(queryTracer{}.TraceQueryStart(ctx, nil, data), nil, pgx.TraceQueryEndData{})
		}
	})
}
