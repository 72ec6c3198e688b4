"""Checks of display conditions (docs/survey-definition.md, "Conditions").

A condition may refer only to earlier questions, with an operator that fits the kind of the
question it names and a value that question can actually take.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from surveys.errors import SurveyErrorCode as Code
from surveys.validation.rules import CHOICE_KINDS, KINDS, LIST_OPS, MATRIX_KIND, OPS_BY_KIND, is_int


class ConditionChecks:
    """Mixed into the checker, which provides ``add``."""

    add: Callable[[str, str, Code, str], None]  # the checker's method that records one error

    def position_of(self, questions: list) -> dict[str, int]:
        """Key -> index of its first question, built once (a linear scan per clause is quadratic)."""
        if getattr(self, "_positions", None) is None:
            self._positions: dict[str, int] = {}
            for index, question in enumerate(questions):
                key = question.get("key") if isinstance(question, dict) else None
                if isinstance(key, str):
                    self._positions.setdefault(key, index)
        return self._positions

    def check_condition(self, index: int, path: str, condition: Any, questions: list) -> None:
        if condition is None:
            return
        malformed = _(
            "%(path)s: the condition must be a clause {question, op, value} or "
            '{"all": [...]} / {"any": [...]} of clauses.'
        ) % {"path": path}
        if not isinstance(condition, dict) or not condition:
            self.add(path, "condition", Code.CONDITION_MALFORMED, malformed)
            return
        if "all" in condition or "any" in condition:
            combinator = "all" if "all" in condition else "any"
            clauses = condition.get(combinator)
            if len(condition) != 1 or not isinstance(clauses, list) or not clauses:
                self.add(path, "condition", Code.CONDITION_MALFORMED, malformed)
                return
            for position, clause in enumerate(clauses):
                self.check_clause(
                    index, path, f"condition.{combinator}[{position}]", clause, questions, malformed
                )
            return
        self.check_clause(index, path, "condition", condition, questions, malformed)

    def check_clause(
        self, index: int, path: str, field: str, clause: Any, questions: list, malformed: str
    ) -> None:
        if (
            not isinstance(clause, dict)
            or not set(clause) <= {"question", "op", "value", "item"}
            or not isinstance(clause.get("question"), str)
            or not isinstance(clause.get("op"), str)
        ):
            self.add(path, field, Code.CONDITION_MALFORMED, malformed)
            return
        target_key, op = clause["question"], clause["op"]
        position = self.position_of(questions).get(target_key)
        if position is None:
            self.add(
                path,
                field,
                Code.CONDITION_UNKNOWN_QUESTION,
                _("%(path)s: the condition refers to %(key)r, which is not a question of this survey.")
                % {"path": path, "key": target_key},
            )
            return
        if position >= index:
            self.add(
                path,
                field,
                Code.CONDITION_FORWARD_REFERENCE,
                _("%(path)s: the condition refers to %(key)s, which does not come before this question.")
                % {"path": path, "key": target_key},
            )
            return
        target = questions[position]
        kind = target.get("kind")
        if kind not in KINDS:
            return  # reported on the target question itself
        if op not in OPS_BY_KIND[kind]:
            self.add(
                path,
                field,
                Code.CONDITION_BAD_OPERATOR,
                _(
                    "%(path)s: the operator %(op)r cannot be used on %(key)s (a %(kind)s question); "
                    "use one of %(ops)s."
                )
                % {
                    "path": path,
                    "op": op,
                    "key": target_key,
                    "kind": kind,
                    "ops": ", ".join(sorted(OPS_BY_KIND[kind])),
                },
            )
            return
        if op == "answered":
            if "value" in clause:
                self.add(
                    path,
                    field,
                    Code.CONDITION_MALFORMED,
                    _("%(path)s: an 'answered' condition takes no value.") % {"path": path},
                )
            if "item" in clause and kind == MATRIX_KIND:
                self.check_item(path, field, target, clause["item"])
            elif "item" in clause:
                self.add(path, field, Code.CONDITION_MALFORMED, malformed)
            return
        if "value" not in clause:
            self.add(
                path,
                field,
                Code.CONDITION_MALFORMED,
                _("%(path)s: the condition has no value.") % {"path": path},
            )
            return
        if kind == MATRIX_KIND:
            if "item" not in clause:
                self.add(
                    path,
                    field,
                    Code.CONDITION_MALFORMED,
                    _("%(path)s: a condition on the matrix %(key)s must name one of its items.")
                    % {"path": path, "key": target_key},
                )
                return
            if not self.check_item(path, field, target, clause["item"]):
                return
        elif "item" in clause:
            self.add(path, field, Code.CONDITION_MALFORMED, malformed)
            return
        self.check_value(path, field, target, kind, op, clause["value"])

    def check_item(self, path: str, field: str, target: dict, item: Any) -> bool:
        items = target.get("items") if isinstance(target.get("items"), list) else []
        keys = {i.get("key") for i in items if isinstance(i, dict)}
        if item in keys:
            return True
        self.add(
            path,
            field,
            Code.CONDITION_UNKNOWN_ITEM,
            _("%(path)s: the condition names the item %(item)r, which the matrix %(key)s does not have.")
            % {"path": path, "item": item, "key": target.get("key")},
        )
        return False

    def check_value(self, path: str, field: str, target: dict, kind: str, op: str, value: Any) -> None:
        values = value if op in LIST_OPS else [value]
        if op in LIST_OPS and (not isinstance(value, list) or not value):
            self.add(
                path,
                field,
                Code.CONDITION_IMPOSSIBLE_VALUE,
                _("%(path)s: the operator %(op)s needs a non-empty list of values.")
                % {"path": path, "op": op},
            )
            return
        if kind in CHOICE_KINDS:
            choices = target.get("choices") if isinstance(target.get("choices"), list) else []
            keys = {c.get("key") for c in choices if isinstance(c, dict)}
            for one in values:
                if one not in keys:
                    self.add(
                        path,
                        field,
                        Code.CONDITION_IMPOSSIBLE_VALUE,
                        _("%(path)s: %(value)r is not a choice of %(key)s.")
                        % {"path": path, "value": one, "key": target.get("key")},
                    )
            return
        scale = target.get("scale") if isinstance(target.get("scale"), dict) else {}
        low, high = scale.get("min"), scale.get("max")
        if not (is_int(low) and is_int(high)):
            return  # the broken scale is reported on the target question
        for one in values:
            if not is_int(one) or not low <= one <= high:
                self.add(
                    path,
                    field,
                    Code.CONDITION_IMPOSSIBLE_VALUE,
                    _("%(path)s: %(value)r is outside the %(low)d-%(high)d scale of %(key)s.")
                    % {"path": path, "value": one, "low": low, "high": high, "key": target.get("key")},
                )
            elif (op == "lt" and one == low) or (op == "gt" and one == high):
                # Inside the scale, yet no answer can satisfy it: the question would never show.
                self.add(
                    path,
                    field,
                    Code.CONDITION_IMPOSSIBLE_VALUE,
                    _("%(path)s: no answer on the %(low)d-%(high)d scale of %(key)s is %(op)s %(value)d.")
                    % {
                        "path": path,
                        "value": one,
                        "low": low,
                        "high": high,
                        "key": target.get("key"),
                        "op": op,
                    },
                )
