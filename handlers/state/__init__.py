"""Recording and reading a measure's state: the values an update may carry (values),
storing it (store), the state as a reply (reply), how people and measures are named
(labels), finding a measure (lookup) and the stale query (stale)."""
