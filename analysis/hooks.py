"""What other apps run when responses have been analysed, without this app importing them.

``analysis`` must not import the apps above it (``cases``), so they register here from their
``AppConfig.ready()``::

    from analysis import hooks

    hooks.response_analysed.append(enqueue_rules_evaluation)  # called with response_ids=[...]

Each hook is called after the transaction that stored the analysis committed
(``transaction.on_commit``), with the keyword argument ``response_ids`` (a list), once per
analysis (a re-analysis calls it again: consumers must be idempotent). A hook should only
enqueue work; a hook that raises is logged and the others still run, so a broken consumer never
fails the analysis.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

response_analysed: list[Callable[..., None]] = []


def response_analysed_run(*, response_ids: list[int]) -> None:
    for hook in list(response_analysed):
        try:
            hook(response_ids=response_ids)
        except Exception:
            logger.exception("response_analysed hook %r failed for %s responses", hook, len(response_ids))
