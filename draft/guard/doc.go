// Package guard checks generated prose against the writer's input: it reads every number of a
// Chinese text (numbers.go), decides which numbers are the writer's figures and which are names,
// dates or enumerators (guard.go, allowlist.txt), and splits sentences into claims — rankings,
// honours, comparisons, coverage, records, names, non-prose output — that a reviewer must be able to
// trust (claims.go). It knows nothing of drafts, stores or models.
package guard
