"""What other apps run when a response is completed, without this app importing them.

``responses`` must not import ``analysis`` (the layers go surveys <- responses <- analysis), so
analysis registers itself here from its ``AppConfig.ready()``::

    from responses import hooks

    hooks.response_completed.append(enqueue_response_analysis)  # called with response_id=<int>

Each hook is called once per completed response, after the completing transaction committed
(``transaction.on_commit``), with the keyword argument ``response_id``. A hook should only
enqueue work (``task.delay(response_id)``); a hook that raises is logged and the others still
run, so a broken consumer never turns a respondent's submit into an error.
"""

import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

response_completed: list[Callable[..., None]] = []


def response_completed_run(*, response_id: int) -> None:
    for hook in list(response_completed):
        try:
            hook(response_id=response_id)
        except Exception:
            logger.exception("response_completed hook %r failed for response %s", hook, response_id)


# Erasure and retention (responses/services/erasure.py): what other apps keep of a response's
# free text or a respondent's contact data, removed in the erasing transaction. Registered from
# the apps' ``AppConfig.ready()``; each is called with ``response_ids`` and ``respondent_ids``
# (lists) and returns how many rows or files it changed, by label (``{"analysis.commentanalysis":
# 2}``). Unlike the hooks above, an exception is not swallowed: it rolls the erasure back, so
# an erasure is complete or not done at all. Hooks must be idempotent (a second run changes
# nothing and returns zeros) and must never return or log the erased values.
personal_data_erase: list[Callable[..., dict[str, int]]] = []
