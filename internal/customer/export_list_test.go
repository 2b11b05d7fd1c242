package customer

// SetCapsForTest lowers the caps of the list's total so that a few customers
// pass them; the returned function restores them.
func SetCapsForTest(list, search int) func() {
	oldList, oldSearch, oldChunk := listCap, searchCap, walkChunk
	listCap, searchCap, walkChunk = list, search, 1 // walkPage crosses chunks
	return func() { listCap, searchCap, walkChunk = oldList, oldSearch, oldChunk }
}
