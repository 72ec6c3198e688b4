"""An email channel for the fault test's first worker: it stops before sending, mid-batch.

Once HOLD_AFTER messages are in the mail directory, every later send holds *before* it writes
(it has claimed its row, and sleeps), and the first one to hold drops a marker file the test
waits for. The test then waits a moment -- any send that passed the check just before the
threshold finishes its write and its status update in milliseconds -- and SIGKILLs the worker.
So the kill lands while every busy process is between claim and send: the case the claim
lease must recover, with nothing half-recorded.
"""

import os
import time
from pathlib import Path

from django.conf import settings

from responses.channels.email import EmailChannel


class HoldingEmailChannel(EmailChannel):
    def send(self, invitation, *, message):
        hold_after = int(os.environ.get("HOLD_AFTER", "0"))
        if hold_after:
            written = sum(1 for _ in os.scandir(settings.EMAIL_FILE_PATH))
            if written >= hold_after:
                Path(os.environ["HOLD_MARKER"]).touch()
                time.sleep(600)
        time.sleep(float(os.environ.get("SEND_DELAY", "0")))
        return super().send(invitation, message=message)
