"""Contact data shown masked: enough to recognise, not enough to use (pure: no Django).

``a***@example.com`` keeps the first character of the local part and the domain;
``+86 138****5678`` keeps the country code, the first three and the last four digits of a
Chinese mobile number (other numbers keep the country code's digits and the last four).
Used by the admin, the workspace's response page and wherever a page shows contact data to
someone other than a case's assignee with the respondent's consent.
"""

MASK = "***"


def email_mask(value: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return MASK
    return f"{local[0]}{MASK}@{domain}"


def phone_mask(value: str) -> str:
    text = "".join(ch for ch in (value or "") if ch.isdigit() or ch == "+")
    if not text:
        return ""
    if text.startswith("+86") and len(text) == 14:
        national = text[3:]
        return f"+86 {national[:3]}****{national[-4:]}"
    digits = text.lstrip("+")
    if len(digits) <= 4:
        return "****"
    prefix = "+" if text.startswith("+") else ""
    return f"{prefix}{'*' * (len(digits) - 4)}{digits[-4:]}"
