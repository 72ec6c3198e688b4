"""The distribution engine: from a service event to a survey invitation sent, reminded, expired.

``models.py`` (the distribution rule), ``rules.py`` (pure decisions), ``rule_validation.py`` and
``admin.py`` (the rule as ops edit it), ``ingestion.py`` (events in, invitations and suppressions
out), ``delivery.py`` (claim, send, mark), ``lifecycle.py`` (reminders, expiry, opened/started/
completed), ``bulk.py`` (bulk inserts), ``dry_run.py`` and ``explain.py`` (the decision without
writes, in words), ``queue.py`` (tasks published by name). Nothing here imports
``responses.tasks``: the tasks call the engine, the engine names the tasks (contract in
pyproject.toml).
"""
