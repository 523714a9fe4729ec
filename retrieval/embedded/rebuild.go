package embedded

import "context"

// RebuildIndex has nothing to do on the embedded store: its vector search compares the query
// with every vector exactly (index.go), so there is no graph built with settings that could age.
// It says so in a line for a person.
func (s *Store) RebuildIndex(context.Context, func(done, total int)) (string, error) {
	return "the embedded store searches every vector exactly: there is no graph index to rebuild", nil
}
