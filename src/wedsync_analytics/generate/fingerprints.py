"""Error fingerprints: every (error kind, code path) variant, its message, endpoint and
popularity, and the request data of an error row."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import polars as pl

from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.columns import pooled
from wedsync_analytics.generate.rng import I64

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def fingerprint(service: str, error_type: str, message: str) -> str:
    """Same value as SQL public.error_fingerprint(service, type, message)."""
    text = _UUID_RE.sub("<uuid>", message.lower())
    text = re.sub(r"0x[0-9a-f]+", "<hex>", text)
    text = re.sub(r"[0-9]+", "<n>", text)
    return hashlib.md5(f"{service}\x1f{error_type}\x1f{text}".encode()).hexdigest()


# Each error kind fails in several code paths: variant 0 is the kind's own message, variant
# v > 0 appends " in <function>", so it is another fingerprint (Sentry groups by it). The
# (kind, variant) fingerprints have Zipf-like frequencies, exponent ZIPF_S, ranked variant 0
# of every kind first: a few issues hold most events (Sentry: a few issues dominate).
FUNCTIONS = (
    "handleRequest", "loadTimeline", "saveBooking", "syncCalendar", "renderInvoice",
    "sendReminder", "uploadPhoto", "fetchAvailability", "updateGuestList", "submitForm",
    "refreshSession", "chargeDeposit", "notifyCouple", "buildQuote", "exportPdf",
    "resizeImage", "matchSuppliers", "scheduleTask", "parseWebhook", "mergeContacts",
    "validateSeating", "applyDiscount", "archiveThread", "computeBudget",
)  # fmt: skip
VARIANTS_PER_KIND = len(FUNCTIONS) + 1
ZIPF_S = 1.1
_K = len(P.ERROR_KINDS)
VAR_KIND = np.repeat(np.arange(_K), VARIANTS_PER_KIND)
_VAR_V = np.tile(np.arange(VARIANTS_PER_KIND), _K)
VAR_SUFFIX = tuple("" if v == 0 else f" in {FUNCTIONS[v - 1]}" for v in _VAR_V)
VAR_FINGERPRINT = tuple(
    fingerprint(
        P.ERROR_KINDS[k][1], P.ERROR_KINDS[k][0], P.ERROR_KINDS[k][2].replace("{n}", "1") + x
    )
    for k, x in zip(VAR_KIND, VAR_SUFFIX, strict=True)
)
KIND_FINGERPRINT = tuple(VAR_FINGERPRINT[k * VARIANTS_PER_KIND] for k in range(_K))


def _service_endpoints(service: str) -> list[str]:
    return [p for s, p in P.ENDPOINTS if s == service] or ["/api/v1/health"]


VAR_ENDPOINT = tuple(
    (lambda eps: eps[v % len(eps)])(_service_endpoints(P.ERROR_KINDS[k][1]))
    for k, v in zip(VAR_KIND, _VAR_V, strict=True)
)
_KIND_ORDER = (7, 2, 12, 0, 5, 9, 4, 1, 11, 6, 13, 8, 3, 10)  # a fixed popularity order
VAR_WEIGHT = 1.0 / (1.0 + _VAR_V * _K + np.asarray(_KIND_ORDER)[VAR_KIND]) ** ZIPF_S
_VAR_METHOD = tuple("POST" if v % 3 == 1 else "GET" for v in _VAR_V)


def request_data(fp: I64, object_id: I64) -> pl.Series:
    """{"method", "path", "query"} JSON whose path is the row's endpoint_path with its
    `{id}` filled in (`object_id`)."""
    parts = [[*e.split("{id}"), ""] for e in VAR_ENDPOINT]
    head = pooled(
        [f'{{"method":"{m}","path":"{p[0]}' for m, p in zip(_VAR_METHOD, parts, strict=True)], fp
    )
    has_id = np.array(["{id}" in e for e in VAR_ENDPOINT])[fp]
    ident = pl.select(
        pl.when(pl.Series(has_id)).then(pl.Series(object_id).cast(pl.String)).otherwise(pl.lit(""))
    ).to_series()
    tail = pooled([f'{p[1]}","query":{{}}}}' for p in parts], fp)
    return head + ident + tail
