"""Simplified Chinese formats where Django's differ from how the platform's readers write:
numbers grouped by thousands with a comma (12,345; Django's ``zh_Hans`` groups nothing) and a
day without its year as 5月4日 (Django's is 05月4日). Every other format is Django's
``zh_Hans`` (``FORMAT_MODULE_PATH`` falls back to it)."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
MONTH_DAY_FORMAT = "n月j日"
