"""Make one open link and one fresh invitation to the after-delivery survey, and print them.

Run by ``demo_load`` so `make run` shows the respondent pages; writes the links to
var/demo_links.txt (scripts/run_dev.py prints that file). Safe to run again: the open link is
reused, and a new invitation is made only when the last one was answered or has expired.
"""

import datetime as dt
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from config.demo import demo_data_refuse_unless_allowed
from responses.models import Invitation, OpenLink, Respondent, Response, ServiceEvent
from responses.respondent_views import open_link_url
from responses.tokens import invitation_link, invitation_token_for, token_hash
from surveys.models import Survey, SurveyVersion

SURVEY_KEY = "customer-after-delivery"
OPEN_LINK_NAME = "Demo: QR code at store 1024"


class Command(BaseCommand):
    help = "Make a demo invitation link and open link for the after-delivery survey."

    def handle(self, *args, **options) -> None:
        demo_data_refuse_unless_allowed()
        survey = Survey.objects.filter(key=SURVEY_KEY).first()
        version = SurveyVersion.objects.filter(survey=survey).order_by("-number").first() if survey else None
        if version is None:
            self.stdout.write(f"No published survey {SURVEY_KEY}; no demo links.")
            return
        with transaction.atomic():
            link, _created = OpenLink.objects.get_or_create(
                survey=survey,
                name=OPEN_LINK_NAME,
                defaults={"attributes": {"store_id": "1024", "city": "上海", "channel": "qr"}},
            )
            invitation = self._invitation(survey, version)
        lines = [
            f"  Survey by invitation (one respondent):   {invitation_link(invitation)}",
            f"  Survey by open link (QR in a store):     {open_link_url(link)}",
            f"  QR code of the open link:                {settings.SITE_URL}/o/{link.slug}/qr.svg",
        ]
        path = Path(settings.BASE_DIR) / "var" / "demo_links.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.stdout.write("\n".join(lines))

    def _invitation(self, survey: Survey, version: SurveyVersion) -> Invitation:
        now = timezone.now()
        respondent, _created = Respondent.objects.get_or_create(
            type="customer",
            ref="demo-customer-1",
            defaults={"locale": "zh-hans", "timezone": "Asia/Shanghai"},
        )
        last = Invitation.objects.filter(respondent=respondent, survey=survey).order_by("-created_at").first()
        if (
            last is not None
            and last.expires_at > now
            and last.status != Invitation.Status.COMPLETED
            and not Response.objects.filter(invitation=last, status=Response.Status.COMPLETED).exists()
        ):
            return last
        event = ServiceEvent.objects.create(
            source="demo",
            external_id=f"demo-order-{uuid.uuid4().hex[:12]}",
            type="order.delivered",
            occurred_at=now,
            received_at=now,
            respondent=respondent,
            attributes={"city": "上海", "district_type": "office", "scenario": "peak"},
            batch_id=uuid.uuid4(),
        )
        public_id = uuid.uuid4()
        return Invitation.objects.create(
            public_id=public_id,
            token_hash=token_hash(invitation_token_for(public_id)),
            survey=survey,
            survey_version=version,
            event=event,
            respondent=respondent,
            channel="link",
            channels=["link"],
            status=Invitation.Status.SENT,
            context={"attributes": dict(event.attributes), "locale": "zh-hans", "timezone": "Asia/Shanghai"},
            locale="zh-hans",
            due_at=now,
            sent_at=now,
            expires_at=now + dt.timedelta(days=30),
        )
