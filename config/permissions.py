"""Who may do what: the one permission map of the API and the admin, and the roles' grants.

Every operation of the staff API (URL name under ``/api/v1/`` and HTTP method), every admin
action, every custom admin page and every workspace page names the Django permissions it needs
here; the DRF permission class, the admin and the workspace (``config.access``) read this map
and nothing else. A user must be active staff and hold every permission listed (a superuser
holds them all). The events API is the one operation for a source system's API key instead of
a user.

``ROLE_GRANTS`` is the single source of what each role (a Django group) holds; the groups are
brought in line with it after every ``migrate`` and ``flush`` and by ``demo_load``
(``surveys.roles.roles_ensure``). Standard admin pages (list, add, change, delete) keep Django's
model permissions (``<app>.<action>_<model>``), which the grants below give.

Policy: viewers read and never change anything; they read what process owners read except
respondents' contact details. Process owners read responses, comments, the funnel and pain
points and manage the taxonomy and emerging topics; they work follow-up cases, manage alert
rules, teams and improvement actions, and read the audit trail. Viewers read cases and actions.
Survey designers manage surveys, rules, starter templates and open links, and read events,
invitations and the funnel.

Exports take respondents' data out: process owners and survey designers may export what they
may read (each kind of export needs ``exports.export_data`` and the permissions of reading its
content, ``api:export-<kind>`` below; a background export of a kind needs the same). Viewers
may not export. Respondents' email and phone are only in an export made by a user who may read
contact details (``READ_CONTACTS``). The export records are read-only in the admin.

This module imports nothing from the apps; it is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

SURVEY_DESIGNERS = "survey_designers"
PROCESS_OWNERS = "process_owners"
VIEWERS = "viewers"
ROLES = (SURVEY_DESIGNERS, PROCESS_OWNERS, VIEWERS)


@dataclass(frozen=True)
class Need:
    """What an operation needs: these permissions (all of them), or a source system's key."""

    permissions: tuple[str, ...] = ()
    source_system: bool = False

    def __str__(self) -> str:
        if self.source_system:
            return "source system API key"
        return " + ".join(self.permissions) or "active staff (for their own account)"


def need(*permissions: str) -> Need:
    return Need(permissions=permissions)


SOURCE_SYSTEM = Need(source_system=True)

# Shared needs: the page and the API of one operation name the same entry.
READ_SURVEYS = need("surveys.view_survey")
READ_VERSIONS = need("surveys.view_surveyversion")
COPY_SURVEY = need("surveys.add_survey", "surveys.add_question", "surveys.add_choice")
PUBLISH = need("surveys.publish_survey")
READ_FUNNEL = need("responses.view_funnel")
READ_PAINPOINTS = need("analysis.view_painpoints")
READ_EMERGING = need("analysis.view_emergingtopic")
ACT_ON_EMERGING = need("analysis.change_emergingtopic", "analysis.change_topic")
DISCOVER_EMERGING = need("analysis.change_emergingtopic")
EXPORT = need("exports.export_data")
# The respondents' comments, searched in the workspace.
READ_COMMENTS = need("analysis.view_painpoints", "analysis.view_commentanalysis")
READ_RESPONSES = need("responses.view_response", "responses.view_answer")
# A respondent's email and phone (and only with the response's consent to be contacted); viewers
# never hold it.
READ_CONTACTS = need("responses.view_respondent")
# Erasing a respondent's personal data on request (API, admin action): no role holds it, only
# superusers (administrators) do. docs/security.md, "Privacy".
ERASE = need("responses.erase_respondent")
READ_CASES = need("cases.view_case")
WORK_CASES = need("cases.view_case", "cases.change_case")
# Trying an event on the distribution rules (API and admin page): it shows the rules and what
# is known of the respondent (opted out, reachable, recent invitations), so it needs both.
DRY_RUN_RULES = need("surveys.view_distributionrule", "responses.view_serviceevent")
# An action's review lists the cases it touched.
READ_ACTIONS = need("cases.view_improvementaction", "cases.view_case")
# The weekly digest: process owners receive it, preview it and turn it off (docs/digest.md).
RECEIVE_DIGEST = need("cases.receive_digest")
# The audit trail (who changed what): process owners and the superuser; never viewers.
READ_AUDIT = need("ops.view_auditentry")

# (URL name, HTTP method) -> need. HEAD follows GET; OPTIONS is allowed to whoever may do one
# of the endpoint's operations. An operation missing here is refused.
API_OPERATIONS: dict[tuple[str, str], Need] = {
    ("api:survey-list", "GET"): READ_SURVEYS,
    ("api:survey-list", "POST"): need("surveys.add_survey"),
    ("api:survey-detail", "GET"): READ_SURVEYS,
    ("api:survey-detail", "PATCH"): need("surveys.change_survey"),
    ("api:survey-duplicate", "POST"): COPY_SURVEY,
    ("api:survey-preview", "GET"): READ_SURVEYS,
    ("api:survey-publish", "POST"): PUBLISH,
    ("api:survey-version-list", "GET"): READ_VERSIONS,
    ("api:survey-version-detail", "GET"): READ_VERSIONS,
    ("api:question-list", "GET"): need("surveys.view_question"),
    ("api:question-list", "POST"): need("surveys.add_question"),
    ("api:question-detail", "GET"): need("surveys.view_question"),
    ("api:question-detail", "PATCH"): need("surveys.change_question"),
    ("api:question-detail", "DELETE"): need("surveys.delete_question"),
    ("api:choice-list", "GET"): need("surveys.view_choice"),
    ("api:choice-list", "POST"): need("surveys.add_choice"),
    ("api:choice-detail", "GET"): need("surveys.view_choice"),
    ("api:choice-detail", "PATCH"): need("surveys.change_choice"),
    ("api:choice-detail", "DELETE"): need("surveys.delete_choice"),
    ("api:survey-template-list", "GET"): READ_SURVEYS,
    ("api:survey-template-load", "POST"): COPY_SURVEY,
    ("api:events-ingest", "POST"): SOURCE_SYSTEM,
    ("api:rules-dry-run", "POST"): DRY_RUN_RULES,
    ("api:funnel", "GET"): READ_FUNNEL,
    ("api:survey-metrics", "GET"): READ_PAINPOINTS,
    ("api:survey-pain-points", "GET"): READ_PAINPOINTS,
    ("api:survey-emerging-topics", "GET"): READ_EMERGING,
    ("api:survey-emerging-topic-action", "POST"): ACT_ON_EMERGING,
    # One entry per kind of export: what streaming it needs, and starting it in the background.
    ("api:export-responses", "GET"): need(
        "exports.export_data", "responses.view_response", "responses.view_answer"
    ),
    ("api:export-pain-points", "GET"): need("exports.export_data", "analysis.view_painpoints"),
    ("api:export-funnel", "GET"): need("exports.export_data", "responses.view_funnel"),
    ("api:export-comments", "GET"): need("exports.export_data", "analysis.view_commentanalysis"),
    ("api:export-start", "POST"): EXPORT,
    ("api:export-detail", "GET"): EXPORT,
    ("api:export-download", "GET"): EXPORT,
    ("api:case-list", "GET"): READ_CASES,
    ("api:case-detail", "GET"): READ_CASES,
    ("api:case-detail", "PATCH"): WORK_CASES,
    ("api:action-list", "GET"): READ_ACTIONS,
    ("api:action-review", "GET"): READ_ACTIONS,
    ("api:respondent-erasure", "POST"): ERASE,
}

# (model label, action name) -> need. Django's own "delete_selected" needs the model's delete
# permission (see admin_action_need).
ADMIN_ACTIONS: dict[tuple[str, str], Need] = {
    ("surveys.survey", "publish_selected"): PUBLISH,
    ("surveys.survey", "duplicate_selected"): COPY_SURVEY,
    ("responses.respondent", "opt_out"): need("responses.change_respondent"),
    ("responses.respondent", "erase"): ERASE,
    ("responses.sourcesystem", "rotate_key"): need("responses.change_sourcesystem"),
    ("analysis.surveyanalysissettings", "train_detractor_model"): need(
        "analysis.change_surveyanalysissettings"
    ),
    ("analysis.surveyanalysissettings", "discover_emerging"): DISCOVER_EMERGING,
    ("analysis.emergingtopic", "promote"): ACT_ON_EMERGING,
    ("analysis.emergingtopic", "dismiss"): DISCOVER_EMERGING,
    ("analysis.emergingtopic", "discover_again"): DISCOVER_EMERGING,
    ("cases.case", "start"): WORK_CASES,
    ("cases.case", "resolve"): WORK_CASES,
    ("cases.case", "close"): WORK_CASES,
    ("cases.case", "reopen"): WORK_CASES,
    # django-axes' login records (docs/security.md): no role holds their permissions, so only a
    # superuser sees them and may clear the expired ones.
    ("axes.accessattempt", "cleanup_expired_attempts"): need("axes.delete_accessattempt"),
}

# What every active staff user may do for their own account (make and revoke their API token).
OWN_ACCOUNT = need()
# Admin URL name -> need, for the admin's own pages beyond list/add/change/delete/history.
ADMIN_VIEWS: dict[str, Need] = {
    "admin:api_token": OWN_ACCOUNT,
    "admin:surveys_survey_templates": COPY_SURVEY,
    "admin:surveys_survey_preview": READ_SURVEYS,
    "admin:surveys_survey_publish": PUBLISH,
    "admin:surveys_survey_duplicate": COPY_SURVEY,
    "admin:surveys_surveyversion_preview": READ_VERSIONS,
    "admin:responses_serviceevent_upload": need("responses.add_serviceevent"),
    "admin:surveys_distributionrule_dry_run": DRY_RUN_RULES,
    "admin:responses_funnel": READ_FUNNEL,
    # The retention settings of every survey with the dry-run count (what the next run removes).
    "admin:responses_retention": need("surveys.change_survey", "responses.view_response"),
    "admin:analysis_painpointreport_changelist": READ_PAINPOINTS,
    "admin:analysis_painpoints_surveys": READ_PAINPOINTS,
    "admin:analysis_painpoints_survey": READ_PAINPOINTS,
}


# Workspace URL name -> need: the process owners' pages under /workspace/ (staff login; the
# check is ``config.access.workspace_page``). A section of a page may need more (the funnel
# READ_FUNNEL, contact details READ_CONTACTS); the page checks it with ``user_meets``.
WORKSPACE_PAGES: dict[str, Need] = {
    "workspace:overview": READ_PAINPOINTS,
    "workspace:painpoints": READ_PAINPOINTS,
    "workspace:topic": READ_PAINPOINTS,
    "workspace:response": READ_RESPONSES,
}
# The segments, comments and key-drivers pages (workspace/explore_views.py).
WORKSPACE_PAGES |= {
    "workspace:segments": READ_PAINPOINTS,
    "workspace:comments": READ_COMMENTS,
    "workspace:drivers": READ_PAINPOINTS,
    "workspace:processes": READ_PAINPOINTS,
}
# The case queue and a case's page (workspace/case_views.py): viewers read; the changes (start,
# resolve, close, reopen, reassign, note) need WORK_CASES.
WORKSPACE_PAGES |= {
    "workspace:cases": READ_CASES,
    "workspace:case": READ_CASES,
    "workspace:case_action": WORK_CASES,
}
# The weekly digest's preview (HTML and text) and the reader's own on/off switch
# (workspace/digest_views.py). The unsubscribe link of the mail is outside the workspace: its
# signed token is its credential.
WORKSPACE_PAGES |= {
    "workspace:digest": RECEIVE_DIGEST,
    "workspace:digest_text": RECEIVE_DIGEST,
    "workspace:digest_settings": RECEIVE_DIGEST,
}
# The audit trail, read-only (workspace/audit_views.py), besides its read-only admin page.
WORKSPACE_PAGES |= {"workspace:audit": READ_AUDIT}


def _crud(app_label: str, *models: str, actions: tuple[str, ...] = ("add", "change", "delete", "view")):
    return {f"{app_label}.{action}_{model}" for model in models for action in actions}


_READ_SURVEYS = _crud("surveys", "survey", "question", "choice", "surveyversion", actions=("view",))
_READ_ANALYSIS = {
    "analysis.view_painpoints",
    *_crud(
        "analysis",
        "taxonomy",
        "topic",
        "commentanalysis",
        "commenttopic",
        "emergingtopic",
        "surveyanalysissettings",
        actions=("view",),
    ),
}
_READ_ANSWERS = {"responses.view_response", "responses.view_answer", "responses.view_funnel"}
_READ_CASES = _crud("cases", "case", "casenote", "alertrule", "team", "improvementaction", actions=("view",))

ROLE_GRANTS: dict[str, frozenset[str]] = {
    SURVEY_DESIGNERS: frozenset(
        {
            *_crud("surveys", "survey", "question", "choice", "distributionrule"),
            "surveys.publish_survey",
            "surveys.view_surveyversion",
            *_crud("responses", "openlink"),
            *_crud(
                "responses", "serviceevent", "invitation", "suppression", "quotacounter", actions=("view",)
            ),
            "responses.view_funnel",
            "analysis.view_painpoints",
            *_crud("analysis", "taxonomy", "topic", "dictionaryterm", "surveyanalysissettings"),
            "analysis.view_emergingtopic",
            "analysis.change_emergingtopic",
            "analysis.view_commentanalysis",
            "analysis.view_detractormodelversion",
            "exports.export_data",
        }
    ),
    PROCESS_OWNERS: frozenset(
        {
            *_READ_SURVEYS,
            *_READ_ANSWERS,
            "responses.view_respondent",
            *_READ_ANALYSIS,
            *_crud("analysis", "taxonomy", "topic"),
            "analysis.change_emergingtopic",
            "exports.export_data",
            *_READ_CASES,
            "cases.change_case",
            "cases.add_casenote",
            "cases.receive_digest",
            "cases.view_weeklydigest",
            *_crud("cases", "alertrule", "team", "staffprofile", "improvementaction"),
            "ops.view_auditentry",
        }
    ),
    VIEWERS: frozenset({*_READ_SURVEYS, *_READ_ANSWERS, *_READ_ANALYSIS, *_READ_CASES}),
}


def api_need(view_name: str, method: str) -> Need | None:
    return API_OPERATIONS.get((view_name, "GET" if method == "HEAD" else method))


def export_kind_need(kind: str) -> Need | None:
    """What exporting ``kind`` needs: its streaming endpoint's entry, also for the background."""
    return API_OPERATIONS.get((f"api:export-{kind}", "GET"))


def admin_action_need(model_label: str, action: str) -> Need | None:
    if action == "delete_selected":
        app_label, model_name = model_label.split(".")
        return need(f"{app_label}.delete_{model_name}")
    return ADMIN_ACTIONS.get((model_label, action))


def admin_view_need(url_name: str) -> Need | None:
    return ADMIN_VIEWS.get(url_name)


def workspace_page_need(url_name: str) -> Need | None:
    return WORKSPACE_PAGES.get(url_name)


def user_meets(user, requirement: Need | None) -> bool:
    """Active staff holding every permission of ``requirement``; never for a missing entry."""
    if requirement is None or requirement.source_system:
        return False
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.has_perms(requirement.permissions)


def role_meets(role: str, requirement: Need) -> bool:
    """Whether a member of ``role`` (or ``"superuser"``) may do an operation, from the map."""
    if requirement.source_system:
        return False
    if role == "superuser":
        return True
    return set(requirement.permissions) <= ROLE_GRANTS[role]
