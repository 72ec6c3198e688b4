"""The distribution queue's tasks, published by name after the current transaction commits.

The tasks (``responses/tasks.py``) call this package's services; the services name the tasks
instead of importing them, so imports go one way (tasks -> services). Every task is registered
when Django starts (``ResponsesConfig.ready``), so the name resolves to the task object: eager
mode (unit tests) runs it in place, and the broker outage handling of ``ops.enqueue`` applies.
"""

from celery import current_app

from ops.enqueue import task_enqueue_on_commit

INVITATIONS_SEND_BATCH = "responses.invitations_send_batch"
INVITATION_REMIND = "responses.invitation_remind"


def task_enqueue_by_name_on_commit(name: str, *args) -> None:
    """Publish the registered task ``name`` with ``args`` once the current transaction commits."""
    task_enqueue_on_commit(current_app.tasks[name], *args)
