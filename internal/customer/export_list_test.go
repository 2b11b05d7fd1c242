package customer

// SetCapsForTest lowers the caps of the list's total so that a few customers
// pass them; the returned function restores them.
func SetCapsForTest(list, search int) func() {
	oldList, oldSearch := listCap, searchCap
	listCap, searchCap = list, search
	return func() { listCap, searchCap = oldList, oldSearch }
}
