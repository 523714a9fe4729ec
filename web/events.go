package web

import (
	"sync"

	"github.com/draftd/draftd/draft"
)

// broker fans out drafting events to the clients watching a draft.
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan draft.Event]struct{}
}

func newBroker() *broker { return &broker{subs: map[string]map[chan draft.Event]struct{}{}} }

// subscribe returns a channel of draft id's events and a function that ends the subscription.
func (b *broker) subscribe(id string) (<-chan draft.Event, func()) {
	ch := make(chan draft.Event, 256)
	b.mu.Lock()
	if b.subs[id] == nil {
		b.subs[id] = map[chan draft.Event]struct{}{}
	}
	b.subs[id][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[id], ch)
		if len(b.subs[id]) == 0 {
			delete(b.subs, id)
		}
		b.mu.Unlock()
	}
}

// publish sends e to every subscriber of its draft. A subscriber too slow to keep
// up loses events rather than stalling drafting; it can reload the draft.
func (b *broker) publish(e draft.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[e.DraftID] {
		select {
		case ch <- e:
		default:
		}
	}
}
