"""The offline planner: a deterministic, network-free chat model that plans tool calls (PORTAL_LLM=offline)."""

from agent.planner.model import OfflinePlanner

__all__ = ["OfflinePlanner"]
