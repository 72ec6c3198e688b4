"""``{% chart c %}``: a chart of ``analysis.charts`` as its SVG followed by its data in a
``<details>`` holding a real table.

    {% load charts %}
    {% chart impact_chart table_id="impact-table" %}
    {% chart sparkline show_table=False %}   {# a row's sparkline: the row holds the numbers #}
"""

from django import template
from django.utils.safestring import mark_safe

from analysis.charts import Chart

register = template.Library()


@register.inclusion_tag("analysis/includes/chart.html")
def chart(chart: Chart | None, table_id: str = "", show_table: bool = True) -> dict:
    if chart is None:
        return {"chart": None}
    return {
        "chart": chart,
        # analysis.charts escapes every text it writes into the SVG; nothing else goes in
        "svg": mark_safe(chart.svg),
        "table_id": table_id,
        "show_table": show_table,
    }
