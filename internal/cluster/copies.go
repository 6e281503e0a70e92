package cluster

import "time"

// AddCopy puts a near-duplicate of an already clustered article (a wire
// copy or re-post) into the original's event. The copy brings no new
// evidence, so it changes nothing the clusterer weighs: not the centroid,
// not the members, not the article count N (which storyVector divides the
// centroid by), not the languages, the dates or the document frequencies.
// A wire story carried by thirty outlets thus counts once.
//
// An undated copy takes the event's date. AddCopy returns ok = false when
// the event is unknown or a person moved this article out of it; the caller
// then clusters the article as an ordinary one.
func (c *Clusterer) AddCopy(docID string, date time.Time, eventID string) (Assignment, bool) {
	e := c.Events[eventID]
	if e == nil || e.Blocked[docID] {
		return Assignment{}, false
	}
	a := Assignment{DocID: docID, EventID: e.ID, Score: 1, Components: map[string]float64{"copy": 1}}
	if date.IsZero() {
		a.InferredDate = e.Date()
	}
	return a, true
}
