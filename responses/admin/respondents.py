"""Respondents: contact data shown masked, opt-out, and erasure on request.

Email and phone are encrypted at rest and shown masked here (``a***@example.com``,
``+86 138****5678``): the admin is no place to read them. Searching by a full email address or
phone number works through the keyed hash. Deleting a respondent is not offered (invitations and
responses protect the row, and the counts need it); erasure removes the personal data instead.
"""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.access import MappedActionsAdminMixin
from ops.contacts import EMAIL, PHONE, contact_hash
from ops.masking import email_mask, phone_mask
from responses.models import Respondent
from responses.services.erasure import respondent_erase
from responses.services.respondents import respondent_opt_out
from responses.services.validation import phone_normalise


class OptedOutFilter(admin.SimpleListFilter):
    title = _("opted out")
    parameter_name = "opted_out"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(opted_out_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(opted_out_at__isnull=True)
        return queryset


@admin.register(Respondent)
class RespondentAdmin(MappedActionsAdminMixin, admin.ModelAdmin):
    list_display = [
        "ref",
        "type",
        "email_masked",
        "phone_masked",
        "locale",
        "timezone",
        "opted_out_at",
        "erased_at",
        "updated_at",
    ]
    list_filter = ["type", OptedOutFilter, "locale"]
    search_fields = ["ref"]
    search_help_text = _("A reference, or a whole email address or phone number.")
    readonly_fields = [
        "public_id",
        "type",
        "ref",
        "email_masked",
        "phone_masked",
        "opted_out_at",
        "erased_at",
        "contact_updated_at",
        "created_at",
        "updated_at",
    ]
    fields = [
        "public_id",
        "type",
        "ref",
        "email_masked",
        "phone_masked",
        "locale",
        "timezone",
        "opted_out_at",
        "erased_at",
        "contact_updated_at",
        "created_at",
        "updated_at",
    ]
    actions = ["opt_out", "erase"]

    @admin.display(description=_("email"))
    def email_masked(self, obj: Respondent) -> str:
        return email_mask(obj.email)

    @admin.display(description=_("phone (E.164)"))
    def phone_masked(self, obj: Respondent) -> str:
        return phone_mask(obj.phone)

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return results, duplicates
        hashes = {contact_hash(EMAIL, term)} if "@" in term else set()
        phone = phone_normalise(term) if any(ch.isdigit() for ch in term) and "@" not in term else None
        if phone:
            hashes.add(contact_hash(PHONE, phone))
        if hashes:
            by_hash = queryset.filter(email_hash__in=hashes) | queryset.filter(phone_hash__in=hashes)
            results = results | by_hash
        return results, duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # respondents come from events

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # erasure instead (below): the rows stay for the counts

    @admin.action(description=_("Opt out of all surveys"))
    def opt_out(self, request: HttpRequest, queryset) -> None:
        for respondent in queryset:
            respondent_opt_out(respondent=respondent)
        messages.success(request, _("%(count)s respondent(s) opted out.") % {"count": queryset.count()})

    @admin.action(description=_("Erase personal data (on the respondent's request)"))
    def erase(self, request: HttpRequest, queryset):
        """A confirmation page first (an erasure cannot be undone), then the erasure."""
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Erase personal data"),
                "respondents": list(queryset.order_by("pk")),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/responses/respondent/erase_confirm.html", context)
        erased = [respondent_erase(respondent=respondent, actor=request.user) for respondent in queryset]
        changed = sum(item.changed for item in erased)
        messages.success(
            request,
            ngettext(
                "%(count)s respondent erased (%(rows)s rows or files changed).",
                "%(count)s respondents erased (%(rows)s rows or files changed).",
                len(erased),
            )
            % {"count": len(erased), "rows": changed},
        )
        return None
