"""Detractor likelihood from the platform's own comments that carry a score.

Scored comments get out-of-fold (cross-fitted) likelihoods, so no comment is judged by a model
that saw it; unscored comments get the full model's prediction. The full model is stored
(joblib bytes in ``DetractorModelVersion.payload``) and scores new comments as they are
analysed. Only this service writes the payload, and it is only ever loaded from there: a pickle
runs code when loaded, so it must never come from an upload or another system.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import joblib
import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analysis.detractor import DetractorModel, detractor_model_fit, mismatch_flags, out_of_fold_likelihood
from analysis.models import CommentAnalysis, DetractorModelVersion
from analysis.services.aggregates import counts_changed
from analysis.text.pipeline import ProcessedComment

_LOADED: dict[int, DetractorModel] = {}


@dataclass(frozen=True)
class TrainResult:
    comments: int
    scored: int
    trained: bool
    version: int | None


def _doc(row: dict) -> ProcessedComment:
    return ProcessedComment(
        text=row["text"],
        language=row["language"],
        tokens=tuple(row["tokens"]),
        phrases=tuple(row["phrases"]),
        truncated=row["truncated"],
        dictionary_version=row["pipeline_version"],
    )


def detractor_model_train(*, survey_id: int | None = None, seed: int = 0) -> TrainResult:
    """Train on one survey's comments (or every survey's, ``survey_id=None``); store the
    likelihoods, mismatch flags and the model. Nothing is written when a class is too small."""
    queryset = CommentAnalysis.objects.filter(response__facts__isnull=False)
    if survey_id is not None:
        queryset = queryset.filter(survey_id=survey_id)
    rows = list(
        queryset.order_by("id").values(
            "id",
            "survey_id",
            "text",
            "language",
            "tokens",
            "phrases",
            "truncated",
            "pipeline_version",
            "response__facts__primary_score",
            "response__facts__is_detractor",
            "response__facts__is_promoter",
        )
    )
    docs = [_doc(r) for r in rows]
    labels = [
        None if r["response__facts__primary_score"] is None else bool(r["response__facts__is_detractor"])
        for r in rows
    ]
    scored = [i for i, label in enumerate(labels) if label is not None]
    likelihood = out_of_fold_likelihood(docs, labels, seed=seed)
    if likelihood is None:
        return TrainResult(len(rows), len(scored), False, None)
    model = detractor_model_fit([docs[i] for i in scored], [labels[i] for i in scored], seed=seed)
    likelihood = np.clip(likelihood, 0.0, 1.0)
    flags = mismatch_flags([bool(r["response__facts__is_promoter"]) for r in rows], likelihood)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    with transaction.atomic():
        latest = (
            DetractorModelVersion.objects.filter(survey_id=survey_id).aggregate(v=Max("version"))["v"] or 0
        )
        stored = DetractorModelVersion.objects.create(
            survey_id=survey_id,
            version=latest + 1,
            payload=buffer.getvalue(),
            trained_on=len(scored),
            dictionary_version=docs[0].dictionary_version if docs else "",
            trained_at=timezone.now(),
        )
        updates = []
        for row, value, flag in zip(rows, likelihood, flags, strict=True):
            updates.append(
                CommentAnalysis(
                    pk=row["id"],
                    detractor_likelihood=None if np.isnan(value) else round(float(value), 4),
                    is_mismatch=bool(flag),
                )
            )
        counts_changed(row["survey_id"] for row in rows)  # the cached comment samples rank by it
        CommentAnalysis.objects.bulk_update(updates, ["detractor_likelihood", "is_mismatch"], batch_size=1000)
    return TrainResult(len(rows), len(scored), True, stored.version)


def detractor_model_for_survey(survey_id: int) -> DetractorModel | None:
    """The latest stored model of the survey, else the latest cross-survey one (cached)."""
    row = (
        DetractorModelVersion.objects.filter(survey_id=survey_id)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
        or DetractorModelVersion.objects.filter(survey__isnull=True)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if row is None:
        return None
    model = _LOADED.get(row)
    if model is None:
        payload = DetractorModelVersion.objects.values_list("payload", flat=True).get(pk=row)
        # Safe only because the platform wrote this payload itself (see the module docstring).
        model = joblib.load(io.BytesIO(bytes(payload)))
        _LOADED.clear()
        _LOADED[row] = model
    return model
