"""ORM reads compiled to SQL once per process, for the respondent pages' per-request lookups.

Compiling a four-table ``select_related`` query costs the web process more CPU than PostgreSQL
spends running it (about a fifth of a submit, measured with benchmarks/respondent_profile.py).
A ``CompiledLookup`` compiles its queryset once per database alias, with a marker standing for
its one parameter, and then only runs that SQL with the real value: the rows are converted and
turned into model instances exactly as iterating the queryset would (the compiler's converters,
``Model.from_db``, Django's select_related populators), so callers get the same objects.

On PostgreSQL these statements (and the submit's one ``WITH`` statement) also run as prepared
statements (``prepared_cursor``, in ``responses/sql/answering.py``): parsed and planned once per
connection instead of on every request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

from responses.sql.answering import prepared_cursor

_MARKER = "\x1ecompiled-lookup-parameter\x1e"


@dataclass(frozen=True)
class _Plan:
    sql: str
    marker_index: int
    params: tuple
    converters: dict
    model: type[Model]
    start: int
    end: int
    init_list: list[str]
    populators: list


class CompiledLookup:
    """The first row of ``build(value)`` (a queryset of ``model`` with one parameter), compiled
    once per database alias.

    ``build`` must put ``value`` in the query exactly once (``.filter(field=value)``) and give
    the query a fixed shape whatever the value (a slice, no ordering that depends on it).
    """

    def __init__(self, model: type[Model], build: Callable[[Any], QuerySet]) -> None:
        self._model = model
        self._build = build
        self._plans: dict[str, _Plan] = {}

    def _plan(self, alias: str) -> _Plan:
        queryset = self._build(_MARKER).using(alias)
        if queryset.model is not self._model:
            raise ValueError(f"the lookup was declared for {self._model.__name__}")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        indexes = [i for i, param in enumerate(params) if param == _MARKER]
        if len(indexes) != 1 or compiler.annotation_col_map or compiler.has_extra_select:
            raise ValueError("a compiled lookup takes one parameter and plain model columns")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql,
            marker_index=indexes[0],
            params=tuple(params),
            converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in select[start:end]],
            populators=get_related_populators(klass_info, select, alias),
        )

    def first(self, value: Any, *, using: str | None = None) -> Model | None:
        using = using or router.db_for_read(self._model)
        plan = self._plans.get(using)
        if plan is None:
            plan = self._plans[using] = self._plan(using)
        params = list(plan.params)
        params[plan.marker_index] = value
        connection = connections[using]
        with prepared_cursor(connection) as cursor:
            cursor.execute(plan.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if plan.converters:
            row = list(row)
            for position, (functions, expression) in plan.converters.items():
                converted = row[position]
                for function in functions:
                    converted = function(converted, expression, connection)
                row[position] = converted
        obj = plan.model.from_db(using, plan.init_list, row[plan.start : plan.end])
        for populator in plan.populators:
            populator.populate(row, obj)
        return obj
