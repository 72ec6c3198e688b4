"""What makes a secret key unfit for production (pure: no Django settings are read).

The production settings refuse to start with such a key, because everything signed with it
(respondent and opt-out links, sessions, password reset links, signed cookies) could be forged.
The rules are Django's own deployment check (``security.W009``: at least 50 characters, at least
5 different ones, not a ``django-insecure-`` key) plus the keys this project itself ships as
defaults for development and tests, which are public.
"""

MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5

# Public keys: this project's development and test defaults, and common placeholders.
KNOWN_INSECURE_KEYS = frozenset(
    {
        "insecure-local-development-key-change-me",
        "test-only-secret-key-not-for-production",
        "change-me",
        "changeme",
        "secret",
        "x",
    }
)
INSECURE_PREFIXES = ("django-insecure-", "insecure-", "test-only-", "change-me", "changeme")

GENERATE_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(value: str) -> str | None:
    """Why ``value`` is unfit as a production secret key, or None when it is fit."""
    if value.strip() in KNOWN_INSECURE_KEYS or value.lower().startswith(INSECURE_PREFIXES):
        return "is a known default or placeholder, public to anybody who has read the code"
    if len(value) < MIN_LENGTH:
        return f"has {len(value)} characters; at least {MIN_LENGTH} are needed"
    if len(set(value)) < MIN_UNIQUE_CHARACTERS:
        return f"has fewer than {MIN_UNIQUE_CHARACTERS} different characters"
    return None


def secret_keys_problems(*, key: str, fallbacks: list[str]) -> list[str]:
    """Every problem of the key and its fallbacks, each naming its environment variable."""
    problems = []
    problem = secret_key_problem(key)
    if problem:
        problems.append(f"DJANGO_SECRET_KEY {problem}.")
    for position, fallback in enumerate(fallbacks, start=1):
        problem = secret_key_problem(fallback)
        if problem:
            problems.append(f"DJANGO_SECRET_KEY_FALLBACKS: key {position} {problem}.")
    if problems:
        problems.append(f"Generate a key with: {GENERATE_HINT}")
    return problems
