"""Attacks tried against the platform, kept as tests so the defences keep holding."""
