"""Requests that fetch a respondent link without a person looking at it.

Corporate mail gateways (Microsoft Defender Safe Links, Mimecast, Proofpoint, Barracuda, ...)
fetch every link of an incoming email, chat apps fetch a link to draw its preview, and browsers
prefetch links they expect to be followed. Such a fetch gets the page as usual (200), but it
must not mark the invitation opened (docs/respondent-pages.md, "Funnel").

A request is taken for automated when it is a HEAD, when it says it is a prefetch or a
prerender, when it is not a top-level page load (``Sec-Fetch-Dest`` other than ``document``),
or when its User-Agent contains one of ``SCANNER_USER_AGENTS``. The list holds substrings
specific enough never to match a phone's or a desktop browser's User-Agent (no bare "bot":
"CUBOT" is a phone maker). A scanner that sends a browser's User-Agent cannot be told apart here;
it is why "started" and "completed", which only a person makes, are the funnel's firm stages.
"""

from django.http import HttpRequest

# Lower case; matched as substrings of the lower-cased User-Agent. Keep them specific.
SCANNER_USER_AGENTS = (
    # mail security gateways and link scanners
    "barracuda",
    "mimecast",
    "proofpoint",
    "safelinks",
    "ms-office",
    "microsoft office",
    "forcepoint",
    "trendmicro",
    "symantec",
    "sophos",
    "fortiguard",
    "checkpoint",
    "ironport",
    "zscaler",
    "urldefense",
    # link previews of mail, chat and social apps
    "bingpreview",
    "skypeuripreview",
    "slackbot",
    "slack-imgproxy",
    "discordbot",
    "telegrambot",
    "facebookexternalhit",
    "twitterbot",
    "linkedinbot",
    "googleimageproxy",
    "google-read-aloud",
    "yahoomailproxy",
    # crawlers and scripts
    "googlebot",
    "bingbot",
    "baiduspider",
    "yandexbot",
    "sogou web spider",
    "360spider",
    "bytespider",
    "applebot",
    "duckduckbot",
    "petalbot",
    "semrushbot",
    "ahrefsbot",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "httpx",
    "go-http-client",
    "curl/",
    "wget/",
    "libwww-perl",
    "java/",
    "apache-httpclient",
    "okhttp",
    "axios/",
    "node-fetch",
    "headlesschrome",
    "phantomjs",
)

# Request headers (as in request.META) that mark a speculative load and the values that do.
PREFETCH_HEADERS = {
    "HTTP_SEC_PURPOSE": ("prefetch", "prerender"),  # Chromium (e.g. "prefetch;prerender")
    "HTTP_PURPOSE": ("prefetch", "preview"),  # Chromium before Sec-Purpose, Safari
    "HTTP_X_PURPOSE": ("prefetch", "preview"),  # Safari's top-sites previews
    "HTTP_X_MOZ": ("prefetch",),  # Firefox
}


def user_agent_is_scanner(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return any(marker in agent for marker in SCANNER_USER_AGENTS)


def request_is_automated(request: HttpRequest) -> bool:
    """True when the request is not a person's browser loading the page (see the module)."""
    if request.method == "HEAD":
        return True
    meta = request.META
    for header, values in PREFETCH_HEADERS.items():
        value = meta.get(header, "").lower()
        if value and any(marker in value for marker in values):
            return True
    destination = meta.get("HTTP_SEC_FETCH_DEST", "").lower()
    if destination and destination != "document":
        return True
    return user_agent_is_scanner(meta.get("HTTP_USER_AGENT", ""))
