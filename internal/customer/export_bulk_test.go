package customer

// SetBulkSizesForTest shrinks the chunks of imports (rows per multi-row INSERT
// and per duplicate lookup, search documents per FTS5 statement) so that small
// files cross their boundaries. Call it before the app starts; the returned
// function restores the sizes.
func SetBulkSizesForTest(chunk, search int) func() {
	oldChunk, oldSearch := bulkChunk, searchChunk
	bulkChunk, searchChunk = chunk, search
	return func() { bulkChunk, searchChunk = oldChunk, oldSearch }
}
