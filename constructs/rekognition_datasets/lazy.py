"""Small adapters from Python callables to CDK lazy values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
import jsii

if TYPE_CHECKING:
    from collections.abc import Callable


@jsii.implements(cdk.IStringProducer)
class _StringProducer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: cdk.IResolveContext) -> str:
        return self._produce()


def lazy_string(produce: Callable[[], str]) -> str:
    """A string token whose value ``produce`` computes at synth (after the whole tree is built)."""
    return cdk.Lazy.uncached_string(_StringProducer(produce))
