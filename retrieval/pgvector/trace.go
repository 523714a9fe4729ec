package pgvector

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// queryTracer makes an OpenTelemetry span of each statement run inside a span that records: a
// request or a job that is traced (tracing on and sampled) sees its store calls; otherwise a
// statement costs one look at its context. A span carries the statement's SQL (draftd's own
// constants, with placeholders), never its arguments.
type queryTracer struct{}

var _ pgx.QueryTracer = queryTracer{}

// maxQueryText bounds the SQL a span carries.
const maxQueryText = 2000

// TraceQueryStart starts the statement's span when ctx's span records.
func (queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx
	}
	op, table := statementOf(data.SQL)
	name := op
	if table != "" {
		name += " " + table
	}
	text := data.SQL
	if len(text) > maxQueryText {
		text = text[:maxQueryText]
	}
	attrs := []attribute.KeyValue{
		attribute.String("db.system.name", "postgresql"),
		attribute.String("db.operation.name", op),
		attribute.String("db.query.text", text),
	}
	if table != "" {
		attrs = append(attrs, attribute.String("db.collection.name", table))
	}
	ctx, _ = otel.Tracer("github.com/draftd/draftd/retrieval/pgvector").Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx
}

// TraceQueryEnd ends the statement's span, if it has one, with its outcome.
func (queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	if data.Err != nil {
		span.RecordError(data.Err)
		span.SetStatus(codes.Error, "statement failed")
	} else {
		span.SetAttributes(attribute.Int64("db.response.returned_rows", data.CommandTag.RowsAffected()))
	}
	span.End()
}

// statementOf returns a statement's operation (SELECT, INSERT, …; the main one after a WITH's
// queries) and the table it names first after FROM, INTO, UPDATE or JOIN, "" when none.
func statementOf(sql string) (op, table string) {
	words := strings.Fields(sql)
	if len(words) == 0 {
		return "SQL", ""
	}
	op = strings.ToUpper(words[0])
	depth := 0
	for i, w := range words {
		depth += strings.Count(w, "(") - strings.Count(w, ")")
		u := strings.ToUpper(strings.Trim(w, "(),;"))
		if op == "WITH" && depth == 0 && i > 0 {
			switch u {
			case "SELECT", "INSERT", "UPDATE", "DELETE":
				op = u
			}
		}
		if table == "" && i+1 < len(words) {
			switch u {
			case "FROM", "INTO", "UPDATE", "JOIN":
				t := strings.Trim(words[i+1], "(),;\"")
				if t != "" && !strings.HasPrefix(t, "$") && strings.ToUpper(t) != "SELECT" && strings.ToUpper(t) != "UNNEST" {
					table = t
				}
			}
		}
	}
	return op, table
}
