"""draftgate core: drafts privately, labels, publishes only on the requester's click."""
