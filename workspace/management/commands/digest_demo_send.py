"""The demo owner's weekly digest, sent once at the end of ``demo_load`` (``make run``): with the
development mail backend it is a file in var/mail/ to read."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from cases.demo import DEMO_OWNER_EMAIL
from cases.models import StaffProfile
from config.demo import demo_data_refuse_unless_allowed
from workspace.digest.services import digest_send_now

DEMO_OWNER = "owner"
DEMO_EMAIL = DEMO_OWNER_EMAIL  # the teams lead of the cases demo


class Command(BaseCommand):
    help = "Send the demo owner's weekly digest now (demo data only)."

    def handle(self, *args, **options) -> None:
        demo_data_refuse_unless_allowed()  # never under production settings
        owner = get_user_model().objects.filter(username=DEMO_OWNER).first()
        if owner is None:
            self.stdout.write("No demo owner yet: no weekly digest.")
            return
        if not owner.email:
            owner.email = DEMO_EMAIL
            owner.save(update_fields=["email"])
        StaffProfile.objects.get_or_create(
            user=owner, defaults={"locale": "zh-hans", "timezone": settings.TIME_ZONE}
        )
        rendered = digest_send_now(user=owner)
        where = getattr(settings, "EMAIL_FILE_PATH", "") if "filebased" in settings.EMAIL_BACKEND else ""
        self.stdout.write(
            f"Weekly digest of {owner.get_username()} sent: {rendered.subject}"
            + (f" (in {where})" if where else "")
        )
