"""Recording and reading a measure's state: the values an update may carry (values),
storing it (store), the state as a reply (reply), how people and measures are named
(labels), finding a measure (lookup), the stale query (stale), how a retired measure is
told (retired) and the programme as it stood at a moment (as_of)."""
