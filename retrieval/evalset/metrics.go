package evalset

// RecallAt returns the share of the first k results that are relevant, out of
// the most that could be: min(k, total), where total is the number of
// relevant passages in the corpus. With hundreds of relevant passages per
// topic, plain recall@5 (found / total) would be a few percent for a perfect
// ranking; this capped form is 1 for a perfect ranking. It is 0 when total is 0.
func RecallAt(relevant []bool, k, total int) float64 {
	if total == 0 || k <= 0 {
		return 0
	}
	found := 0
	for i := 0; i < k && i < len(relevant); i++ {
		if relevant[i] {
			found++
		}
	}
	return float64(found) / float64(min(k, total))
}

// ReciprocalRank returns 1/r for the rank r of the first relevant result among the first k, and 0 if there is none.
func ReciprocalRank(relevant []bool, k int) float64 {
	for i := 0; i < k && i < len(relevant); i++ {
		if relevant[i] {
			return 1 / float64(i+1)
		}
	}
	return 0
}
