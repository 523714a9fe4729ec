// Package demo holds draftd's demo corpus: fictional Chinese work summaries and plans, written for draftd with
// invented organisations and figures, that are ingested on first start of the embedded store so that a new
// user sees retrieval work before adding documents of their own.
package demo

import "embed"

// Files holds the demo documents, one UTF-8 plain-text file per document, with the title on the first line.
//
//go:embed *.txt
var Files embed.FS
