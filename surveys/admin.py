"""The admin survey builder for ops staff.

The survey page edits the draft: survey texts side by side per locale, questions inline
(ordered by their position; up/down buttons renumber them), each question's choices or matrix
items as ``key | 中文 | English`` lines, a display condition editor, and the read-only history
of published versions. Buttons lead to the respondent-page preview in each locale, "Save and
publish", and duplicating. Versions are immutable: nobody may add, change or delete one here.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.access import MappedActionsAdminMixin, admin_page
from config.permissions import admin_view_need, user_meets
from surveys import admin_readonly as readable
from surveys import admin_views, admin_writes, services
from surveys.admin_writes import ServiceWritesAdminMixin
from surveys.forms import ChoiceForm, QuestionForm, QuestionInlineForm, SurveyForm, condition_summary
from surveys.models import Choice, Question, Survey, SurveyVersion
from surveys.templatetags.survey_tags import loc, locale_name
from surveys.widgets import survey_locales

ADMIN_CSS = {"all": ["css/admin_survey.css"]}
ADMIN_JS = ["js/admin_survey.js"]


def text_in_user_language(value: dict) -> str:
    return loc(value, get_language() or "")


QUESTION_READABLE = {
    "text": readable.TEXT,
    "help_text": readable.TEXT,
    "min_label": readable.TEXT,
    "max_label": readable.TEXT,
    "condition": readable.CONDITION,
    "choices_text": readable.CHOICES,
}


class QuestionInline(readable.ReadableLocaleMapsMixin, admin.StackedInline):
    model = Question
    form = QuestionInlineForm
    readable_fields = QUESTION_READABLE
    readable_labels = {"choices_text": _("choices or matrix items")}
    extra = 0
    show_change_link = True
    ordering = ["position", "id"]
    readonly_fields = ["summary"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("position", "key", "kind", "required"),
                    "summary",
                    "text",
                    "help_text",
                    ("scale_min", "scale_max", "max_length"),
                    "min_label",
                    "max_label",
                    "condition",
                    "choices_text",
                ]
            },
        )
    ]
    classes = ["question-inline"]

    def get_queryset(self, request):
        # The summary and the choices lines read each question's choices: one query for all.
        return super().get_queryset(request).select_related("survey").prefetch_related("choices")

    @admin.display(description=_("summary"))
    def summary(self, question: Question) -> str:
        if not question.pk:
            return "—"
        parts = [question.get_kind_display()]
        if not question.required:
            parts.append(gettext("optional"))
        count = len(question.choices.all())
        if count:
            parts.append(
                ngettext("%(count)d choice/item", "%(count)d choices/items", count) % {"count": count}
            )
        shown = condition_summary(question.condition)
        if shown:
            parts.append(gettext("shown when %(condition)s") % {"condition": shown})
        return " · ".join(parts)


class VersionInline(admin.TabularInline):
    model = SurveyVersion
    verbose_name = _("published version")
    verbose_name_plural = _("version history")
    extra = 0
    can_delete = False
    ordering = ["-number"]
    fields = ["number", "published_at", "published_by", "note", "short_checksum", "definition_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("checksum"))
    def short_checksum(self, version: SurveyVersion) -> str:
        return format_html('<code title="{}">{}</code>', version.checksum, version.checksum[:12])

    @admin.display(description=_("frozen definition"))
    def definition_link(self, version: SurveyVersion) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:surveys_surveyversion_change", args=[version.pk]),
            gettext("View definition"),
            reverse("admin:surveys_surveyversion_preview", args=[version.pk]),
            gettext("Preview"),
        )


@admin.register(Survey)
class SurveyAdmin(
    ServiceWritesAdminMixin, readable.ReadableLocaleMapsMixin, MappedActionsAdminMixin, admin.ModelAdmin
):
    form = SurveyForm
    inlines = [QuestionInline, VersionInline]
    list_display = ["key", "title_shown", "audience", "status", "latest_version", "has_unpublished_changes"]
    list_filter = ["audience", "status", "has_unpublished_changes"]
    search_fields = ["key"]
    actions = ["publish_selected", "duplicate_selected"]
    change_form_template = "admin/surveys/survey/change_form.html"
    change_list_template = "admin/surveys/survey/change_list.html"
    save_on_top = True
    readable_fields = {
        "locales": readable.LOCALES,
        "default_locale": readable.LOCALE,
        "title": readable.TEXT,
        "introduction": readable.TEXT,
        "thank_you": readable.TEXT,
    }
    fieldsets = [
        (None, {"fields": [("key", "audience", "family")]}),
        (_("Languages"), {"fields": [("locales", "default_locale")]}),
        (_("Texts"), {"fields": ["title", "introduction", "thank_you"]}),
        (_("Metric"), {"fields": ["primary_question_key"]}),
        (_("Publishing"), {"fields": ["publish_check", "publish_note", "status", "has_unpublished_changes"]}),
        (
            _("Retention"),
            {
                "fields": [("retention_days", "retention_mode"), "retention_enabled"],
                "description": _(
                    "What a run would remove now, per survey: Responses › Retention (dry run). "
                    "Runs daily once switched on."
                ),
            },
        ),
    ]

    class Media:
        css = ADMIN_CSS
        js = ADMIN_JS

    def get_readonly_fields(self, request, obj=None):
        readonly = ["publish_check", "status", "has_unpublished_changes"]
        # A published key is referenced by rules, responses and exports; it stays as it is.
        if obj is not None and obj.versions.exists():
            readonly.append("key")
        return readonly

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(latest_version_number=Max("versions__number"))

    def get_search_results(self, request, queryset, search_term):
        filtered = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            # Titles are locale maps: match inside each locale's text (SQLite stores JSON with
            # escaped Chinese, so a search on the whole JSON text would miss it).
            title_match = Q()
            for code in survey_locales():
                title_match |= Q(**{f"title__{code}__icontains": term})
            queryset = queryset | filtered.filter(title_match)
        return queryset, may_have_duplicates

    @admin.display(description=_("ready to publish?"))
    def publish_check(self, survey: Survey) -> str:
        if survey.pk is None:
            return "—"
        rows = admin_views.survey_check_rows(survey)
        if not rows:
            return format_html(
                '<p class="publish-check publish-check--ready">{}</p>',
                gettext("Yes: the saved draft passes every check."),
            )
        items = format_html_join(
            "",
            "<li><strong>{}</strong> · <code>{}</code>: {}</li>",
            ((row["where"], row["field"], row["message"]) for row in rows),
        )
        title = ngettext(
            "Not yet: %(count)d problem in the saved draft.",
            "Not yet: %(count)d problems in the saved draft.",
            len(rows),
        ) % {"count": len(rows)}
        return format_html(
            '<div class="publish-check publish-check--problems"><p>{}</p><ul>{}</ul></div>', title, items
        )

    @admin.display(description=_("title"))
    def title_shown(self, survey: Survey) -> str:
        return text_in_user_language(survey.title)

    @admin.display(description=_("latest version"), ordering="latest_version_number")
    def latest_version(self, survey: Survey):
        number = getattr(survey, "latest_version_number", None)
        return f"v{number}" if number else "—"

    def get_urls(self):
        def route(route: str, view, name: str):
            def bound(request, *args, **kwargs):
                return view(self, request, *args, **kwargs)

            # admin_page checks the page's need in config.permissions before the view runs.
            return path(route, admin_page(self.admin_site, bound, name), name=name)

        return [
            route("templates/", admin_views.survey_templates_view, "surveys_survey_templates"),
            route("<path:object_id>/preview/", admin_views.survey_preview_view, "surveys_survey_preview"),
            route("<path:object_id>/publish/", admin_views.survey_publish_view, "surveys_survey_publish"),
            route(
                "<path:object_id>/duplicate/", admin_views.survey_duplicate_view, "surveys_survey_duplicate"
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["survey_locales"] = list(obj.locales) if obj is not None and obj.locales else []
        context["can_publish"] = self.has_publish_permission(request)
        context["publish_problems"] = (
            admin_views.survey_problem_inputs(obj) if obj is not None and obj.pk else []
        )
        context["question_keys"] = (
            list(obj.questions.order_by("position", "id").values_list("key", flat=True))
            if obj is not None
            else []
        )
        return super().render_change_form(
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    # Writes go through surveys.services, as the API's (surveys/admin_writes.py).
    def save_model(self, request, obj, form, change):
        admin_writes.survey_save(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Question:
            admin_writes.questions_save(formset, form.instance)
        else:
            super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Blank or sparse positions become 1..n in the order shown, so the draft order is exact.
        services.questions_renumber(survey=form.instance)

    def _publish_after_save(self, request, obj, response):
        if "_publish" not in request.POST:
            return response
        note = (request.POST.get("publish_note") or "")[:255]
        admin_views.survey_publish_with_messages(request, obj, note=note)
        return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[obj.pk]))

    def response_change(self, request, obj):
        return self._publish_after_save(request, obj, super().response_change(request, obj))

    def response_add(self, request, obj, post_url_continue=None):
        return self._publish_after_save(request, obj, super().response_add(request, obj, post_url_continue))

    def has_publish_permission(self, request) -> bool:
        return user_meets(request.user, admin_view_need("admin:surveys_survey_publish"))

    # Who may run each action: config.permissions.ADMIN_ACTIONS (MappedActionsAdminMixin).
    @admin.action(description=_("Publish selected surveys"))
    def publish_selected(self, request: HttpRequest, queryset) -> None:
        for survey in queryset.order_by("key"):
            admin_views.survey_publish_with_messages(request, survey)

    @admin.action(description=_("Duplicate selected surveys (as <key>-copy)"))
    def duplicate_selected(self, request: HttpRequest, queryset):
        surveys = list(queryset.order_by("key"))
        if len(surveys) == 1:
            # One survey: ask for the new key, suggesting <key>-copy.
            return HttpResponseRedirect(reverse("admin:surveys_survey_duplicate", args=[surveys[0].pk]))
        for survey in surveys:
            new_key = admin_views.free_copy_key(survey.key)
            try:
                with transaction.atomic():
                    services.survey_duplicate(survey=survey, new_key=new_key, user=request.user)
            except ValidationError as exc:
                messages.error(request, f"{survey.key}: {'; '.join(exc.messages)}")
            else:
                messages.success(
                    request,
                    gettext("Copied %(key)s to %(new_key)s, a draft.")
                    % {"key": survey.key, "new_key": new_key},
                )
        return None


class ChoiceInline(readable.ReadableLocaleMapsMixin, admin.TabularInline):
    model = Choice
    form = ChoiceForm
    readable_fields = {"label": readable.TEXT}
    extra = 1
    ordering = ["position", "id"]


@admin.register(Question)
class QuestionAdmin(ServiceWritesAdminMixin, readable.ReadableLocaleMapsMixin, admin.ModelAdmin):
    """One question with its choices or matrix items as rows; reached from the survey page."""

    form = QuestionForm
    readable_fields = {name: kind for name, kind in QUESTION_READABLE.items() if name != "choices_text"}
    inlines = [ChoiceInline]
    list_display = ["__str__", "kind", "position"]
    list_select_related = ["survey"]
    search_fields = ["key", "survey__key"]
    readonly_fields = ["survey_link"]
    fields = [
        "survey_link",
        ("position", "key", "kind", "required"),
        "text",
        "help_text",
        ("scale_min", "scale_max", "max_length"),
        "min_label",
        "max_label",
        "condition",
    ]

    class Media:
        css = ADMIN_CSS

    def has_module_permission(self, request) -> bool:
        # Questions are edited from their survey's page; this page is for one question's choices.
        return False

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("survey"))
    def survey_link(self, question: Question) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:surveys_survey_change", args=[question.survey_id]),
            str(question.survey),
        )

    def save_model(self, request, obj, form, change):
        admin_writes.question_save(request, obj, form)

    def save_formset(self, request, form, formset, change):
        admin_writes.choices_save(formset, form.instance)

    def response_change(self, request, obj):
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_change(request, obj)
        super().response_change(request, obj)
        return HttpResponseRedirect(reverse("admin:surveys_survey_change", args=[obj.survey_id]))


@admin.register(SurveyVersion)
class SurveyVersionAdmin(admin.ModelAdmin):
    """Published versions are immutable: viewable, never added, changed or deleted here."""

    list_display = ["__str__", "survey", "number", "published_at", "published_by", "note"]
    list_filter = ["survey__audience"]
    list_select_related = ["survey", "published_by"]
    search_fields = ["survey__key", "note"]
    fields = [
        "survey",
        "number",
        "published_at",
        "published_by",
        "note",
        "checksum",
        "preview_links",
        "definition_shown",
    ]
    readonly_fields = fields

    class Media:
        css = ADMIN_CSS

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        return {}

    def get_urls(self):
        def preview(request, object_id):
            return admin_views.version_preview_view(self, request, object_id)

        name = "surveys_surveyversion_preview"
        return [
            path("<path:object_id>/preview/", admin_page(self.admin_site, preview, name), name=name),
            *super().get_urls(),
        ]

    @admin.display(description=_("preview"))
    def preview_links(self, version: SurveyVersion) -> str:
        url = reverse("admin:surveys_surveyversion_preview", args=[version.pk])
        locales = version.definition.get("locales") or []
        return format_html_join(
            " · ",
            '<a href="{}?lang={}" lang="{}">{}</a>',
            ((url, code, code, locale_name(code)) for code in locales),
        )

    @admin.display(description=_("definition"))
    def definition_shown(self, version: SurveyVersion) -> str:
        text = json.dumps(version.definition, ensure_ascii=False, indent=2, sort_keys=False)
        return format_html('<pre class="definition-json">{}</pre>', text)
