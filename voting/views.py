"""Routes for votes and ballots."""
