"""api_client."""
