"""Reads of the exports app: what each kind holds (``tables``) and the export records."""

from exports.selectors.records import export_for_user, export_visible_to
from exports.selectors.tables import (
    Table,
    comments_matching,
    comments_table,
    funnel_table,
    painpoints_table,
    reads_block_the_connection,
    responses_table,
)

__all__ = [
    "Table",
    "comments_matching",
    "comments_table",
    "export_for_user",
    "export_visible_to",
    "funnel_table",
    "painpoints_table",
    "reads_block_the_connection",
    "responses_table",
]
