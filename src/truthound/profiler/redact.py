"""Secrets out of every text we show: credentials in URLs (``s3://KEY:SECRET@bucket/...``,
``https://user:password@host/...``), secret-looking query parameters (``X-Amz-Signature=...``)
and the values of secret-looking storage options.

The values of secret options are remembered (for this process) when a filesystem is made from
them, so that a message built later from someone else's text (an engine's, a library's) is
scrubbed of them too: :func:`redact` is applied to every source description, error message and
log line truthound writes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "is_secret_option", "redact", "remember_secrets"]

MASK = "***"

# scheme://userinfo@ : the userinfo (anything up to the first @ before the host's first /).
_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.\-]*://)[^/@\s'\"]+@")
# Option names that hold a secret (or an access key id, which is half of one).
_SECRET_NAME = re.compile(
    r"secret|passw(or)?d|token|(^|[_-])key$|access[_-]?key|account[_-]?key|credential|signature|"
    r"(^|[_-])auth|authorization|cookie|(^|[_-])sas([_-]|$)|(^|[_-])sig$|private",
    re.IGNORECASE,
)
# name=value in a URL's query, for secret-looking names.
_SECRET_PARAM = re.compile(r"([?&])([A-Za-z0-9_.\-]+)=([^&\s'\"#]+)")
# Shorter values are not remembered: masking "ab" everywhere would garble messages.
_MIN_SECRET = 3

_lock = threading.Lock()
_secrets: set[str] = set()


def is_secret_option(name: str) -> bool:
    """True when a storage option (or URL query parameter) called ``name`` holds a secret."""
    return bool(_SECRET_NAME.search(name))


def remember_secrets(options: Mapping[str, Any] | Iterable[str]) -> None:
    """Remember secret values so that :func:`redact` masks them wherever they appear later:
    the values of the secret-looking keys of a mapping, or every string of an iterable."""
    if isinstance(options, Mapping):
        values = [_text(v) for k, v in options.items() if is_secret_option(str(k))]
        for v in options.values():  # nested: client_kwargs={...}, headers={...}
            if isinstance(v, Mapping):
                remember_secrets(v)
    else:
        values = [_text(v) for v in options]
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= _MIN_SECRET)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def redact(text: str) -> str:
    """``text`` with every credential masked (see the module's docstring)."""
    if not text:
        return text
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _SECRET_PARAM.sub(_mask_param, text)
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _mask_param(m: re.Match[str]) -> str:
    if not is_secret_option(m.group(2)):
        return m.group(0)
    return f"{m.group(1)}{m.group(2)}={MASK}"
