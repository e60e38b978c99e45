"""Where import records go: one sink per kind of record, each with resolve, plan and commit."""
