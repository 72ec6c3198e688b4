"""Admin of the analysis app: the taxonomy ops staff edit, dictionary terms, per-survey
settings, stored comment analyses (read-only), emerging topics with their actions, and the
"Pain points" pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from analysis import admin_views, services
from analysis.models import (
    CommentAnalysis,
    DetractorModelVersion,
    DictionaryTerm,
    EmergingTopic,
    PainPointReport,
    SurveyAnalysisSettings,
    Taxonomy,
    Topic,
)
from config.access import MappedActionsAdminMixin, admin_page
from config.permissions import admin_view_need, user_meets
from surveys.admin_readonly import TEXT, ReadableLocaleMapsMixin

DISCOVER_DAYS = 90


class TopicInline(ReadableLocaleMapsMixin, admin.TabularInline):
    model = Topic
    readable_fields = {"label": TEXT}
    fields = ("position", "key", "label", "stage", "team", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Taxonomy)
class TaxonomyAdmin(ReadableLocaleMapsMixin, admin.ModelAdmin):
    readable_fields = {"name": TEXT}
    list_display = ("key", "name_readable", "audience", "domain", "updated_at")
    search_fields = ("key",)
    inlines = [TopicInline]


@admin.register(Topic)
class TopicAdmin(ReadableLocaleMapsMixin, admin.ModelAdmin):
    readable_fields = {"label": TEXT}
    list_display = ("key", "taxonomy", "label_readable", "stage", "team", "is_active")
    list_filter = ("taxonomy", "stage", "is_active")
    search_fields = ("key", "team")
    fields = (
        "taxonomy",
        "key",
        "position",
        "label",
        "stage",
        "team",
        "terms",
        "exclusions",
        "ambiguous",
        "is_active",
    )


@admin.register(DictionaryTerm)
class DictionaryTermAdmin(admin.ModelAdmin):
    list_display = ("term", "language", "frequency", "pos", "is_active")
    list_filter = ("language", "is_active")
    search_fields = ("term",)


@admin.register(SurveyAnalysisSettings)
class SurveyAnalysisSettingsAdmin(MappedActionsAdminMixin, admin.ModelAdmin):
    list_display = ("survey", "taxonomy", "primary_question_key", "painpoints_link")
    actions = ["train_detractor_model", "discover_emerging"]

    @admin.action(description=_("Train the detractor model from these surveys' scored comments"))
    def train_detractor_model(self, request, queryset):
        for row in queryset:
            result = services.detractor_model_train(survey_id=row.survey_id)
            if result.trained:
                message = _("%(survey)s: model v%(version)s from %(scored)s scored comments.") % {
                    "survey": row.survey.key,
                    "version": result.version,
                    "scored": result.scored,
                }
                self.message_user(request, message)
            else:
                message = _("%(survey)s: too few scored comments of each kind to train.") % {
                    "survey": row.survey.key
                }
                self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Cluster the last 90 days' uncovered comments"))
    def discover_emerging(self, request, queryset):
        today = timezone.localdate()
        for row in queryset:
            result = services.cluster_discover(
                survey=row.survey, date_from=today - dt.timedelta(days=DISCOVER_DAYS - 1), date_to=today
            )
            self.message_user(
                request,
                _("%(survey)s: %(clusters)s clusters from %(comments)s comments.")
                % {"survey": row.survey.key, "clusters": result.clusters, "comments": result.comments},
            )

    @admin.display(description=_("Pain points"))
    def painpoints_link(self, obj):
        url = reverse("admin:analysis_painpoints_survey", args=[obj.survey.key])
        return format_html('<a href="{}">{}</a>', url, _("Open"))


@admin.register(CommentAnalysis)
class CommentAnalysisAdmin(admin.ModelAdmin):
    list_display = (
        "response",
        "survey",
        "question_key",
        "language",
        "short_text",
        "topics",
        "detractor_likelihood",
        "is_mismatch",
    )
    list_filter = ("is_mismatch", "language", "survey")
    search_fields = ("text",)

    @admin.display(description=_("comment"))
    def short_text(self, obj):
        return obj.text[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmergingTopic)
class EmergingTopicAdmin(MappedActionsAdminMixin, admin.ModelAdmin):
    list_display = (
        "key",
        "survey",
        "label",
        "keywords",
        "mentions",
        "parent_key",
        "status",
        "is_edited_by_person",
        "topic",
    )
    list_filter = ("status", "survey", "is_edited_by_person")
    search_fields = ("key", "parent_key", "label")
    readonly_fields = (
        "survey",
        "key",
        "keywords",
        "mentions",
        "example_comment_ids",
        "parent_key",
        "parent_keywords",
        "status",
        "discovered_at",
    )
    fields = (*readonly_fields, "label", "topic")
    actions = ["promote", "dismiss", "discover_again"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        # Renaming and merging go through their services (they mark the row as a person's edit).
        emerging = EmergingTopic.objects.get(pk=obj.pk)
        try:
            if "topic" in form.changed_data and obj.topic is not None:
                services.emerging_merge(emerging=emerging, topic=obj.topic)
            if "label" in form.changed_data and obj.label:
                services.emerging_rename(emerging=emerging, label=obj.label)
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)

    @admin.action(description=_("Promote to the taxonomy (keywords become seed terms)"))
    def promote(self, request, queryset):
        done = 0
        for emerging in queryset.filter(status__in=[EmergingTopic.Status.NEW, EmergingTopic.Status.RENAMED]):
            name = emerging.label or emerging.key
            key = slugify(emerging.key, allow_unicode=False) or f"emerging-{emerging.pk}"
            try:
                services.emerging_promote(
                    emerging=emerging, key=key[:64], label={"zh-hans": name, "en": name}
                )
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{emerging.key}: {'; '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, _("%(n)s topic(s) promoted.") % {"n": done})

    @admin.action(description=_("Dismiss"))
    def dismiss(self, request, queryset):
        for emerging in queryset:
            services.emerging_dismiss(emerging=emerging)
        self.message_user(request, _("%(n)s topic(s) dismissed.") % {"n": queryset.count()})

    @admin.action(description=_("Cluster the last 90 days again for these surveys"))
    def discover_again(self, request, queryset):
        today = timezone.localdate()
        for survey in {e.survey for e in queryset}:
            result = services.cluster_discover(
                survey=survey, date_from=today - dt.timedelta(days=DISCOVER_DAYS - 1), date_to=today
            )
            self.message_user(
                request,
                _("%(survey)s: %(clusters)s clusters from %(comments)s comments.")
                % {"survey": survey.key, "clusters": result.clusters, "comments": result.comments},
            )


@admin.register(DetractorModelVersion)
class DetractorModelVersionAdmin(admin.ModelAdmin):
    list_display = ("survey", "version", "trained_on", "dictionary_version", "trained_at")
    exclude = ("payload",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PainPointReport)
class PainPointReportAdmin(admin.ModelAdmin):
    """The admin index's "Pain points" entry: a survey list, then each survey's report."""

    def has_view_permission(self, request, obj=None):
        return user_meets(request.user, admin_view_need("admin:analysis_painpoints_surveys"))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def route(route: str, view, name: str):
            return path(route, admin_page(self.admin_site, view, name), name=name)

        return [
            # the admin index links to the changelist name; the pages use the clearer ones
            route("", admin_views.surveys_page, "analysis_painpointreport_changelist"),
            route("", admin_views.surveys_page, "analysis_painpoints_surveys"),
            route("<slug:key>/", admin_views.survey_page, "analysis_painpoints_survey"),
        ]
