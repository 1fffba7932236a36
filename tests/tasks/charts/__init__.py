"""Report charts as SVG text: labels stay searchable text (Chinese included), verified causes
carry a ✓, nothing is fetched from outside, equal input gives equal bytes, and empty input
gives a chart with a message instead of an error."""
