package feed

import "time"

// State is what a Watcher knows about one feed that is worth keeping across
// restarts: its cache validators, so a restarted watcher still sends
// conditional requests, and its backoff, so a failing feed is not hammered
// after every restart.
type State struct {
	URL        string
	Validators Validators
	Failures   int       // consecutive failures; 0 when healthy
	NextTry    time.Time // not fetched before; zero when due
	LastError  string    // the last failure, "" when healthy
}

// Restore sets the state of feeds, as saved from OnState by an earlier
// run: the validators go to the Fetcher, failures and next try to the
// backoff. Call it before the first Round.
func (w *Watcher) Restore(states ...State) {
	w.init()
	for _, s := range states {
		if s.Validators != (Validators{}) {
			w.Fetcher.SetValidators(s.URL, s.Validators)
		}
		if s.Failures > 0 || !s.NextTry.IsZero() {
			w.mu.Lock()
			w.status[s.URL] = &feedStatus{failures: s.Failures, nextDue: s.NextTry}
			w.mu.Unlock()
		}
	}
}

// stateChanged reports a feed's state after a fetch to OnState; err is the
// fetch or store failure, nil on success.
func (w *Watcher) stateChanged(u string, err error) {
	if w.OnState == nil {
		return
	}
	s := State{URL: u, Validators: w.Fetcher.Validators(u)}
	w.mu.Lock()
	if st := w.status[u]; st != nil {
		s.Failures, s.NextTry = st.failures, st.nextDue
	}
	w.mu.Unlock()
	if err != nil {
		s.LastError = err.Error()
	}
	w.OnState(s)
}
