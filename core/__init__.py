"""Shared plumbing: database, jobs, realtime, auth helpers, i18n. Imports no domain package."""
