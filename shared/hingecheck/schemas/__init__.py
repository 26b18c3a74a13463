"""Pydantic models: the versioned result schema and API bodies."""

from hingecheck.schemas.result import SCHEMA_VERSION, AnalysisResult

__all__ = ["SCHEMA_VERSION", "AnalysisResult"]
