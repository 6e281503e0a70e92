package cluster

// Serial makes c cluster without prescore, for tests comparing the two.
func Serial(c *Clusterer) { c.serial = true }
