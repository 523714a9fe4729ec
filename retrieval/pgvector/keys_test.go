package pgvector

import (
	"testing"

	"github.com/draftd/draftd/retrieval/storetest"
)

func TestKeys(t *testing.T) {
	testURL(t)
	storetest.RunKeys(t, func(t *testing.T) storetest.KeyStore { return openTest(t) })
}
