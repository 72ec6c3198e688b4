"""``{% chart c %}``: the SVG as markup, its table in a <details>, text escaped once."""

from django.template import Context, Template
from django.utils import translation

from analysis.charts import Bar, bar_chart

EVIL = "<script>alert(1)</script>"


def render(source: str, **context) -> str:
    return Template("{% load charts %}" + source).render(Context(context))


def chart(bars):
    return bar_chart(
        bars, title="Impact", label_header="Topic", value_header="Impact", fmt=lambda v: f"{v:.1f}"
    )


def test_chart_and_its_table_view():
    # given a chart whose label a respondent wrote
    c = chart([Bar(EVIL, 2.0, 1.0, 3.0), Bar("配送慢", 1.0)])

    # when rendered by the tag
    html = render('{% chart c table_id="impact-table" %}', c=c)

    # then the SVG is markup, the label escaped once in it and in the table, never run
    assert html.startswith(
        '<figure class="chart-figure chart-figure-bar"><svg xmlns="http://www.w3.org/2000/svg"'
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&amp;lt;" not in html
    assert (
        '<details class="chart-table"><summary>Show the data as a table</summary>\n'
        '<table id="impact-table">\n<caption>Impact</caption>\n'
        '<thead><tr><th scope="col">Topic</th><th scope="col">Impact</th>'
        '<th scope="col">95% interval</th></tr></thead>\n'
        '<tbody><tr><th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th>'
        "<td>2.0</td><td>1.0 – 3.0</td></tr>\n"
        '<tr><th scope="row">配送慢</th><td>1.0</td><td></td></tr>\n'
        "</tbody>\n</table>\n</details></figure>"
    ) in html


def test_empty_chart_says_no_data_in_the_table_too():
    with translation.override("zh-hans"):
        html = render("{% chart c %}", c=chart([]))
    assert "chart-no-data" in html
    assert '<tr><td colspan="2">暂无数据</td></tr>' in html
    assert "<summary>以表格查看数据</summary>" in html


def test_a_row_sparkline_without_its_table_and_no_chart_at_all():
    assert "<details" not in render("{% chart c show_table=False %}", c=chart([Bar("a", 1.0)]))
    assert render("{% chart c %}", c=None).strip() == ""
