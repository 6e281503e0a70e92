package pipeline

import (
	"context"
	"sync"

	"storyline/internal/article"
)

// Stream ingests a sequence of batches in order, extracting the features of
// each batch (Add, in the caller's goroutine) while the batch before it is
// clustered and stored (in the stream's own): feature extraction is a
// third of the work and parallel, clustering and storing are serial, so on
// two cores the halves overlap instead of taking turns.
//
// Every batch is still clustered and committed whole and in the order of
// the calls to Add, so a stream stores what the same calls to Ingest
// would.
type Stream struct {
	p      *Pipeline
	ctx    context.Context
	cancel context.CancelFunc
	ready  chan *prepared
	done   chan struct{} // closed when the applier stops
	first  bool

	mu       sync.Mutex // serialises the callbacks and err
	reject   func(*article.InputError)
	onResult func(Result)
	err      error
}

// NewStream starts a stream. reject is called for every bad record and
// onResult after every batch, in order; the two are never called at once,
// though not always from the caller's goroutine. onResult may be nil.
func (p *Pipeline) NewStream(ctx context.Context, reject func(*article.InputError), onResult func(Result)) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream{p: p, ctx: ctx, cancel: cancel, ready: make(chan *prepared), done: make(chan struct{}),
		first: true, reject: reject, onResult: onResult}
	go s.apply()
	return s
}

func (s *Stream) rejectLocked(e *article.InputError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject(e)
}

// apply clusters and stores the prepared batches one after another until
// the stream is closed or a batch fails. On a store of one writer a
// batch's commit runs while the next batch is clustered (commit.go), so a
// batch's result is reported once the next one is clustered, when its
// commit is known to have succeeded, and the last one's at the end.
func (s *Stream) apply() {
	defer close(s.done)
	var pending []Result
	report := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.onResult != nil {
			for _, r := range pending {
				s.onResult(r)
			}
		}
		pending = pending[:0]
	}
	fail := func(err error) {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		s.cancel()
	}
	// finish waits for the batch in flight and reports it once it is
	// stored.
	finish := func() error {
		s.p.mu.Lock()
		err := s.p.await()
		s.p.mu.Unlock()
		if err == nil {
			report()
		}
		return err
	}
	for pr := range s.ready {
		r, err := s.p.apply(s.ctx, pr, s.rejectLocked, true)
		if err != nil {
			// The batch before may still be committing, and is good.
			finish()
			fail(err)
			return
		}
		report() // apply returned: every earlier batch is committed
		pending = append(pending, r)
	}
	if err := finish(); err != nil {
		fail(err)
	}
}

// Add prepares a batch and hands it to the stream once the batch before
// it is stored. It returns the error that stopped the stream, if one did;
// the batches committed before it stay stored. The stream keeps pointers
// into arts until the batch is stored: the caller must not reuse its
// backing array. Add must not be called after Close.
func (s *Stream) Add(arts []article.Article) error {
	if err := s.failed(); err != nil {
		return err
	}
	pr, err := s.p.prepare(s.ctx, arts, s.rejectLocked)
	if err != nil {
		return err
	}
	pr.early = !s.first
	s.first = false
	select {
	case s.ready <- pr:
		return nil
	case <-s.done:
		return s.failed()
	}
}

// Close waits until every batch added is stored and returns the first
// error, if any.
func (s *Stream) Close() error {
	close(s.ready)
	<-s.done
	s.cancel()
	return s.failed()
}

func (s *Stream) failed() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
