"""The async httpx client for the central API (client core)."""
