"""The admin of follow-up: alert rules and teams (edited here, each change audited) and the case
queue (mine, my team's, overdue), whose status changes are actions calling the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from cases import selectors, services
from cases.models import AlertRule, Case, CaseNote, ImprovementAction, StaffProfile, Team, WeeklyDigest
from config.access import MappedActionsAdminMixin
from surveys.admin_readonly import TEXT, ReadableLocaleMapsMixin


@admin.register(Team)
class TeamAdmin(ReadableLocaleMapsMixin, admin.ModelAdmin):
    readable_fields = {"name": TEXT}
    list_display = ("key", "name_readable", "lead", "webhook_url")
    search_fields = ("key",)
    filter_horizontal = ("members",)
    autocomplete_fields = ("lead",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "locale", "timezone", "digest_enabled")
    list_filter = ("locale", "digest_enabled")
    autocomplete_fields = ("user",)


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    """The weekly digests sent (or failed): read-only, written by the digest's send task."""

    list_display = ("user", "week", "claimed_at", "sent_at", "error")
    list_filter = ("week",)
    date_hierarchy = "week"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AlertRule)
class AlertRuleAdmin(ReadableLocaleMapsMixin, admin.ModelAdmin):
    readable_fields = {"name": TEXT}
    list_display = ("key", "name_readable", "kind", "team", "assignment", "sla_hours", "is_active")
    list_filter = ("kind", "is_active", "team", "assignment")
    search_fields = ("key",)

    def save_model(self, request, obj, form, change):
        services.alert_rule_save(rule=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.alert_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.alert_rule_delete(rule=rule, actor=request.user)


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("Mine")), ("team", _("My teams'")), ("overdue", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(assignee=request.user)
        if self.value() == "team":
            return queryset.filter(Q(team__members=request.user) | Q(team__lead=request.user)).distinct()
        if self.value() == "overdue":
            return queryset.filter(status__in=selectors.ACTIVE, due_at__lt=timezone.now())
        return queryset


class CaseNoteInline(admin.TabularInline):
    model = CaseNote
    extra = 0
    fields = ("created_at", "author", "text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(MappedActionsAdminMixin, admin.ModelAdmin):
    list_display = ("id", "status", "rule", "team", "assignee", "due_at", "escalation_level", "is_overdue")
    list_filter = (QueueFilter, "status", "team", "rule", "escalation_level")
    list_select_related = ("rule", "team", "assignee")
    date_hierarchy = "opened_at"
    inlines = [CaseNoteInline]
    actions = ["start", "resolve", "close", "reopen"]
    readonly_fields = (
        "status",
        "rule",
        "survey",
        "response",
        "respondent",
        "contact",
        "team",
        "assignee",
        "reason",
        "root_cause",
        "resolution",
        "opened_at",
        "due_at",
        "started_at",
        "resolved_at",
        "closed_at",
        "reopened",
        "escalation_level",
        "escalated_at",
        "resurvey_event",
        "resurvey",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # changes go through the actions and the API (their services audit them)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=_("overdue"))
    def is_overdue(self, obj: Case) -> bool:
        return selectors.case_is_overdue(obj)

    @admin.display(description=_("contact details"))
    def contact(self, obj: Case) -> str:
        """Replaced per request by ``get_readonly_fields`` (it needs the user who looks)."""
        return "-"

    def get_readonly_fields(self, request, obj=None):
        # The contact details depend on who is looking: a callable bound to this request (the
        # admin instance is shared between requests, so the user is never stored on it).
        def contact(case: Case) -> str:
            found = selectors.case_contact(case=case, user=request.user)
            if found is None:
                return _("Shown to the assignee only, when the respondent agreed to be contacted.")
            return " / ".join(value for value in (found["email"], found["phone"]) if value) or "-"

        contact.short_description = _("contact details")
        return tuple(contact if name == "contact" else name for name in self.readonly_fields)

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def _apply(self, request, queryset, service) -> None:
        done = refused = 0
        for case in queryset:
            try:
                service(case=case, actor=request.user)
                done += 1
            except ValidationError:
                refused += 1
        if done:
            self.message_user(request, ngettext("%d case changed.", "%d cases changed.", done) % done)
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%d case was left as it was: the workflow does not allow that change.",
                    "%d cases were left as they were: the workflow does not allow that change.",
                    refused,
                )
                % refused,
                level=messages.WARNING,
            )

    @admin.action(description=_("Start work on the selected cases"))
    def start(self, request, queryset):
        self._apply(request, queryset, services.case_start)

    @admin.action(description=_("Resolve the selected cases"))
    def resolve(self, request, queryset):
        self._apply(request, queryset, services.case_resolve)

    @admin.action(description=_("Close the selected cases"))
    def close(self, request, queryset):
        self._apply(request, queryset, services.case_close)

    @admin.action(description=_("Reopen the selected cases"))
    def reopen(self, request, queryset):
        self._apply(request, queryset, services.case_reopen)


def _number(value: float | None, *, percent: bool) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.1f}%" if percent else f"{value:.1f}"


@admin.register(ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ("id", "title_text", "survey", "topic_key", "owner", "start_date", "window_days")
    list_filter = ("survey", "start_date")
    search_fields = ("topic_key",)
    autocomplete_fields = ("owner",)
    filter_horizontal = ("cases",)
    readonly_fields = ("review",)

    @admin.display(description=_("title"))
    def title_text(self, obj: ImprovementAction) -> str:
        title = obj.title or {}
        return title.get(get_language() or "zh-hans") or title.get("zh-hans") or title.get("en") or ""

    @admin.display(description=_("review"))
    def review(self, obj: ImprovementAction) -> str:
        """The before/after table (``cases.selectors.action_review``)."""
        if obj is None or obj.pk is None:
            return "–"
        review = selectors.action_review(action=obj)
        names = {
            "topic_share": _("Topic share"),
            "detractor_rate": _("Detractor rate"),
            "metric": _("Primary metric (%(metric)s)") % {"metric": review.metric or ""},
        }
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{} [{}, {}]</td><td>{}</td></tr>",
            (
                (
                    names[key],
                    _number(m.before.value, percent=key != "metric"),
                    _number(m.after.value, percent=key != "metric"),
                    _number(m.change.value, percent=key != "metric"),
                    _number(m.change.low, percent=key != "metric"),
                    _number(m.change.high, percent=key != "metric"),
                    "–" if m.change.p_value is None else f"{m.change.p_value:.4f}",
                )
                for key, m in review.measures.items()
            ),
        )
        windows = review.windows
        return format_html(
            "<p>{}</p><table><thead><tr><th></th><th>{}</th><th>{}</th><th>{}</th><th>p</th></tr></thead>"
            "<tbody>{}</tbody></table><p>{}</p>",
            _("Before %(b_from)s – %(b_to)s, after %(a_from)s – %(a_to)s")
            % {
                "b_from": windows.before_from,
                "b_to": windows.before_to,
                "a_from": windows.after_from,
                "a_to": windows.after_to,
            },
            _("Before"),
            _("After"),
            _("Change (interval)"),
            rows,
            _("Cases touched: %(count)s") % {"count": len(review.cases)},
        )

    def save_model(self, request, obj, form, change):
        services.improvement_action_save(action=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        # The linked cases go through their service (audited), not the form's save_m2m.
        cases = form.cleaned_data.pop("cases", None)
        super().save_related(request, form, formsets, change)
        if cases is not None:
            services.improvement_action_cases_set(action=form.instance, cases=cases, actor=request.user)

    def delete_model(self, request, obj):
        services.improvement_action_delete(action=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for action in queryset:
            services.improvement_action_delete(action=action, actor=request.user)
