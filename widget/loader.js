// The widget loader (being written).
