"""Annual award cases and category rankings of 繁星指数: rule-based, reproducible, with evidence.

Entry point: :func:`select_awards` (plain frames in, :class:`AwardsResult` out, no I/O); the rules
come from the `awards:` section of the methodology (:class:`AwardsConfig`). See docs/awards.md.
"""

from fanxing.awards.config import AwardsConfig
from fanxing.awards.inputs import AwardsInputError
from fanxing.awards.result import AwardsResult, CategoryResult
from fanxing.awards.select import select_awards

__all__ = ["AwardsConfig", "AwardsInputError", "AwardsResult", "CategoryResult", "select_awards"]
