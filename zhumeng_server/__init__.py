"""The reference central API server (FastAPI + SQLModel)."""
