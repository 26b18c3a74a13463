"""The HTTP service: upload API and results API in one FastAPI app."""
